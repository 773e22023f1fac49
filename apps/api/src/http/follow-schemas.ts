import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** Any text up to a sane length: a name that is not an active account is simply not found (404). */
export const UsernameParam = z.object({
  username: z.string().max(64).openapi({ example: 'ann', description: 'The username (case-insensitive).' }),
});

export const FollowBodySchema = z
  .object({
    notify: z
      .boolean()
      .default(true)
      .openapi({ description: 'Be notified when they publish a public image. Default true.' }),
  })
  .strict()
  .openapi('FollowRequest');

/**
 * A follows cursor: the follow time (milliseconds since 1970 in base 36) and the account id, as
 * plain as the image cursor so that any string matching it is a place in the list.
 */
export const FOLLOW_CURSOR_PATTERN = /^[0-9a-z]{1,9}_[A-Za-z0-9_-]{22}$/;

export const FollowListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .regex(FOLLOW_CURSOR_PATTERN, 'nextCursor of the previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page.', example: 'mib0z3k0_Q2xqX0tYbWJ3dG9sNkZvQm' }),
});

export const FollowSchema = z
  .object({
    username: z.string().openapi({ description: 'Who is followed.' }),
    following: z.boolean(),
    notify: z.boolean(),
    since: z.string().nullable().openapi({ description: 'When the follow began (ISO 8601); null when not following.' }),
  })
  .openapi('Follow');

export const FollowEntrySchema = z
  .object({
    username: z.string(),
    profile: z.string().openapi({ description: 'The profile page, /u/<username>.' }),
    since: z.string().openapi({ description: 'When the follow began (ISO 8601).' }),
    notify: z
      .boolean()
      .optional()
      .openapi({ description: 'Only in your own following list: whether you are notified of their images.' }),
  })
  .openapi('FollowEntry');

export const FollowPageSchema = z
  .object({
    accounts: z.array(FollowEntrySchema),
    total: z.number().int().openapi({ description: 'How many accounts the whole list holds.' }),
    nextCursor: z.string().nullable(),
  })
  .openapi('FollowPage');
