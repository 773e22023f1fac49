import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DURATION_PATTERN, TOKEN_SCOPES } from '@pictor/core';
import { ONE_LINE } from './schemas.js';

extendZodWithOpenApi(z);

/**
 * Text that is stored or looked up: no NUL character, which PostgreSQL cannot hold in text (a
 * clear 400, not a failed query). Passwords are only hashed, so they may hold anything.
 */
// eslint-disable-next-line no-control-regex -- NUL is the character refused
const NO_NUL = /^[^\u0000]*$/;
const text = (max: number) => z.string().max(max).regex(NO_NUL, 'no NUL character');

// Lengths are capped generously here (clear 400s for 1 KB strings); the domain applies the real rules.
export const RegisterSchema = z
  .object({
    username: text(64).openapi({ example: 'ann', description: '3–32 of a–z, 0–9, _ and -; case-insensitive.' }),
    email: text(254).openapi({ example: 'ann@example.org' }),
    password: z
      .string()
      .max(1024)
      .openapi({ minLength: 10, maxLength: 128, description: '10–128 characters, not a common password.' }),
    invite: text(200).optional().openapi({ description: 'Needed when REGISTRATION=invite.' }),
  })
  .openapi('Register');

export const LoginSchema = z
  .object({
    login: text(1024).openapi({ example: 'ann', description: 'Username or email.' }),
    password: z.string().max(1024),
  })
  .openapi('Login');

export const ResetRequestSchema = z
  .object({ login: text(1024).openapi({ example: 'ann@example.org', description: 'Username or email.' }) })
  .openapi('PasswordResetRequest');

export const ResetConfirmSchema = z
  .object({
    login: text(1024).openapi({ example: 'ann@example.org' }),
    code: text(64).openapi({ example: 'K7QX-4MRPA', description: 'The code from the message.' }),
    password: z.string().max(1024).openapi({
      minLength: 10,
      maxLength: 128,
      description: 'The new password: 10–128 characters, not a common password.',
    }),
  })
  .openapi('PasswordResetConfirm');

export const VerifyEmailSchema = z
  .object({
    login: text(1024).openapi({ example: 'ann' }),
    code: text(64).openapi({ description: 'The code from the confirmation email.' }),
  })
  .openapi('VerifyEmail');

export const ChangePasswordSchema = z
  .object({
    currentPassword: z.string().max(1024),
    newPassword: z
      .string()
      .max(1024)
      .openapi({ minLength: 10, maxLength: 128, description: '10–128 characters, not a common password.' }),
  })
  .openapi('ChangePassword');

export const ChangeEmailSchema = z
  .object({ password: z.string().max(1024), email: text(254).openapi({ example: 'ann@example.org' }) })
  .openapi('ChangeEmail');

export const DeleteAccountSchema = z
  .object({ password: z.string().max(1024).openapi({ description: 'The current password, as confirmation.' }) })
  .openapi('DeleteAccount');

export const TokenScopeSchema = z.enum(TOKEN_SCOPES);

export const CreateTokenSchema = z
  .object({
    name: text(64).trim().min(1).openapi({ example: 'ShareX on my laptop' }),
    scopes: z
      .array(TokenScopeSchema)
      .min(1)
      .max(TOKEN_SCOPES.length)
      .default(['images:write', 'images:delete'])
      .openapi({ description: `Any of ${TOKEN_SCOPES.join(', ')}.` }),
    expiresIn: z
      .string()
      .regex(DURATION_PATTERN, 'a duration within 100 years such as 30d, 1y (units case-exact) or never')
      .default('never')
      .openapi({ example: '1y' }),
  })
  .strict()
  .openapi('CreateToken');

export const PublicIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'an id') });

/** `nextCursor` of the admin users list: the last account's creation time (base 36 ms) and id. */
export const ACCOUNT_CURSOR_PATTERN = /^[0-9a-z]{1,10}_[A-Za-z0-9_-]{22}$/;

export const AccountSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    role: z.enum(['user', 'admin']),
    status: z.enum(['active', 'blocked', 'pending']),
    createdAt: z.iso.datetime(),
    csrfToken: z
      .string()
      .optional()
      .openapi({ description: 'Session only: send as X-CSRF-Token on every state-changing request.' }),
  })
  .openapi('Account');

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(TokenScopeSchema),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .openapi('ApiToken');

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ example: 'pictor_…', description: 'Shown once; only its hash is kept.' }),
}).openapi('CreatedApiToken');

export const UpdateImageSchema = z
  .object({
    title: z
      .string()
      .max(200)
      .regex(ONE_LINE, 'one line of text, without control or bidi-override characters')
      .trim()
      .nullable()
      .optional(),
    visibility: z.enum(['public', 'unlisted', 'private']).optional(),
    expiresIn: z
      .string()
      .regex(DURATION_PATTERN, 'a duration within 100 years such as 10m, 1h, 7d (units case-exact) or never')
      .optional()
      .openapi({ description: 'A new time to live from now; never removes the expiry.' }),
  })
  .strict()
  .openapi('UpdateImage');

export const AdminUsersQuery = z.object({
  q: text(254).optional().openapi({ description: 'Part of a username or email.' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(ACCOUNT_CURSOR_PATTERN, 'nextCursor of the previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page.' }),
});

export const AdminUpdateUserSchema = z
  .object({
    status: z
      .enum(['active', 'blocked'])
      .optional()
      .openapi({ description: 'blocked: signed out everywhere, images hidden.' }),
    role: z.enum(['user', 'admin']).optional(),
  })
  .strict()
  .refine((v) => v.status !== undefined || v.role !== undefined, 'status or role')
  .openapi('AdminUpdateUser', { minProperties: 1 });

/** An invite always expires: any duration but `never`. */
const INVITE_DURATION_PATTERN = new RegExp(DURATION_PATTERN.source.replace('never|', ''));

export const CreateInviteSchema = z
  .object({
    expiresIn: z
      .string()
      .regex(INVITE_DURATION_PATTERN, 'a duration within 100 years such as 7d (units case-exact)')
      .default('7d'),
  })
  .strict()
  .openapi('CreateInvite');
