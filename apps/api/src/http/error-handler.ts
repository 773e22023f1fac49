import type { NextFunction, Request, Response } from 'express';
import { ERRORS, isAppError, type AppError } from '@pictor/core';
import type { UploadMemoryBudget } from './upload-memory.js';

export interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
  maxParts: number;
  /** Shared by every upload route of the process; no bound when absent. */
  memory?: UploadMemoryBudget;
  /** Longest silence within a request body (UPLOAD_BODY_TIMEOUT_MS); no limit when absent. */
  bodyTimeoutMs?: number;
}

/** Maps what body parsers and the router throw onto the catalogue of AppErrors. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof URIError) return ERRORS.malformedUrl();
  if (typeof error === 'object' && error !== null) {
    const { type, status } = error as { type?: unknown; status?: unknown };
    switch (type) {
      case 'entity.too.large': {
        // The parser knows the limit of its route (the account forms take 8 KB, the delete form 4 KB).
        const { limit } = error as { limit?: unknown };
        return ERRORS.formTooLarge(typeof limit === 'number' ? limit : FORM_LIMIT_BYTES);
      }
      case 'parameters.too.many':
        return ERRORS.tooManyFields(FORM_FIELDS);
      case 'encoding.unsupported':
        return ERRORS.unsupportedContentEncoding(textOf((error as { encoding?: unknown }).encoding));
      case 'charset.unsupported':
        return ERRORS.unsupportedCharset(textOf((error as { charset?: unknown }).charset));
      case 'request.aborted':
        return ERRORS.malformedMultipart('The request was aborted.');
      case 'entity.parse.failed':
        return ERRORS.validationFailed('The body is not valid JSON.');
    }
    // Whatever else a parser or the router refuses as the client's fault (a path that does not
    // decode, a body that does not inflate) stays a 4xx: it is never our outage.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return status === 400 ? ERRORS.malformedBody('The request could not be read.') : ERRORS.requestRefused(status);
    }
  }
  return ERRORS.internal(error);
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Limits of the small urlencoded forms (the delete form); see app.ts. */
export const FORM_LIMIT_BYTES = 4096;
export const FORM_FIELDS = 10;

/** Answers `{ error: { code, message, requestId } }`; unknown errors become a generic 500. */
export function errorHandler() {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    if (appError.status >= 500) {
      req.log.error('request failed', { code: appError.code, error: appError.cause ?? appError });
    } else {
      req.log.info('request rejected', {
        code: appError.code,
        reason: appError.message,
        ...(appError.cause === undefined ? {} : { detail: appError.cause }),
      });
    }
    sendError(res, req, appError);
  };
}

export function sendError(res: Response, req: Request, error: AppError): void {
  if (error.status === 503 || error.status === 429) {
    const retryAfter = error.details?.retryAfterSeconds;
    res.setHeader('Retry-After', typeof retryAfter === 'number' ? String(retryAfter) : '2');
  }
  if (error.status === 405 && Array.isArray(error.details?.allowed)) {
    res.setHeader('Allow', (error.details.allowed as string[]).join(', '));
  }
  res.setHeader('Cache-Control', 'no-store');
  // For the request's log line and metrics (request-context.ts).
  res.locals.errorCode = error.code;
  res.status(error.status).json({
    error: {
      code: error.code,
      message: error.message,
      requestId: req.id,
      ...(error.details ? { details: error.details } : {}),
    },
  });
}
