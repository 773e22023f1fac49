import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import multer from 'multer';
import { ERRORS } from '@pictor/core';
import type { UploadLimits } from './error-handler.js';

export interface ParsedUpload {
  files: Buffer[];
  fields: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: ParsedUpload;
  }
}

/** Option fields a form may carry next to its files. */
const MAX_FIELDS = 8;

/**
 * Reads an upload into memory (never a temporary file) with every limit enforced while the
 * bytes stream in, once the process's upload memory budget has room for it (limits.memory): multipart with any number of file parts up to the limit, or a raw body
 * whose options come from the query string. The client's file names and types are ignored.
 */
export function uploadParser(limits: UploadLimits): RequestHandler {
  const multipart = multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: limits.maxUploadBytes,
      files: limits.maxFilesPerUpload,
      parts: limits.maxParts,
      fields: MAX_FIELDS,
      fieldSize: 1024,
      fieldNameSize: 64,
      headerPairs: 100,
    },
  }).any();
  const raw = express.raw({ type: () => true, limit: limits.maxUploadBytes });

  const parse = (req: Request, res: Response, next: NextFunction) => {
    if (req.is('multipart/form-data')) {
      multipart(req, res, (error?: unknown) => {
        if (error) {
          next(error);
          return;
        }
        const files = (req.files as Express.Multer.File[] | undefined) ?? [];
        req.upload = { files: files.map((f) => f.buffer), fields: { ...(req.body as Record<string, unknown>) } };
        next();
      });
      return;
    }
    if (req.is('application/x-www-form-urlencoded') || req.is('application/json')) {
      next(ERRORS.noFile());
      return;
    }
    raw(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      const body = req.body as unknown;
      const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      if (bytes.length === 0 && !req.get('content-length') && !req.get('transfer-encoding')) {
        next(ERRORS.noFile());
        return;
      }
      req.upload = { files: [bytes], fields: { ...req.query } };
      next();
    });
  };

  const memory = limits.memory;
  if (!memory) return parse;
  return (req: Request, res: Response, next: NextFunction) => {
    // The declared length, or one file's worth for a chunked body; given back when the response ends.
    const declared = Number(req.get('content-length'));
    const bytes = Number.isFinite(declared) && declared > 0 ? declared : limits.maxUploadBytes;
    memory.acquire(bytes).then((release) => {
      if (req.destroyed || res.writableEnded) {
        release(); // the client left while waiting
        return;
      }
      res.once('close', release);
      parse(req, res, next);
    }, next);
  };
}
