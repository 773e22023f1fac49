import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  AccountSchema,
  AdminUpdateUserSchema,
  AdminUsersQuery,
  ChangeEmailSchema,
  ChangePasswordSchema,
  CreatedTokenSchema,
  CreateInviteSchema,
  CreateTokenSchema,
  DeleteAccountSchema,
  LoginSchema,
  PublicIdParam,
  RegisterSchema,
  ResetConfirmSchema,
  ResetRequestSchema,
  TokenSchema,
  UpdateImageSchema,
  VerifyEmailSchema,
} from './account-schemas.js';
import { CreateShareSchema, ShareParams } from '../routes/shares.route.js';
import { ErrorSchema, ImageIdParam, ImageSchema, ListQuerySchema, ListResponseSchema } from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, ...json(schema) } });

/** What the body parsers refuse before any rule runs: a body over the route's few kilobytes. */
const TOO_LARGE = { 413: error('FORM_TOO_LARGE: a body over the limit of the route') };
const CSRF = 'CSRF_REJECTED: a session request from another site, or without X-CSRF-Token';
type Security = Record<string, string[]>[];
const signedIn: Security = [{ session: [] }, { personalToken: [] }];
const sessionOnly: Security = [{ session: [] }];
const adminOnly: Security = [{ session: [] }, { adminToken: [] }];

/** The accounts part of the OpenAPI document: sign-up and sign-in, the account, tokens, admin users. */
export function registerAccountPaths(registry: OpenAPIRegistry, secureCookies: boolean): void {
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: secureCookies ? '__Host-pictor_session' : 'pictor_session',
    description:
      'The session cookie set by POST /api/v1/auth/login (HttpOnly, SameSite=Lax). State-changing requests also need the header X-CSRF-Token (the `csrfToken` of the login answer or GET /api/v1/account) and must come from this origin.',
  });
  registry.registerComponent('securitySchemes', 'personalToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A personal API token `pictor_…` (POST /api/v1/account/tokens), limited to its scopes: images:write, images:delete, pastes:write, account:read, follows:write.',
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/register',
    summary: 'Create an account',
    description:
      'Subject to REGISTRATION (open, invite, closed). The account registering with ADMIN_EMAIL becomes an admin.',
    request: body(RegisterSchema),
    responses: {
      ...TOO_LARGE,
      201: { description: 'Created; sign in next.', ...json(AccountSchema) },
      202: {
        description: 'REGISTRATION=verify-email: a code is on its way (the same answer when the email is taken).',
        ...json(z.object({ message: z.string() })),
      },
      400: error('VALIDATION_FAILED, INVALID_USERNAME, INVALID_EMAIL, WEAK_PASSWORD'),
      403: error('REGISTRATION_CLOSED, INVITE_INVALID, CSRF_REJECTED (posted from another site)'),
      409: error('USERNAME_TAKEN, EMAIL_TAKEN'),
      429: error('RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Sign in with username or email',
    description:
      'Sets a new session cookie (any earlier session of this browser ends) and answers the account with its csrfToken. The same answer whether the account is unknown or the password wrong.',
    request: body(LoginSchema),
    responses: {
      ...TOO_LARGE,
      200: { description: 'Signed in.', ...json(AccountSchema) },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      401: error('INVALID_CREDENTIALS'),
      403: error('ACCOUNT_BLOCKED, ACCOUNT_PENDING (both only after the right password), CSRF_REJECTED'),
      429: error('RATE_LIMITED: per account name and per client address; see Retry-After'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/verify-email',
    summary: 'Confirm the email of a new account with the emailed code (REGISTRATION=verify-email)',
    request: body(VerifyEmailSchema),
    responses: {
      ...TOO_LARGE,
      204: { description: 'The account is active; sign in.' },
      400: error(
        'VALIDATION_FAILED: a missing or malformed body; VERIFICATION_CODE_INVALID (also after 5 tries), VERIFICATION_CODE_EXPIRED',
      ),
      429: error('RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/verify-email/resend',
    summary: 'Send a new confirmation code',
    request: body(ResetRequestSchema),
    responses: {
      ...TOO_LARGE,
      202: { description: 'Always the same answer.', ...json(z.object({ message: z.string() })) },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      429: error('RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/auth/session',
    summary: 'Who is signed in (for the web page): the account with its csrfToken, or null',
    responses: {
      200: {
        description: 'Always 200.',
        // A union, not .nullable(): the generator puts a nullable $ref under allOf with the object
        // it refers to, which no null can match.
        ...json(z.object({ account: z.union([AccountSchema, z.null()]) })),
      },
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Sign out: the session ends and the cookie is cleared',
    responses: { 204: { description: 'Signed out.' } },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/password-reset',
    summary: 'Ask for a one-time code by email',
    description:
      'Always 202, in the same time, whether or not an account matches. The code (10 characters) works once, for 15 minutes, and replaces any earlier one.',
    request: body(ResetRequestSchema),
    responses: {
      ...TOO_LARGE,
      202: {
        description: 'If an account matches, the code is on its way.',
        ...json(z.object({ message: z.string() })),
      },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      429: error('RATE_LIMITED: per account name and per client address'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/password-reset/confirm',
    summary: 'Set a new password with the code',
    description:
      'Every try counts against the code: after 5 it is dead. Success signs out every session and API token and emails a notice; it does not sign in.',
    request: body(ResetConfirmSchema),
    responses: {
      ...TOO_LARGE,
      204: { description: 'Password changed.' },
      400: error(
        'VALIDATION_FAILED: a missing or malformed body; RESET_CODE_INVALID, RESET_CODE_EXPIRED, WEAK_PASSWORD',
      ),
      429: error('RATE_LIMITED'),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/account',
    summary: 'The signed-in account',
    security: signedIn,
    responses: {
      200: { description: 'The account; csrfToken with a session.', ...json(AccountSchema) },
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error('TOKEN_SCOPE: a token without account:read'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/account',
    summary: 'Delete the account and every upload of it',
    security: sessionOnly,
    request: body(DeleteAccountSchema),
    responses: {
      ...TOO_LARGE,
      204: { description: 'Deleted, images included.' },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      401: error('INVALID_CREDENTIALS, AUTHENTICATION_REQUIRED'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/email',
    summary: 'Change the email (with the current password)',
    description: 'The old address is told. Sessions and tokens stay valid.',
    security: sessionOnly,
    request: body(ChangeEmailSchema),
    responses: {
      ...TOO_LARGE,
      200: { description: 'The account as it is now.', ...json(AccountSchema) },
      400: error('VALIDATION_FAILED: a missing or malformed body; INVALID_EMAIL'),
      401: error('INVALID_CREDENTIALS: the password is wrong'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
      409: error('EMAIL_TAKEN'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/password',
    summary: 'Change the password',
    description: 'Signs out every session (this one too) and every API token; a notice is emailed.',
    security: sessionOnly,
    request: body(ChangePasswordSchema),
    responses: {
      ...TOO_LARGE,
      204: { description: 'Changed; sign in again.' },
      400: error('VALIDATION_FAILED: a missing or malformed body; WEAK_PASSWORD'),
      401: error('INVALID_CREDENTIALS: the current password is wrong'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/tokens',
    summary: 'List personal API tokens (never their secrets)',
    security: sessionOnly,
    responses: {
      200: { description: 'Tokens, oldest first.', ...json(z.object({ tokens: z.array(TokenSchema) })) },
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error('SESSION_REQUIRED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/tokens',
    summary: 'Make a personal API token (shown once)',
    security: sessionOnly,
    request: body(CreateTokenSchema),
    responses: {
      ...TOO_LARGE,
      201: { description: 'The token, with its secret this one time.', ...json(CreatedTokenSchema) },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
      409: error('TOO_MANY_TOKENS'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/account/tokens/{id}',
    summary: 'Revoke a token (at once, on every api pod)',
    security: sessionOnly,
    request: { params: PublicIdParam },
    responses: {
      204: { description: 'Revoked.' },
      400: error('VALIDATION_FAILED: not a token id'),
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
      404: error('TOKEN_NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/sharex.sxcu',
    summary: 'ShareX custom uploader for the calling token',
    security: [{ personalToken: [] }],
    responses: {
      200: {
        description: 'A .sxcu file (JSON) that uploads with this token.',
        ...json(z.record(z.string(), z.unknown())),
      },
      401: error('AUTHENTICATION_REQUIRED: no token (a session cannot download this; it POSTs)'),
      403: error('TOKEN_SCOPE: the token lacks images:write'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/sharex.sxcu',
    summary: 'Make a ShareX token and download its uploader',
    security: sessionOnly,
    responses: {
      200: {
        description: 'A .sxcu file with a new token (images:write, images:delete).',
        ...json(z.record(z.string(), z.unknown())),
      },
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error(`SESSION_REQUIRED, ${CSRF}`),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/images',
    summary: 'My uploads, every visibility, newest first',
    security: signedIn,
    request: { query: ListQuerySchema },
    responses: {
      200: { description: 'A page of images.', ...json(ListResponseSchema) },
      400: error('VALIDATION_FAILED: a limit out of range or a cursor not from a previous page'),
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error('TOKEN_SCOPE: a token without account:read'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/images/{id}/shares',
    summary: 'Make a share link: /s/<token> opens the image for anyone until it expires or is revoked',
    description:
      'Private images too: the link is the permission. Each visit of the link is redirected to a fresh presigned URL on the storage replica nearest the visitor (docs/REPLICAS.md). Only SHA-256 of the token is stored; the answer is the only time it is shown. A private image of someone else is IMAGE_NOT_FOUND, as everywhere.',
    security: signedIn,
    request: { params: ImageIdParam, ...body(CreateShareSchema) },
    responses: {
      201: {
        description: 'The link.',
        ...json(z.object({ id: z.string(), url: z.string(), expiresAt: z.string() })),
      },
      400: error('VALIDATION_FAILED: expiresIn is not a duration, is never, or exceeds a year'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`NOT_OWNER, TOKEN_SCOPE (a token without images:write), ${CSRF}`),
      404: error('IMAGE_NOT_FOUND'),
      413: error('FORM_TOO_LARGE: a body over 1 KiB'),
      415: error('UNSUPPORTED_MEDIA_TYPE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/images/{id}/shares/{share}',
    summary: 'Revoke a share link (at once)',
    security: signedIn,
    request: {
      params: ImageIdParam.extend({ share: ShareParams.shape.share }),
    },
    responses: {
      204: { description: 'Revoked; the link answers 404 from now on.' },
      400: error('VALIDATION_FAILED: not a link id'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`NOT_OWNER, TOKEN_SCOPE, ${CSRF}`),
      404: error('IMAGE_NOT_FOUND, NOT_FOUND (no such link of this image)'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/images/{id}',
    summary: "Change an image's title, visibility or expiry (owner or admin)",
    description:
      'Into or out of `private`, the stored outputs move between `public/` (served by the edge) and `private/` before the change is recorded, each copied before the old copy is deleted; a request interrupted (503) is repeated to finish the move. Copies that browsers or other caches kept while the image was public are not recalled.',
    security: [...signedIn, { adminToken: [] }],
    request: { params: ImageIdParam, ...body(UpdateImageSchema) },
    responses: {
      ...TOO_LARGE,
      200: { description: 'The image as it is now.', ...json(ImageSchema) },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
      403: error(`NOT_OWNER, TOKEN_SCOPE (images:write), ${CSRF}`),
      404: error("IMAGE_NOT_FOUND: unknown, deleted or expired; also someone else's private image (never NOT_OWNER)"),
      409: error(
        'IMAGE_PROCESSING: into or out of private while the image is still being processed; VISIBILITY_CHANGE_IN_PROGRESS: another change of its visibility is moving its objects (retry); PRIVATE_NEEDS_OWNER: private for an image uploaded anonymously',
      ),
      503: error('DEPENDENCY_UNAVAILABLE: storage or the database did not answer; repeat the request'),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/users',
    summary: 'List and search accounts (admins)',
    security: adminOnly,
    request: { query: AdminUsersQuery },
    responses: {
      200: {
        description: 'Newest first.',
        ...json(z.object({ users: z.array(AccountSchema), nextCursor: z.string().nullable() })),
      },
      400: error('VALIDATION_FAILED: a limit out of range or a cursor not from a previous page'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('FORBIDDEN: not an admin'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/users/{id}',
    summary: 'One account (admins)',
    security: adminOnly,
    request: { params: PublicIdParam },
    responses: {
      200: { description: 'The account.', ...json(AccountSchema) },
      400: error('VALIDATION_FAILED: not an account id'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('FORBIDDEN: not an admin'),
      404: error('ACCOUNT_NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/admin/users/{id}',
    summary: 'Block, unblock or promote an account (admins)',
    description:
      'Blocking signs the account out everywhere (sessions and tokens) and hides its images at once (404 on every link); unblocking shows them again.',
    security: adminOnly,
    request: { params: PublicIdParam, ...body(AdminUpdateUserSchema) },
    responses: {
      ...TOO_LARGE,
      200: { description: 'The account as it is now.', ...json(AccountSchema) },
      400: error(
        'VALIDATION_FAILED: a missing or malformed body; VALIDATION_FAILED: not an account id, or an admin blocking or demoting themself',
      ),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`FORBIDDEN, ${CSRF}`),
      404: error('ACCOUNT_NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/admin/users/{id}',
    summary: 'Delete an account and its uploads (admins)',
    security: adminOnly,
    request: { params: PublicIdParam },
    responses: {
      204: { description: 'Deleted.' },
      400: error('VALIDATION_FAILED: not an account id'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`FORBIDDEN, ${CSRF}`),
      404: error('ACCOUNT_NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/admin/invites',
    summary: 'Make an invite code for REGISTRATION=invite (admins)',
    security: adminOnly,
    request: { body: { required: false, ...json(CreateInviteSchema) } },
    responses: {
      ...TOO_LARGE,
      201: {
        description: 'The code, shown once.',
        ...json(z.object({ code: z.string(), expiresAt: z.iso.datetime() })),
      },
      400: error('VALIDATION_FAILED: a body that is not JSON, or no duration'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error(`FORBIDDEN, ${CSRF}`),
    },
  });
}
