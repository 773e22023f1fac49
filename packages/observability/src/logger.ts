import winston from 'winston';
import { activeTraceIds } from './tracing.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug';

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  http(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry these fields (e.g. `{ module: 'relay' }`). */
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_FIELD = /(password|secret|token|authorization|cookie|access_?key|api_?key)/i;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s]+:)[^@/\s]+@/gi;

/** Replaces secret-looking fields and credentials inside URLs before a line is written. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1[REDACTED]@');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redact(value.message, depth + 1),
      stack: value.stack,
      ...('code' in value ? { code: value.code } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) ? '[REDACTED]' : redact(inner, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = SECRET_FIELD.test(key) ? '[REDACTED]' : redact(info[key]);
  }
  if (typeof info.message === 'string') info.message = redact(info.message);
  return info;
});

/** Renames winston's `message` to `msg`, the field name the logging pipeline indexes. */
const msgField = winston.format((info) => {
  const fields = info as Record<string, unknown>;
  fields.msg = fields.message;
  delete fields.message;
  return info;
});

/** The ids of the span active when the line is written, so logs and traces join on `traceId`. */
const traceFields = winston.format((info) => {
  const ids = activeTraceIds();
  if (ids) {
    info.traceId = ids.traceId;
    info.spanId = ids.spanId;
  }
  return info;
});

export interface LogFileOptions {
  path: string;
  /**
   * The file is rotated once a line takes it past this size (so at most one line over):
   * `app.log` is always the newest, then `app1.log`, `app2.log` ….
   */
  maxBytes: number;
  /** Files kept, the live one included. */
  maxFiles: number;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Fields on every line, e.g. `{ target: 'all' }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
  /** Also append the same lines to a size-rotated file. */
  file?: LogFileOptions;
  silent?: boolean;
}

/**
 * JSON lines on stdout: `{ time, level, msg, target, module, requestId, traceId, spanId, ... }`,
 * secrets redacted; optionally the same lines in a rotating file.
 */
export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = [
    options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console(),
  ];
  if (options.file) {
    transports.push(
      new winston.transports.File({
        filename: options.file.path,
        maxsize: options.file.maxBytes,
        maxFiles: options.file.maxFiles,
        tailable: true,
      }),
    );
  }
  const logger = winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    defaultMeta: options.base ?? {},
    format: winston.format.combine(
      winston.format.timestamp({ alias: 'time' }),
      winston.format((info) => {
        delete info.timestamp;
        return info;
      })(),
      winston.format.errors({ stack: true }),
      traceFields(),
      redactFormat(),
      msgField(),
      winston.format.json(),
    ),
    transports,
  });
  return wrap(logger);
}

function wrap(logger: winston.Logger): Logger {
  return {
    error: (msg, fields) => logger.error(msg, fields),
    warn: (msg, fields) => logger.warn(msg, fields),
    info: (msg, fields) => logger.info(msg, fields),
    http: (msg, fields) => logger.http(msg, fields),
    debug: (msg, fields) => logger.debug(msg, fields),
    child: (fields) => wrap(logger.child(fields)),
  };
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return createLogger({ level: 'error', silent: true });
}
