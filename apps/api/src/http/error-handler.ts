import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { AppError } from '@pictor/core';
import { ERRORS, isAppError } from '@pictor/core';
import type { UploadMemoryBudget } from './upload-memory.js';

export interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
  maxParts: number;
  /** Shared by every upload route of the process; no bound when absent. */
  memory?: UploadMemoryBudget;
}

/** Maps what body parsers throw onto the catalogue of AppErrors. */
export function toAppError(error: unknown, limits: UploadLimits): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return ERRORS.fileTooLarge(limits.maxUploadBytes);
      case 'LIMIT_FILE_COUNT':
        return ERRORS.tooManyFiles(limits.maxFilesPerUpload);
      // Every part is a file or a field, so a flood of fields hits the field limit before the
      // part limit: it is the same hostile body and gets the same documented answer.
      case 'LIMIT_PART_COUNT':
      case 'LIMIT_FIELD_COUNT':
        return ERRORS.tooManyParts(limits.maxParts);
      default:
        return ERRORS.validationFailed(`Form fields rejected: ${error.message}`);
    }
  }
  if (typeof error === 'object' && error !== null && 'type' in error) {
    const type = error.type;
    if (type === 'entity.too.large') return ERRORS.fileTooLarge(limits.maxUploadBytes);
    if (type === 'request.aborted') return ERRORS.malformedMultipart('The request was aborted.');
    if (type === 'entity.parse.failed') return ERRORS.validationFailed('The body is not valid JSON.');
  }
  if (error instanceof Error && /multipart|boundary|unexpected end of form/i.test(error.message)) {
    return ERRORS.malformedMultipart(`The multipart body is malformed: ${error.message}`);
  }
  return ERRORS.internal(error);
}

/** Answers `{ error: { code, message, requestId } }`; unknown errors become a generic 500. */
export function errorHandler(limits: UploadLimits) {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error, limits);
    if (appError.status >= 500) {
      req.log.error('request failed', { code: appError.code, error: appError.cause ?? appError });
    } else {
      req.log.info('request rejected', { code: appError.code, reason: appError.message });
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
