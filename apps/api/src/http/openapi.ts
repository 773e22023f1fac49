import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  BackupJobNameParam,
  BackupJobSchema,
  BackupListSchema,
  DeleteTokenSchema,
  ErrorSchema,
  ImageIdParam,
  ImageSchema,
  LimitsSchema,
  ListQuerySchema,
  ListResponseSchema,
  UploadOptionsSchema,
  StartBackupSchema,
  StartedBackupJobSchema,
  UploadResponseSchema,
} from './schemas.js';
import { registerAccountPaths } from './openapi-accounts.js';
import { registerPastePaths } from './openapi-pastes.js';
import { registerFollowPaths } from './openapi-follows.js';
import { registerNotificationPaths } from './openapi-notifications.js';
import { registerWebhookPaths } from './openapi-webhooks.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The OpenAPI 3.1 document, generated from the very schemas that validate requests. */
export function buildOpenApiDocument(
  publicUrl: string,
  limits: { maxUploadBytes: number; maxFilesPerUpload: number } = { maxUploadBytes: 26_214_400, maxFilesPerUpload: 20 },
  secureCookies = publicUrl.startsWith('https://'),
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'deleteToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Delete-Token',
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/images',
    summary: 'Upload one or more images',
    description:
      'multipart/form-data with one or more file parts (any field name) and the option fields, or a raw body with an image content type and the options in the query string. The type is sniffed from the bytes. Answers at once; processing continues in the background.',
    request: {
      query: UploadOptionsSchema,
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: UploadOptionsSchema.extend({
              file: z
                .array(z.string().min(1).max(limits.maxUploadBytes).openapi({ format: 'binary' }))
                .min(1)
                .max(limits.maxFilesPerUpload)
                .openapi({
                  description:
                    'One part per image (at least one), each with a filename or Content-Type: application/octet-stream; parts with neither are read as option fields.',
                }),
            }).strict(),
            encoding: { file: { contentType: 'application/octet-stream' } },
          },
          'image/*': { schema: z.string().min(1).max(limits.maxUploadBytes).openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      201: {
        description: 'Stored; links work at once.',
        content: { 'application/json': { schema: UploadResponseSchema } },
      },
      400: errorResponse('VALIDATION_FAILED, NO_FILE, EMPTY_FILE, MALFORMED_MULTIPART'),
      401: errorResponse(
        'AUTHENTICATION_REQUIRED: visibility=private without a signed-in owner, or an anonymous upload where ANONYMOUS_UPLOADS is off',
      ),
      408: errorResponse('BODY_TIMEOUT: the body went silent for UPLOAD_BODY_TIMEOUT_MS'),
      413: errorResponse('FILE_TOO_LARGE, TOO_MANY_FILES, TOO_MANY_PARTS, FIELD_TOO_LARGE'),
      415: errorResponse(
        'UNSUPPORTED_MEDIA_TYPE: not one of the allowed image formats; UNSUPPORTED_CONTENT_ENCODING: a compressed body',
      ),
      422: errorResponse('CORRUPT_IMAGE, PIXEL_LIMIT_EXCEEDED, FRAME_LIMIT_EXCEEDED'),
      429: errorResponse('RATE_LIMITED'),
      503: errorResponse('DEPENDENCY_UNAVAILABLE: retry'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/images',
    summary: 'List public images, newest first',
    request: { query: ListQuerySchema },
    responses: {
      200: { description: 'A page of images.', content: { 'application/json': { schema: ListResponseSchema } } },
      400: errorResponse('VALIDATION_FAILED: a limit outside 1–100 or a cursor that is not a nextCursor'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/images/{id}',
    summary: 'Metadata, status and variants of an image',
    request: { params: ImageIdParam },
    responses: {
      200: { description: 'The image.', content: { 'application/json': { schema: ImageSchema } } },
      404: errorResponse('IMAGE_NOT_FOUND: unknown, deleted or expired'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/images/{id}',
    summary: 'Delete an image with its delete token, or as its owner',
    description:
      'The token goes in the X-Delete-Token header or the `token` query parameter. Signed in (a session, or a personal token with images:delete), the owner or an admin deletes without it; a token given is still checked.',
    security: [{ deleteToken: [] }, { session: [] }, { personalToken: [] }, { adminToken: [] }],
    request: { params: ImageIdParam, query: DeleteTokenSchema.partial() },
    responses: {
      204: { description: 'Deleted: every link now answers 404.' },
      400: errorResponse('VALIDATION_FAILED: the token given twice'),
      403: errorResponse(
        'INVALID_DELETE_TOKEN: missing, empty or wrong (every token is wrong for an id that names no image); NOT_OWNER, TOKEN_SCOPE (images:delete), CSRF_REJECTED when deleting as the owner',
      ),
      404: errorResponse(
        "IMAGE_NOT_FOUND: deleting as the owner or an admin; also someone else's private image (never NOT_OWNER)",
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/limits',
    summary: 'Upload limits and expiry choices of this server',
    responses: { 200: { description: 'Limits.', content: { 'application/json': { schema: LimitsSchema } } } },
  });

  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN. Without it configured, every /api/v1/admin path answers 404.',
  });
  const adminErrors = {
    401: errorResponse('UNAUTHORIZED: no or wrong bearer token'),
    501: errorResponse('BACKUPS_NOT_CONFIGURED: no BACKUP_CRONJOB (and not all-in-one on the embedded database)'),
    502: errorResponse(
      'KUBERNETES_FORBIDDEN (the service account lacks RBAC: the message names verb and resource), BACKUP_CRONJOB_NOT_FOUND, KUBERNETES_API_FAILED',
    ),
  };
  registry.registerPath({
    method: 'post',
    path: '/api/v1/admin/backups',
    summary: 'Start a database backup now',
    description:
      'On Kubernetes: creates a Job from the backup CronJob, as `kubectl create job --from=cronjob/<release>-backup` does. All-in-one: runs the backup in-process. Answers at once; follow `url` for the status.',
    security: [{ adminToken: [] }],
    request: {
      body: { required: false, content: { 'application/json': { schema: StartBackupSchema } } },
    },
    responses: {
      202: {
        description: 'Started.',
        content: { 'application/json': { schema: StartedBackupJobSchema } },
      },
      400: errorResponse('VALIDATION_FAILED: a name that is no DNS label, or a body that is not JSON'),
      409: errorResponse('BACKUP_JOB_EXISTS: the name is taken; BACKUP_IN_PROGRESS: a backup is still running'),
      ...adminErrors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/backups/{name}',
    summary: 'Status of a backup job',
    security: [{ adminToken: [] }],
    request: { params: BackupJobNameParam },
    responses: {
      200: { description: 'The job.', content: { 'application/json': { schema: BackupJobSchema } } },
      400: errorResponse('VALIDATION_FAILED: a name that is no DNS label'),
      404: errorResponse('BACKUP_JOB_NOT_FOUND: no such job, or not one of the backup CronJob'),
      ...adminErrors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/backups',
    summary: 'The newest backups recorded in the database',
    security: [{ adminToken: [] }],
    responses: {
      200: { description: 'Newest first, at most 20.', content: { 'application/json': { schema: BackupListSchema } } },
      401: adminErrors[401],
    },
  });

  registerAccountPaths(registry, secureCookies);
  registerPastePaths(registry);
  registerFollowPaths(registry);
  registerNotificationPaths(registry);
  registerWebhookPaths(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Pictor API',
      version: '1.0.0',
      description: 'Upload images, get direct links at once; processing happens in the background.',
    },
    servers: [{ url: publicUrl }],
  });
}
