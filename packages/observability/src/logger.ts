import winston from 'winston';

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

export interface LoggerOptions {
  level: LogLevel;
  /** Fields on every line, e.g. `{ target: 'all' }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

/** JSON lines on stdout: `{ time, level, msg, target, module, requestId, ... }`, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
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
      redactFormat(),
      msgField(),
      winston.format.json(),
    ),
    transports: [transport],
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
