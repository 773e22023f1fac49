import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CreateShareSchema, ShareParams } from '../routes/shares.route.js';
import {
  CreatedPasteSchema,
  CreatePasteSchema,
  DeleteTokenSchema,
  ErrorSchema,
  MostViewedQuerySchema,
  MostViewedSchema,
  PasteIdParam,
  PasteListQuerySchema,
  PasteListSchema,
  PasteQuerySchema,
  PasteSchema,
  PasteTextSchema,
  PasteWithContentSchema,
  UpdatePasteSchema,
} from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const ownerOrToken: Record<string, string[]>[] = [{ deleteToken: [] }, { session: [] }, { personalToken: [] }];
const listFailure = error('VALIDATION_FAILED: a limit outside 1–100 or a cursor that is not a nextCursor');
const forbidden = error(
  'INVALID_DELETE_TOKEN: missing (neither a delete token nor a sign-in), empty or wrong; NOT_OWNER, TOKEN_SCOPE (pastes:write), CSRF_REJECTED when acting as the author',
);
/** Refused on someone else's private paste: the answer of a missing one, so it does not tell it exists. */
const notFoundOrPrivate = error(
  "PASTE_NOT_FOUND: unknown, deleted or expired; also someone else's private paste, whoever asks and whatever token",
);

const signedIn: Record<string, string[]>[] = [{ session: [] }, { personalToken: [] }];
const CSRF = 'CSRF_REJECTED: a session request from another site, or without X-CSRF-Token';

/** The pastes part of the OpenAPI document. */
export function registerPastePaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/v1/pastes/{id}/shares',
    summary: 'Make a share link: /s/<token> opens the paste for anyone until it expires or is revoked',
    description:
      'Private pastes too: the link is the permission. Each visit is redirected to a fresh presigned URL of the raw text on the storage replica nearest the visitor (docs/REPLICAS.md). Only SHA-256 of the token is stored; the answer is the only time it is shown. A burn-after-reading paste is not shared.',
    security: signedIn,
    request: { params: PasteIdParam, body: { required: true, ...json(CreateShareSchema) } },
    responses: {
      201: {
        description: 'The link.',
        ...json(z.object({ id: z.string(), url: z.string(), expiresAt: z.string() })),
      },
      400: error(
        'VALIDATION_FAILED: expiresIn is not a duration, is never, or exceeds a year; a burn-after-reading paste',
      ),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`NOT_OWNER, TOKEN_SCOPE (a token without pastes:write), ${CSRF}`),
      404: error('PASTE_NOT_FOUND'),
      413: error('FORM_TOO_LARGE: a body over 1 KiB'),
      415: error('UNSUPPORTED_MEDIA_TYPE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/pastes/{id}/shares/{share}',
    summary: 'Revoke a share link of a paste (at once)',
    security: signedIn,
    request: { params: PasteIdParam.extend({ share: ShareParams.shape.share }) },
    responses: {
      204: { description: 'Revoked; the link answers 404 from now on.' },
      400: error('VALIDATION_FAILED: not a link id'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`NOT_OWNER, TOKEN_SCOPE, ${CSRF}`),
      404: error('PASTE_NOT_FOUND, NOT_FOUND (no such link of this paste)'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/pastes',
    summary: 'Create a text paste',
    description:
      'JSON (`content` and options), or any other body taken as the raw text with the options in the query string (with JSON, query options apply where the body leaves them out), so `curl --data-binary @build.log …/api/v1/pastes?title=build` works. The text must be UTF-8 without NUL bytes, at most MAX_PASTE_BYTES. Signed in (session or token with pastes:write), the paste gets a `/<username>/<slug>` link.',
    request: {
      query: PasteQuerySchema,
      body: {
        required: true,
        content: {
          'application/json': { schema: CreatePasteSchema },
          'text/plain': { schema: PasteTextSchema },
        },
      },
    },
    responses: {
      201: { description: 'Stored; links work at once.', ...json(CreatedPasteSchema) },
      400: error('INVALID_TEXT (not UTF-8, NUL bytes, another charset), EMPTY_PASTE, INVALID_TITLE, VALIDATION_FAILED'),
      401: error(
        'AUTHENTICATION_REQUIRED: anonymous pastes are off here, or visibility=private without a signed-in author',
      ),
      403: error('TOKEN_SCOPE, CSRF_REJECTED'),
      413: error('PASTE_TOO_LARGE'),
      415: error('UNSUPPORTED_MEDIA_TYPE: multipart bodies'),
      429: error('RATE_LIMITED'),
      503: error('DEPENDENCY_UNAVAILABLE: retry'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/pastes',
    summary: 'List public pastes, newest first',
    request: { query: PasteListQuerySchema },
    responses: {
      200: { description: 'A page of pastes (without their text).', ...json(PasteListSchema) },
      400: listFailure,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/pastes/{id}',
    summary: 'A paste with its text',
    description:
      'Reading a burn-after-reading paste deletes it, unless the reader is its author or a preview (HEAD, `Purpose: prefetch`, crawlers and link previewers), which get `content: null`.',
    request: { params: PasteIdParam },
    responses: {
      200: { description: 'The paste.', ...json(PasteWithContentSchema) },
      404: error('PASTE_NOT_FOUND: unknown, deleted, expired or burnt'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/pastes/{id}',
    summary: 'Change title, language, visibility or expiry',
    description:
      'With the delete token (X-Delete-Token header or `token` query parameter), or by the author without it (a session, or a personal token with pastes:write); a token given is still checked. A new title gives a new `/<username>/<slug>`; the old one redirects.',
    security: ownerOrToken,
    request: {
      params: PasteIdParam,
      query: DeleteTokenSchema.partial(),
      body: { required: true, ...json(UpdatePasteSchema) },
    },
    responses: {
      200: { description: 'The paste as changed.', ...json(PasteSchema) },
      400: error('INVALID_TITLE, VALIDATION_FAILED (also: the token given twice)'),
      403: forbidden,
      404: notFoundOrPrivate,
      409: error('PRIVATE_NEEDS_OWNER: private for a paste made anonymously'),
      413: error('FORM_TOO_LARGE: a body over 16 KB'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/pastes/{id}',
    summary: 'Delete a paste',
    description:
      'With the delete token (X-Delete-Token header or `token` query parameter), or by the author or an admin without it (a session, or a personal token with pastes:write); a token given is still checked.',
    security: ownerOrToken,
    request: { params: PasteIdParam, query: DeleteTokenSchema.partial() },
    responses: {
      204: { description: 'Deleted: every link, cached or not, now answers 404.' },
      400: error('VALIDATION_FAILED: the token given twice'),
      403: forbidden,
      404: notFoundOrPrivate,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/pastes',
    summary: "The signed-in author's pastes, every visibility, newest first",
    security: [{ session: [] }, { personalToken: [] }],
    request: { query: PasteListQuerySchema },
    responses: {
      200: { description: 'A page of pastes.', ...json(PasteListSchema) },
      400: listFailure,
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE (account:read)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/most-viewed',
    summary: "The signed-in owner's most viewed pastes and images together, most views first",
    description:
      'Views are counted once per client per hour on the view pages (and raw text of pastes), never the owner, never previews, and reach this list in batches (`VIEWS_FLUSH_SECONDS`). Expired, deleted and failed items are left out.',
    security: [{ session: [] }, { personalToken: [] }],
    request: { query: MostViewedQuerySchema },
    responses: {
      200: { description: 'Up to `limit` items.', ...json(MostViewedSchema) },
      400: error('VALIDATION_FAILED: a limit outside 1–50'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE (account:read)'),
    },
  });
}
