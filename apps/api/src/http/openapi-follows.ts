import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  FollowBodySchema,
  FollowListQuerySchema,
  FollowPageSchema,
  FollowSchema,
  UsernameParam,
} from './follow-schemas.js';
import { ErrorSchema } from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const signedIn: Record<string, string[]>[] = [{ session: [] }, { personalToken: [] }];
const NOT_FOUND = 'USER_NOT_FOUND: no active account has this username (blocked accounts answer the same)';

/** Follows: follow, unfollow, and the followers and following lists. */
export function registerFollowPaths(registry: OpenAPIRegistry): void {
  const path = '/api/v1/users/{username}/follow';
  registry.registerPath({
    method: 'get',
    path,
    summary: 'Whether you follow someone',
    security: signedIn,
    request: { params: UsernameParam },
    responses: {
      200: { description: 'Your follow of them (following: false when none).', ...json(FollowSchema) },
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without account:read'),
      404: error(NOT_FOUND),
    },
  });
  registry.registerPath({
    method: 'put',
    path,
    summary: 'Follow someone, or change whether you are notified',
    description:
      'Idempotent. A new follow tells them they have a new follower; with notify on, you are notified when they publish a public image or paste.',
    security: signedIn,
    request: { params: UsernameParam, body: { required: false, ...json(FollowBodySchema) } },
    responses: {
      200: { description: 'Already following; notify is as asked now.', ...json(FollowSchema) },
      201: { description: 'Now following.', ...json(FollowSchema) },
      400: error('VALIDATION_FAILED'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without follows:write; CSRF_REJECTED'),
      404: error(NOT_FOUND),
      413: error('FORM_TOO_LARGE: a body over 1 KiB'),
      422: error('CANNOT_FOLLOW_SELF'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path,
    summary: 'Stop following someone',
    description: 'Idempotent: 204 also when you did not follow them.',
    security: signedIn,
    request: { params: UsernameParam },
    responses: {
      204: { description: 'Not following (any more).' },
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without follows:write; CSRF_REJECTED'),
      404: error(NOT_FOUND),
    },
  });
  for (const list of ['followers', 'following'] as const) {
    registry.registerPath({
      method: 'get',
      path: `/api/v1/users/{username}/${list}`,
      summary: list === 'followers' ? 'Who follows someone' : 'Whom someone follows',
      description: 'Newest follow first; only active accounts. Public.',
      request: { params: UsernameParam, query: FollowListQuerySchema },
      responses: {
        200: { description: 'One page; nextCursor is null on the last.', ...json(FollowPageSchema) },
        400: error('VALIDATION_FAILED: limit or cursor'),
        404: error(NOT_FOUND),
      },
    });
  }

  const token = z.object({
    token: z.string().openapi({ description: 'The signed token of the link in a follow-notification email.' }),
  });
  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const BAD_LINK = 'UNSUBSCRIBE_LINK_INVALID: a link this server did not write (forged, altered or cut short)';
  registry.registerPath({
    method: 'get',
    path: '/unsubscribe/{token}',
    summary: 'The page of a one-click unsubscribe link (changes nothing)',
    description:
      'The link of `List-Unsubscribe` and of the line at the end of every new-image and new-paste email. Shows whom it is about and a button that POSTs to the same URL; reading it changes nothing, so mail scanners that fetch links unsubscribe nobody. No sign-in.',
    request: { params: token },
    responses: {
      200: html('The page (HTML): a button while notify is on, else that there is nothing to stop.'),
      400: error('MALFORMED_URL: the path does not decode'),
      404: error(BAD_LINK),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/unsubscribe/{token}',
    summary: 'Turn notify off for the follow the link names (RFC 8058 one-click)',
    description:
      'What mail programs send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and what the page button sends. The signed token is the proof: no session, no CSRF token; the body is not read. Idempotent; the follow stays, only its notify is turned off; a follow removed meanwhile stays removed.',
    request: {
      params: token,
      body: {
        required: false,
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }),
          },
        },
      },
    },
    responses: {
      200: html('Done (HTML page).'),
      400: error('MALFORMED_URL: the path does not decode'),
      404: error(BAD_LINK),
    },
  });
}
