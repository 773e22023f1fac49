import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DURATION_PATTERN, MAX_TITLE_LENGTH, PASTE_LANGUAGES } from '@pictor/core';
import { CURSOR_PATTERN, PASTE_CURSOR_PATTERN } from './presenter.js';

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
    visibility: blankable(z.enum(['public', 'unlisted', 'private'])).openapi({
      description:
        'public images are listed; unlisted ones only reachable by link; private ones only by their owner (signed in), through short-lived presigned links, and by share links. Default public.',
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

/** A list of pastes: the same limit, a cursor naming a paste (8-character id). */
export const PasteListQuerySchema = ListQuerySchema.extend({
  cursor: z
    .string()
    .regex(PASTE_CURSOR_PATTERN, 'nextCursor of the previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page.', example: 'mib0z3k0_aZ3k9QpL' }),
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
    visibility: z.enum(['public', 'unlisted', 'private']),
    placeholder: z.string().nullable().openapi({ description: 'ThumbHash (base64) once processed.' }),
    failureReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    views: z.number().int().openapi({
      description: 'Views of the view page, once per client per hour, not the owner, not previews; a little behind.',
    }),
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

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];
/** `TRUE_WORDS` or `FALSE_WORDS` in any case, or blank (not given); the document's pattern says the same. */
const BOOLEANISH_PATTERN = `^(?:|${[...TRUE_WORDS, ...FALSE_WORDS]
  .map((word) => [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join(''))
  .join('|')})$`;
const booleanish = z
  .string()
  .regex(new RegExp(BOOLEANISH_PATTERN), 'true or false (also 1/0, yes/no, on/off)')
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : TRUE_WORDS.includes(v.toLowerCase())));

export const PasteIdParam = z.object({
  id: z.string().openapi({ example: 'aZ3k9QpL', description: 'Paste id (8 base62 characters).' }),
});

/** What JavaScript's `trim()` removes, spelt out: JSON Schema patterns run in Python too, whose `\s` differs. */
const TRIMMED = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]';
/** A paste title as the domain takes it: trimmed, at most 200 characters, no control characters. */
const PASTE_TITLE_PATTERN = `^${TRIMMED}*[^\\u0000-\\u001f\\u007f]{0,${MAX_TITLE_LENGTH}}${TRIMMED}*$`;
/** `auto`, blank, or a language of PASTE_LANGUAGES in any case (as parsed). */
const PASTE_LANGUAGE_PATTERN = `^(?:|auto|${PASTE_LANGUAGES.map((name) =>
  [...name].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join(''),
).join('|')})$`;

/** The longest title the query string takes, spaces around it included (the title itself: 200). */
export const MAX_QUERY_TITLE_LENGTH = 500;

const PasteOptionFields = {
  title: z
    .string()
    // Generous here so that the domain's rule (200 characters, one line) answers with INVALID_TITLE;
    // the document states that rule as a pattern.
    .max(100_000)
    .nullable()
    .optional()
    .openapi({
      example: 'CI build #42',
      description: 'At most 200 characters once trimmed, one line (no control characters). Blank: no title.',
      pattern: PASTE_TITLE_PATTERN,
    }),
  language: z
    .string()
    .max(32)
    .nullable()
    .optional()
    .openapi({
      example: 'python',
      description: `Highlighting language, in any case: ${PASTE_LANGUAGES.join(', ')}. \`auto\`, blank or absent: detected.`,
      pattern: PASTE_LANGUAGE_PATTERN,
    }),
  expiresIn: UploadOptionsSchema.shape.expiresIn,
  visibility: UploadOptionsSchema.shape.visibility,
};

/** The query of a raw `text/plain` paste (`curl --data-binary @file …/api/v1/pastes?title=…`). */
export const PasteQuerySchema = z
  .object({
    ...PasteOptionFields,
    // A URL is bounded (16 KB of headers): longer titles are refused (INVALID_TITLE) before they get near it.
    title: PasteOptionFields.title.openapi({ maxLength: MAX_QUERY_TITLE_LENGTH }),
    burnAfterReading: booleanish.openapi({
      type: 'string',
      pattern: BOOLEANISH_PATTERN,
      description: 'true or false, also 1/0, yes/no, on/off, in any case. Blank or absent: false.',
    }),
  })
  .openapi('PasteQuery');

/**
 * The text of a paste: not empty, no NUL. Its limit is in bytes (MAX_PASTE_BYTES, a setting), which
 * a string's maxLength (in characters) cannot say: the description does.
 */
export const PasteTextSchema = z
  .string()
  // Stated in the document only, so that the domain answers with EMPTY_PASTE and INVALID_TEXT.
  .openapi({
    minLength: 1,
    pattern: '^[^\\u0000]+$',
    description: 'The text: not empty, UTF-8, no NUL, at most MAX_PASTE_BYTES bytes (413 beyond).',
  });

export const CreatePasteSchema = z
  .object({
    content: PasteTextSchema,
    ...PasteOptionFields,
    burnAfterReading: z.boolean().optional(),
  })
  .strict()
  .openapi('CreatePaste');

export const UpdatePasteSchema = z
  .object({
    title: PasteOptionFields.title,
    language: PasteOptionFields.language,
    visibility: z.enum(['public', 'unlisted', 'private']).optional(),
    expiresIn: PasteOptionFields.expiresIn,
  })
  .strict()
  .openapi('UpdatePaste');

export const PasteSchema = z
  .object({
    id: z.string().openapi({ example: 'aZ3k9QpL' }),
    title: z.string().nullable(),
    language: z.string().nullable(),
    visibility: z.enum(['public', 'unlisted', 'private']),
    burnAfterReading: z.boolean(),
    bytes: z.number().int(),
    views: z
      .number()
      .int()
      .openapi({ description: 'Views, once per client per hour, not the author, not previews; a little behind.' }),
    author: z.string().nullable().openapi({ description: 'Username of the author; null for anonymous pastes.' }),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    links: z.object({
      view: z.url(),
      short: z.url().openapi({ description: '/p/<id>: permanent.' }),
      raw: z.url(),
      named: z.url().nullable().openapi({ description: '/<username>/<slug> for pastes of a signed-in author.' }),
    }),
  })
  .openapi('Paste');

export const PasteWithContentSchema = PasteSchema.extend({
  content: z
    .string()
    .nullable()
    .openapi({ description: 'The text; null for a burn-after-reading paste asked by a link preview.' }),
  burnt: z.boolean().openapi({ description: 'This read burnt the paste.' }),
}).openapi('PasteWithContent');

export const CreatedPasteSchema = PasteSchema.extend({
  deleteToken: z.string().openapi({ description: 'Shown once.' }),
  deleteUrl: z.url(),
}).openapi('CreatedPaste');

export const PasteListSchema = z
  .object({ pastes: z.array(PasteSchema), nextCursor: z.string().nullable() })
  .openapi('PasteList');

export const MostViewedQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10).openapi({ example: 10 }),
});

export const MostViewedSchema = z
  .object({
    items: z.array(
      z.object({
        kind: z.enum(['paste', 'image']),
        id: z.string(),
        title: z.string().nullable(),
        views: z.number().int(),
        createdAt: z.iso.datetime(),
        link: z.url().openapi({ description: 'The view page: `/p/<id>` for a paste, `/v/<id>` for an image.' }),
      }),
    ),
  })
  .openapi('MostViewed');
