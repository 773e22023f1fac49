import { Transform } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import busboy from 'busboy';
import { ERRORS, isAppError } from '@pictor/core';
import { clientAddress } from './client-address.js';
import type { UploadLimits } from './error-handler.js';
import type { UploadCharge } from './upload-memory.js';

export interface ParsedUpload {
  files: Buffer[];
  /** The form's option fields (none for a raw body, whose options are in the query string). */
  fields: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: ParsedUpload;
  }
}

/** Option fields a form may carry next to its files. */
const MAX_FIELDS = 8;
/** Longest option field value, in bytes. */
export const MAX_FIELD_BYTES = 1024;

/**
 * Reads an upload into memory (never a temporary file) with every limit enforced while the bytes
 * stream in: multipart with any number of file parts up to the limit, or a raw body whose options
 * come from the query string. The client's file names and types are ignored.
 *
 * - The body is charged to the process's upload memory budget (limits.memory) chunk by chunk as it
 *   arrives; while the budget has no room, reading pauses (see upload-memory.ts).
 * - A body that sends nothing for `limits.bodyTimeoutMs` (the budget's own pauses aside) is
 *   answered `408 BODY_TIMEOUT` and the connection closed.
 * - A request `Content-Encoding` other than `identity` is refused with `415`: images are
 *   compressed already, and inflating would let a few kilobytes claim gigabytes of memory.
 * - Every refusal is given at the byte that breaks the limit, not after the whole body.
 */
export function uploadParser(limits: UploadLimits): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      refuse(req, res, next, ERRORS.unsupportedContentEncoding(encoding), limits);
      return;
    }
    if (req.is('application/x-www-form-urlencoded') || req.is('application/json')) {
      refuse(req, res, next, ERRORS.noFile(), limits);
      return;
    }
    const multipart = Boolean(req.is('multipart/form-data'));
    const declared = Number(req.get('content-length'));
    if (!multipart && Number.isFinite(declared) && declared > limits.maxUploadBytes) {
      refuse(req, res, next, ERRORS.fileTooLarge(limits.maxUploadBytes), limits);
      return;
    }

    const charge = limits.memory?.charge(clientAddress(req));
    res.once('close', () => charge?.release());
    const body = meteredBody(req, charge, limits.bodyTimeoutMs);

    let done = false;
    const finish = (error?: unknown, upload?: ParsedUpload) => {
      if (done) return;
      done = true;
      body.stopTimer();
      if (error) {
        req.unpipe(body);
        body.destroy();
        refuse(req, res, next, error, limits);
        return;
      }
      req.upload = upload;
      next();
    };
    body.on('error', (error) => finish(error));
    req.once('close', () => {
      if (!req.complete) finish(ERRORS.malformedMultipart('The request was aborted.'));
    });

    if (multipart) readMultipart(req, body, limits, finish);
    else readRaw(req, body, limits, finish);
  };
}

/**
 * A refusal comes at the byte that breaks a limit, with the rest of the body unread. Most clients
 * only read the answer once they have sent everything, so the rest is read and dropped (never
 * held), up to another `maxUploadBytes` and while it keeps coming; then the connection is cut. A
 * body that went silent is not waited for.
 */
function refuse(req: Request, res: Response, next: NextFunction, error: unknown, limits: UploadLimits): void {
  if (!req.complete) {
    if (isAppError(error) && error.code === 'BODY_TIMEOUT') {
      res.setHeader('Connection', 'close');
    } else {
      let dropped = 0;
      let idle: NodeJS.Timeout | undefined;
      const cut = () => req.socket.destroy();
      const arm = () => {
        if (idle) clearTimeout(idle);
        if (limits.bodyTimeoutMs) idle = setTimeout(cut, limits.bodyTimeoutMs);
      };
      req.on('data', (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped > limits.maxUploadBytes) cut();
        else arm();
      });
      req.once('close', () => clearTimeout(idle));
      arm();
      req.resume();
    }
  }
  next(error);
}

interface MeteredBody extends Transform {
  stopTimer(): void;
}

/**
 * The request body, passed on only once the memory budget has room for each chunk, and failed
 * with BODY_TIMEOUT when the client goes silent.
 */
function meteredBody(req: Request, charge: UploadCharge | undefined, timeoutMs: number | undefined): MeteredBody {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (timer) clearTimeout(timer);
    if (stopped || !timeoutMs) return;
    timer = setTimeout(() => body.destroy(ERRORS.bodyTimeout(timeoutMs)), timeoutMs);
  };
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!charge) {
        arm();
        callback(null, chunk);
        return;
      }
      // Silence while the budget holds us back is not the client's fault.
      if (timer) clearTimeout(timer);
      charge.take(chunk.length).then(() => {
        arm();
        callback(null, chunk);
      }, callback);
    },
  }) as MeteredBody;
  body.stopTimer = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
  arm();
  req.pipe(body);
  return body;
}

type Finish = (error?: unknown, upload?: ParsedUpload) => void;

function readRaw(req: Request, body: MeteredBody, limits: UploadLimits, finish: Finish): void {
  const chunks: Buffer[] = [];
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.maxUploadBytes) {
      finish(ERRORS.fileTooLarge(limits.maxUploadBytes));
      return;
    }
    chunks.push(chunk);
  });
  body.on('end', () => {
    if (size === 0 && !req.get('content-length') && !req.get('transfer-encoding')) {
      finish(ERRORS.noFile());
      return;
    }
    finish(undefined, { files: [Buffer.concat(chunks, size)], fields: {} });
  });
}

function readMultipart(req: Request, body: MeteredBody, limits: UploadLimits, finish: Finish): void {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        fileSize: limits.maxUploadBytes,
        files: limits.maxFilesPerUpload,
        parts: limits.maxParts,
        fields: MAX_FIELDS,
        fieldSize: MAX_FIELD_BYTES,
        fieldNameSize: 64,
        headerPairs: 100,
      },
    });
  } catch (error) {
    finish(ERRORS.malformedMultipart(`The multipart body is malformed: ${(error as Error).message}`));
    return;
  }
  const files: Buffer[] = [];
  const fields: Record<string, unknown> = {};
  let pendingFiles = 0;
  let ended = false;
  const maybeDone = () => {
    if (ended && pendingFiles === 0) finish(undefined, { files, fields });
  };

  parser.on('file', (_name, stream, _info) => {
    pendingFiles += 1;
    const index = files.length;
    files.push(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('limit', () => finish(ERRORS.fileTooLarge(limits.maxUploadBytes)));
    stream.on('error', (error) => finish(malformed(error)));
    stream.on('end', () => {
      files[index] = Buffer.concat(chunks);
      pendingFiles -= 1;
      maybeDone();
    });
  });
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) {
      finish(ERRORS.fieldTooLarge(name, MAX_FIELD_BYTES));
      return;
    }
    if (info.nameTruncated) {
      finish(ERRORS.validationFailed('A form field name is too long.'));
      return;
    }
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else fields[name] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
  });
  parser.on('filesLimit', () => finish(ERRORS.tooManyFiles(limits.maxFilesPerUpload)));
  // Every part is a file or a field, so a flood of fields hits the field limit before the part
  // limit: it is the same hostile body and gets the same documented answer.
  parser.on('partsLimit', () => finish(ERRORS.tooManyParts(limits.maxParts)));
  parser.on('fieldsLimit', () => finish(ERRORS.tooManyParts(limits.maxParts)));
  parser.on('error', (error) => finish(malformed(error)));
  parser.on('close', () => {
    ended = true;
    maybeDone();
  });
  body.pipe(parser);
}

function malformed(error: unknown): unknown {
  if (isAppError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return ERRORS.malformedMultipart(`The multipart body is malformed: ${reason}`);
}
