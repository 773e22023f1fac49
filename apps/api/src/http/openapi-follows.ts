import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
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
}
