import { AppError } from './app-error.js';

/**
 * The one catalogue of error codes. Codes are part of the API contract: never rename one.
 * Each factory documents the HTTP status it maps to.
 */
export const ERRORS = {
  validationFailed: (message: string, details?: Record<string, unknown>) =>
    new AppError('VALIDATION_FAILED', 400, message, false, details),
  noFile: () => new AppError('NO_FILE', 400, 'The request carried no file to upload.'),
  emptyFile: () => new AppError('EMPTY_FILE', 400, 'The uploaded file is empty.'),
  malformedMultipart: (message: string) => new AppError('MALFORMED_MULTIPART', 400, message),
  fileTooLarge: (limitBytes: number) =>
    new AppError('FILE_TOO_LARGE', 413, `The file exceeds the limit of ${limitBytes} bytes.`, false, {
      limitBytes,
    }),
  tooManyFiles: (limit: number) =>
    new AppError('TOO_MANY_FILES', 413, `At most ${limit} files may be uploaded at once.`, false, { limit }),
  tooManyParts: (limit: number) =>
    new AppError('TOO_MANY_PARTS', 413, `The multipart body has more than ${limit} parts.`, false, { limit }),
  fieldTooLarge: (field: string, limitBytes: number) =>
    new AppError('FIELD_TOO_LARGE', 413, `The form field "${field}" exceeds ${limitBytes} bytes.`, false, {
      field,
      limitBytes,
    }),
  unsupportedContentEncoding: (encoding: string) =>
    new AppError(
      'UNSUPPORTED_CONTENT_ENCODING',
      415,
      'Request bodies are accepted without Content-Encoding only (send the file as it is).',
      false,
      { encoding: encoding.slice(0, 64) },
    ),
  bodyTimeout: (timeoutMs: number) =>
    new AppError('BODY_TIMEOUT', 408, `No bytes of the request body arrived for ${timeoutMs} ms.`, true, {
      timeoutMs,
    }),
  formTooLarge: (limitBytes: number) =>
    new AppError('FORM_TOO_LARGE', 413, `The form exceeds ${limitBytes} bytes.`, false, { limitBytes }),
  tooManyFields: (limit: number) =>
    new AppError('TOO_MANY_FIELDS', 413, `The form has more than ${limit} fields.`, false, { limit }),
  unsupportedCharset: (charset: string) =>
    new AppError('UNSUPPORTED_CHARSET', 415, 'Forms are accepted in UTF-8 only.', false, {
      charset: charset.slice(0, 64),
    }),
  malformedBody: (message: string) => new AppError('MALFORMED_BODY', 400, message),
  requestRefused: (status: number) => new AppError('REQUEST_REFUSED', status, 'The request could not be read.'),
  malformedUrl: () => new AppError('MALFORMED_URL', 400, 'The URL does not decode (bad percent-encoding).'),
  unsupportedMediaType: (detected: string | undefined, allowed: readonly string[]) =>
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      415,
      detected
        ? `Files of type ${detected} are not accepted; allowed: ${allowed.join(', ')}.`
        : `The file is not a recognised image; allowed: ${allowed.join(', ')}.`,
      false,
      { detected: detected ?? null, allowed },
    ),
  /** `reason` is for the client; `detail` (the decoder's own words) only for the logs. */
  corruptImage: (reason: string, detail?: string) =>
    new AppError('CORRUPT_IMAGE', 422, `The image could not be decoded: ${reason}.`, false, undefined, {
      cause: detail,
    }),
  pixelLimitExceeded: (pixels: number, limit: number) =>
    new AppError('PIXEL_LIMIT_EXCEEDED', 422, `The image has ${pixels} pixels; the limit is ${limit}.`, false, {
      pixels,
      limit,
    }),
  frameLimitExceeded: (frames: number, limit: number) =>
    new AppError('FRAME_LIMIT_EXCEEDED', 422, `The image has ${frames} frames; the limit is ${limit}.`, false, {
      frames,
      limit,
    }),
  imageNotFound: () => new AppError('IMAGE_NOT_FOUND', 404, 'No such image.'),
  notFound: () => new AppError('NOT_FOUND', 404, 'Nothing here.'),
  methodNotAllowed: (allowed: readonly string[]) =>
    new AppError('METHOD_NOT_ALLOWED', 405, `Only ${allowed.join(', ')} are allowed here.`, false, { allowed }),
  invalidDeleteToken: () => new AppError('INVALID_DELETE_TOKEN', 403, 'The delete token does not match.'),
  privateNeedsOwner: () =>
    new AppError(
      'PRIVATE_NEEDS_OWNER',
      409,
      'Only an item with an owner can be private; this one was made anonymously.',
    ),
  visibilityChangeWhileProcessing: () =>
    new AppError(
      'IMAGE_PROCESSING',
      409,
      'The image is still being processed; change whether it is private once it is ready.',
      true,
    ),
  visibilityChangeInProgress: () =>
    new AppError(
      'VISIBILITY_CHANGE_IN_PROGRESS',
      409,
      'Another change of whether this image is private is being applied; retry in a moment.',
      true,
    ),
  imageNotReady: () => new AppError('IMAGE_NOT_READY', 503, 'The image is still being processed; retry shortly.', true),
  rangeNotSatisfiable: (size: number) =>
    new AppError('RANGE_NOT_SATISFIABLE', 416, 'The requested range is not satisfiable.', false, { size }),
  rateLimited: (retryAfterSeconds: number, message = 'Too many uploads; slow down.') =>
    new AppError('RATE_LIMITED', 429, message, true, { retryAfterSeconds }),
  dependencyUnavailable: (dependency: string, cause?: unknown) =>
    new AppError(
      'DEPENDENCY_UNAVAILABLE',
      503,
      `A dependency (${dependency}) is unavailable; retry shortly.`,
      true,
      { dependency },
      { cause },
    ),
  processingFailed: (reason: string, retryable: boolean, cause?: unknown) =>
    new AppError('PROCESSING_FAILED', 500, reason, retryable, undefined, { cause }),
  shuttingDown: () => new AppError('SHUTTING_DOWN', 503, 'The server is shutting down; retry.', true),
  backupNotFound: (from: string) =>
    new AppError('BACKUP_NOT_FOUND', 404, `No backup matches "${from}" under backups/postgres/.`, false, { from }),
  backupCorrupt: (key: string, reason: string) =>
    new AppError('BACKUP_CORRUPT', 422, `The backup ${key} is unusable: ${reason}`, false, { key }),
  backupFailed: (reason: string, cause?: unknown) =>
    new AppError('BACKUP_FAILED', 500, `The backup failed: ${reason}`, true, undefined, { cause }),
  restoreRefused: (reason: string) => new AppError('RESTORE_REFUSED', 409, reason),
  restoreFailed: (reason: string, cause?: unknown) =>
    new AppError('RESTORE_FAILED', 500, `The restore failed: ${reason}`, false, undefined, { cause }),
  unauthorized: () =>
    new AppError('UNAUTHORIZED', 401, 'This endpoint needs the admin token: Authorization: Bearer <ADMIN_TOKEN>.'),
  backupsNotConfigured: () =>
    new AppError(
      'BACKUPS_NOT_CONFIGURED',
      501,
      'On-demand backups are not configured here: set BACKUP_CRONJOB (Kubernetes) or run all-in-one with the embedded database.',
    ),
  backupJobNotFound: (name: string) =>
    new AppError('BACKUP_JOB_NOT_FOUND', 404, `No backup job named "${name}".`, false, { name }),
  backupJobExists: (name: string) =>
    new AppError('BACKUP_JOB_EXISTS', 409, `A job named "${name}" already exists; choose another name.`, false, {
      name,
    }),
  backupInProgress: (name: string) =>
    new AppError('BACKUP_IN_PROGRESS', 409, `The backup "${name}" is still running; wait for it to finish.`, true, {
      name,
    }),
  backupCronJobNotFound: (cronJob: string, namespace: string) =>
    new AppError(
      'BACKUP_CRONJOB_NOT_FOUND',
      502,
      `The CronJob ${cronJob} does not exist in namespace ${namespace}: is backup.enabled on, and BACKUP_CRONJOB its name?`,
      false,
      { cronJob, namespace },
    ),
  kubernetesForbidden: (verb: string, resource: string, namespace: string, reason: string) =>
    new AppError(
      'KUBERNETES_FORBIDDEN',
      502,
      `The service account may not ${verb} ${resource} in namespace ${namespace} (RBAC): ${reason}`,
      false,
      { verb, resource, namespace },
    ),
  kubernetesFailed: (action: string, reason: string, cause?: unknown) =>
    new AppError(
      'KUBERNETES_API_FAILED',
      502,
      `The Kubernetes API failed to ${action}: ${reason}`,
      true,
      { action },
      { cause },
    ),
  invalidUsername: (reason: string) => new AppError('INVALID_USERNAME', 400, `The username is not accepted: ${reason}`),
  invalidEmail: () => new AppError('INVALID_EMAIL', 400, 'The email address is not valid.'),
  weakPassword: (reason: string) => new AppError('WEAK_PASSWORD', 400, `The password is not accepted: ${reason}`),
  usernameTaken: () => new AppError('USERNAME_TAKEN', 409, 'This username is taken.'),
  emailTaken: () => new AppError('EMAIL_TAKEN', 409, 'An account with this email already exists.'),
  registrationClosed: () => new AppError('REGISTRATION_CLOSED', 403, 'Registration is closed on this server.'),
  inviteInvalid: () => new AppError('INVITE_INVALID', 403, 'The invite code is unknown, used or expired.'),
  /** Deliberately says neither which half was wrong nor whether the account exists. */
  invalidCredentials: () => new AppError('INVALID_CREDENTIALS', 401, 'The login or the password is wrong.'),
  accountBlocked: () => new AppError('ACCOUNT_BLOCKED', 403, 'This account is blocked.'),
  accountPending: () =>
    new AppError('ACCOUNT_PENDING', 403, 'Confirm your email first: enter the code we sent, or ask for a new one.'),
  verificationCodeInvalid: () =>
    new AppError(
      'VERIFICATION_CODE_INVALID',
      400,
      'The code is wrong, used, or replaced by a newer one; ask for a new code.',
    ),
  verificationCodeExpired: () =>
    new AppError('VERIFICATION_CODE_EXPIRED', 400, 'The code has expired; ask for a new one.'),
  authenticationRequired: (message = 'Sign in, or send Authorization: Bearer <personal API token>.') =>
    new AppError('AUTHENTICATION_REQUIRED', 401, message),
  tokenScope: (scope: string) =>
    new AppError('TOKEN_SCOPE', 403, `This API token lacks the scope ${scope}.`, false, { scope }),
  sessionRequired: () =>
    new AppError('SESSION_REQUIRED', 403, 'Account changes need a signed-in session, not an API token.'),
  forbidden: () => new AppError('FORBIDDEN', 403, 'This needs an administrator.'),
  notOwner: () => new AppError('NOT_OWNER', 403, 'Only the owner of this image may change it.'),
  csrfRejected: () =>
    new AppError('CSRF_REJECTED', 403, 'The request came from another site, or its form token is missing or stale.'),
  resetCodeInvalid: () =>
    new AppError('RESET_CODE_INVALID', 400, 'The code is wrong, used, or replaced by a newer one; ask for a new code.'),
  resetCodeExpired: () => new AppError('RESET_CODE_EXPIRED', 400, 'The code has expired; ask for a new one.'),
  tokenNotFound: () => new AppError('TOKEN_NOT_FOUND', 404, 'No such API token.'),
  tooManyTokens: (limit: number) =>
    new AppError('TOO_MANY_TOKENS', 409, `An account may hold at most ${limit} API tokens; revoke one first.`, false, {
      limit,
    }),
  invalidText: (reason: string) => new AppError('INVALID_TEXT', 400, `The text is not accepted: ${reason}`),
  emptyPaste: () => new AppError('EMPTY_PASTE', 400, 'The paste is empty.'),
  pasteTooLarge: (limitBytes: number) =>
    new AppError('PASTE_TOO_LARGE', 413, `The paste exceeds the limit of ${limitBytes} bytes.`, false, { limitBytes }),
  invalidTitle: (reason: string) => new AppError('INVALID_TITLE', 400, `The title is not accepted: ${reason}`),
  pasteNotFound: () => new AppError('PASTE_NOT_FOUND', 404, 'No such paste.'),
  notPasteOwner: () => new AppError('NOT_OWNER', 403, 'Only the owner of this paste may change it.'),
  burnPreviewRefused: () =>
    new AppError(
      'BURN_PREVIEW_REFUSED',
      403,
      'This paste is deleted once read; link previews and prefetches do not get its text.',
    ),
  accountNotFound: () => new AppError('ACCOUNT_NOT_FOUND', 404, 'No such account.'),
  userNotFound: () => new AppError('USER_NOT_FOUND', 404, 'No such user.'),
  cannotFollowSelf: () => new AppError('CANNOT_FOLLOW_SELF', 422, 'You cannot follow yourself.'),
  unsubscribeLinkInvalid: () =>
    new AppError('UNSUBSCRIBE_LINK_INVALID', 404, 'This unsubscribe link is not valid on this server.'),
  webhookUrlForbidden: (reason: string) =>
    new AppError('WEBHOOK_URL_FORBIDDEN', 422, `This webhook URL is not accepted: ${reason}`),
  webhookNotFound: () => new AppError('WEBHOOK_NOT_FOUND', 404, 'No such webhook.'),
  tooManyWebhooks: (limit: number) =>
    new AppError('TOO_MANY_WEBHOOKS', 409, `An account may have at most ${limit} webhooks.`, false, { limit }),
  internal: (cause?: unknown) =>
    new AppError('INTERNAL', 500, 'Something went wrong on our side.', false, undefined, { cause }),
} as const;
