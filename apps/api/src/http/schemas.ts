import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DURATION_PATTERN } from '@pictor/core';
import { CURSOR_PATTERN } from './presenter.js';

extendZodWithOpenApi(z);

/**
 * An option that may be left blank, as forms send fields the user left empty: `''` (or only
 * spaces) means "not given". The document says so, so blanks are part of the contract.
 */
const blankable = <T extends z.ZodType<string>>(schema: T) =>
  z
    .union([z.literal(''), schema])
    .optional()
    .transform((v): Exclude<z.output<T>, ''> | undefined =>
      v === undefined || v.trim() === '' ? undefined : (v as Exclude<z.output<T>, ''>),
    );

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and the bidi embedding,
 * override and isolate characters are refused: a title or watermark is one line of plain text,
 * shown the way it was typed (no right-to-left override turning `gnp.exe` into `exe.png`).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const ONE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;
const oneLine = (max: number) =>
  z
    .string()
    .max(max)
    .regex(ONE_LINE, 'one line of text, without control or bidi-override characters')
    .transform((v) => v.trim());

export const ImageIdParam = z.object({
  id: z.string().openapi({ example: 'Xk3b9QzL0aPq', description: 'Image id (12 base62 characters).' }),
});

export const UploadOptionsSchema = z
  .object({
    expiresIn: blankable(
      z
        .string()
        .regex(DURATION_PATTERN, 'a duration within 100 years such as 10m, 7d, 1mo, 5y (units case-exact) or never'),
    ).openapi({
      example: '1d',
      description:
        'Time to live: a positive number with a unit, s, m, h, d, w, mo or y (case-exact: `m` is minutes, `mo` months), within 100 years (at most 9 digits of seconds, 7 of minutes, 5 of hours, 4 of days, 3 of weeks or months, 2 of years, or 100y); or never. Bounded by EXPIRY_MAX. Blank: the default.',
    }),
    title: blankable(oneLine(200)).openapi({
      example: 'Sunset',
      description: 'One line, without control or bidi-override characters.',
    }),
    visibility: blankable(z.enum(['public', 'unlisted'])).openapi({
      description: 'public images are listed; unlisted ones only reachable by link. Default public.',
    }),
    watermark: blankable(oneLine(64)).openapi({
      description: 'Text stamped in the corner of the display copy and variants (one line).',
    }),
  })
  .openapi('UploadOptions');

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .regex(CURSOR_PATTERN, 'nextCursor of the previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page.', example: 'mib0z3k0_Xk3b9QzL0aPq' }),
});

/** Any text: a token that is empty or wrong is simply one that does not match (403). */
export const DeleteTokenSchema = z.object({
  token: z.string().openapi({ description: 'The delete token shown at upload.' }),
});

const FormatSchema = z.enum(['jpeg', 'png', 'webp', 'gif', 'avif']);

export const LinksSchema = z
  .object({
    view: z.url(),
    direct: z.url(),
    thumbnail: z.url(),
    markdown: z.string(),
    html: z.string(),
    bbcode: z.string(),
  })
  .openapi('ImageLinks');

export const VariantSchema = z
  .object({
    name: z.string().openapi({ example: 'w640', description: '`display` is the full-size sanitised copy.' }),
    format: FormatSchema,
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    url: z.url(),
  })
  .openapi('Variant');

export const ImageSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'ready', 'failed']),
    format: FormatSchema,
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    frames: z.number().int(),
    title: z.string().nullable(),
    visibility: z.enum(['public', 'unlisted']),
    placeholder: z.string().nullable().openapi({ description: 'ThumbHash (base64) once processed.' }),
    failureReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    links: LinksSchema,
    variants: z.array(VariantSchema),
  })
  .openapi('Image');

export const UploadedImageSchema = ImageSchema.extend({
  links: LinksSchema.extend({ delete: z.url() }),
  deleteToken: z.string().openapi({ description: 'Shown once. Needed to delete the image.' }),
}).openapi('UploadedImage');

export const UploadResponseSchema = z.object({ images: z.array(UploadedImageSchema) }).openapi('UploadResponse');
export const ListResponseSchema = z
  .object({ images: z.array(ImageSchema), nextCursor: z.string().nullable() })
  .openapi('ImageList');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'UNSUPPORTED_MEDIA_TYPE' }),
      message: z.string(),
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

export const LimitsSchema = z
  .object({
    maxUploadBytes: z.number().int(),
    maxFilesPerUpload: z.number().int(),
    allowedFormats: z.array(FormatSchema),
    expiryChoices: z.array(z.string()),
    expiryDefault: z.string(),
  })
  .openapi('Limits');

export const BackupJobNameParam = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Job name: lower-case letters, digits and -, at most 63')
    .openapi({ example: 'pictor-backup-manual-20261123031500' }),
});

export const StartBackupSchema = z
  .object({
    name: BackupJobNameParam.shape.name
      .optional()
      .openapi({ description: 'Name of the Job; default `<cronjob>-manual-<yyyymmddhhmmss>` (UTC).' }),
  })
  .strict()
  .openapi('StartBackup');

export const BackupJobSchema = z
  .object({
    name: z.string().openapi({ example: 'pictor-backup-manual-20261123031500' }),
    namespace: z.string().openapi({ example: 'pictor', description: '`local` for an in-process backup (all-in-one).' }),
    status: z.enum(['pending', 'running', 'succeeded', 'failed']),
    active: z.number().int().openapi({ description: 'Pods running.' }),
    succeeded: z.number().int(),
    failed: z.number().int().openapi({ description: 'Pods that failed (the Job retries up to its backoffLimit).' }),
    createdAt: z.iso.datetime().nullable(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable().openapi({ description: 'Set once the backup succeeded.' }),
  })
  .openapi('BackupJob');

export const StartedBackupJobSchema = BackupJobSchema.extend({
  url: z.url().openapi({ description: 'Where to follow its status (also the Location header).' }),
}).openapi('StartedBackupJob');

export const BackupRecordSchema = z
  .object({
    key: z.string().openapi({ example: 'backups/postgres/2026-11-23T03-00-00-000Z.dump' }),
    bytes: z.number().int(),
    sha256: z.string(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
  })
  .openapi('BackupRecord');

export const BackupListSchema = z.object({ backups: z.array(BackupRecordSchema) }).openapi('BackupList');

export type BackupJobDto = z.infer<typeof BackupJobSchema>;
export type BackupRecordDto = z.infer<typeof BackupRecordSchema>;
