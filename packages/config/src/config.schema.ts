import { isIP } from 'node:net';
import { z } from 'zod';
import { parseLocation, parseOverrides, parseReplicas } from './replicas.js';

export const TARGETS = [
  'all',
  'api',
  'worker',
  'relay',
  'notifier',
  'migrate',
  'storage-setup',
  'cleanup',
  'backup',
  'restore',
] as const;
export type Target = (typeof TARGETS)[number];

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const optionalString = z
  .string()
  .transform((v) => (v.trim() === '' ? undefined : v.trim()))
  .optional();
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const widthList = csv.pipe(
  z
    .array(z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().int().min(16).max(8192)))
    .max(6),
);
const formatList = csv.pipe(z.array(z.enum(['jpeg', 'png', 'webp', 'gif', 'avif'])).min(1));
/** The grammar of core's DURATION_PATTERN (`expiresIn`): within 100 years by its digits per unit. */
const duration = z
  .string()
  .regex(
    /^(never|[1-9][0-9]{0,8}s?|[1-9][0-9]{0,6}m|[1-9][0-9]{0,4}h|[1-9][0-9]{0,3}d|[1-9][0-9]{0,2}w|[1-9][0-9]{0,2}mo|[1-9][0-9]?y|100y)$/,
    'a duration within 100 years such as 10m, 7d, 1mo, 5y or never',
  );
const DURATION_UNITS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  mo: 2_592_000,
  y: 31_536_000,
};

/** Seconds of a duration (`never`: null); the same units as core's parseDuration. */
export function durationSeconds(value: string): number | null {
  const match = /^(\d+)(s|m|h|d|w|mo|y)?$/.exec(value);
  if (!match) return null;
  const seconds = Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1);
  return seconds > 0 ? seconds : null;
}
const url = z.url();
/** An address, a CIDR block, or one of `loopback`, `linklocal`, `uniquelocal` (as proxy-addr names them). */
const proxyList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((entry) => {
        if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
        const [address = '', prefix, ...rest] = entry.split('/');
        const family = isIP(address);
        if (family === 0 || rest.length > 0) return false;
        if (prefix === undefined) return true;
        return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
      }, 'an IP address or CIDR block (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal'),
    ),
  );

/** Parsers that report their own problems (as strings) become zod issues. */
function parsedBy<T>(parse: (input: string) => T | string | string[]) {
  return z
    .string()
    .optional()
    .transform((input, ctx) => {
      const result = parse(input ?? '');
      if (typeof result === 'string') {
        ctx.addIssue({ code: 'custom', message: result });
        return z.NEVER;
      }
      if (Array.isArray(result) && result.length > 0 && result.every((r) => typeof r === 'string')) {
        for (const message of result) ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return result as T;
    });
}
const replicaList = parsedBy(parseReplicas);
const overrideList = parsedBy(parseOverrides);
const optionalLocation = z
  .string()
  .optional()
  .transform((input, ctx) => {
    if (input === undefined || input.trim() === '') return undefined;
    const location = parseLocation(input);
    if (typeof location === 'string') {
      ctx.addIssue({ code: 'custom', message: location });
      return z.NEVER;
    }
    return location;
  });

interface Setting<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The default, as it would be written in the environment; undefined: unset by default. */
  default?: string;
  description: string;
  /** A credential: its value never appears in a message (configuration errors, logs). */
  secret?: true;
}

function setting<S extends z.ZodType>(schema: S, description: string, defaultValue?: string): Setting<S> {
  return defaultValue === undefined ? { schema, description } : { schema, description, default: defaultValue };
}

function secret<S extends z.ZodType>(schema: S, description: string): Setting<S> {
  return { schema, description, secret: true };
}

/**
 * Every environment variable Pictor reads, described once. The README's configuration table
 * is generated from this list (`npm run config:table`) and a test keeps the two equal.
 */
export const SETTINGS = {
  PICTOR_TARGET: setting(z.enum(TARGETS), 'Role(s) this process runs; `--target` overrides it.', 'all'),
  PORT: setting(port, 'HTTP port of the API and web page.', '8080'),
  HOST: setting(z.string().min(1), 'Address the HTTP server binds to.', '0.0.0.0'),
  METRICS_PORT: setting(
    z.coerce.number().int().min(0).max(65535),
    'Port of the Prometheus endpoint `/metrics`, apart from the public HTTP port; 0 picks a free one.',
    '9464',
  ),
  METRICS_HOST: setting(
    z.string().min(1),
    'Address `/metrics` binds to. Loopback by default; the chart sets the pod IP so Prometheus can scrape it.',
    '127.0.0.1',
  ),
  TRUSTED_PROXIES: setting(
    proxyList,
    'Comma-separated addresses or CIDR blocks of reverse proxies whose `X-Forwarded-For` is believed (the client is the right-most address not in this list; the chart sets the edge and ingress). Unset: the peer address is the client.',
  ),
  PUBLIC_URL: setting(url.optional(), 'Origin that links are built on. Default: `http://localhost:$PORT`.'),
  LOG_LEVEL: setting(z.enum(['error', 'warn', 'info', 'http', 'debug']), 'Least severe log level written.', 'info'),
  LOG_FILE: setting(
    optionalString,
    'Also append the JSON log lines to this file, rotated by size. Unset: stdout only.',
  ),
  LOG_FILE_MAX_BYTES: setting(positiveInt, 'Size at which the log file is rotated.', '10485760'),
  LOG_FILE_MAX_FILES: setting(positiveInt, 'Log files kept, the live one included.', '5'),
  OTEL_EXPORTER_OTLP_ENDPOINT: setting(
    url.optional(),
    'OTLP/HTTP collector that traces are sent to (standard OpenTelemetry variable; the other `OTEL_*` variables apply too). Unset: traces are not exported, their ids still go on log lines.',
  ),
  OTEL_SERVICE_NAME: setting(z.string().min(1), 'Service name on exported traces.', 'pictor'),
  OTEL_SDK_DISABLED: setting(
    z.enum(['true', 'false']),
    '`true` turns tracing off entirely (no instrumentation, no trace ids on log lines).',
    'false',
  ),
  DATA_DIR: setting(z.string().min(1), 'Where the embedded database and disk object store keep their files.', './data'),
  DATABASE_URL: setting(
    optionalString,
    'PostgreSQL connection string. Unset: embedded PostgreSQL (PGlite) in `DATA_DIR`.',
  ),
  DATABASE_POOL_MAX: setting(positiveInt, 'Connections per process (the embedded database always uses 1).', '10'),
  DATABASE_STATEMENT_TIMEOUT_MS: setting(positiveInt, 'Server-side statement timeout.', '15000'),
  S3_ENDPOINT: setting(optionalString, 'S3 endpoint URL (MinIO, Garage, AWS). Unset: objects on disk in `DATA_DIR`.'),
  S3_BUCKET: setting(optionalString, 'Bucket for originals, derived images and backups.'),
  S3_ACCESS_KEY: setting(optionalString, 'S3 access key.'),
  S3_SECRET_KEY: setting(optionalString, 'S3 secret key.'),
  S3_REGION: setting(z.string().min(1), 'S3 region.', 'us-east-1'),
  S3_PUBLIC_ENDPOINT: setting(
    optionalString,
    'Address clients reach the primary S3 at; presigned links to the primary are signed for this host. Default: `S3_ENDPOINT`.',
  ),
  S3_LOCATION: setting(
    optionalLocation,
    'Where the primary S3 stands, in the syntax of a replica location (`lat,lon`, or countries in upper case and continents in lower case, e.g. `DE,eu`). Unset: the primary serves links only when no replica can.',
  ),
  S3_REPLICAS: secret(
    replicaList,
    'Read replicas that MinIO replicates the primary to, as JSON or `name=endpoint at=location [public=url] [access=key secret=key]; …` (see docs/REPLICAS.md). Unset: no replicas.',
  ),
  STORAGE_REPLICATION: setting(
    z.enum(['minio', 'external']),
    '`minio`: `--target=storage-setup` configures MinIO bucket replication from the primary to each replica. `external`: the operator replicates (other S3 engines); storage-setup only creates buckets and checks that a probe object arrives everywhere.',
    'minio',
  ),
  MINIO_CLIENT_PATH: setting(
    z.string().min(1),
    'The MinIO client (`mc`) that `--target=storage-setup` drives to set replication up.',
    'mc',
  ),
  STORAGE_SETUP_TIMEOUT_SECONDS: setting(
    positiveInt.max(3600),
    'How long `--target=storage-setup` waits for its probe object to appear on every replica.',
    '120',
  ),
  REPLICA_DEFAULT: setting(
    z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'a replica name or primary'),
    'Site that clients of unknown, private or loopback addresses are sent to first (a replica name or `primary`).',
    'primary',
  ),
  REPLICA_COOLDOWN_SECONDS: setting(
    positiveInt.max(3600),
    'A replica that failed or answered too slowly is skipped this long before it is tried again.',
    '30',
  ),
  REPLICA_LAG_INTERVAL_SECONDS: setting(
    nonNegativeInt.max(86400),
    'How often the api measures replication lag (a probe object written to the primary, timed until each replica holds it) for `pictor_replica_lag_seconds`. 0: never.',
    '60',
  ),
  REPLICA_LAG_BOUND_SECONDS: setting(
    positiveInt.max(3600),
    'How long a lag measurement waits for a replica; one that has not got the probe by then reports +Inf.',
    '30',
  ),
  REPLICA_TIMEOUT_MS: setting(
    positiveInt.max(60000),
    'How long a replica may take to say whether it holds an object before the next one is chosen.',
    '1500',
  ),
  GEOIP_DATABASE: setting(
    optionalString,
    'MaxMind-format `.mmdb` database that places client addresses (e.g. GeoLite2 City). Unset: the DB-IP Lite country database shipped with Pictor.',
  ),
  GEOIP_OVERRIDES: setting(
    overrideList,
    'Comma-separated `block=site` pairs checked before the GeoIP database, e.g. `10.1.0.0/16=eu,192.0.2.7=primary`.',
  ),
  LINK_TTL_SECONDS: setting(
    positiveInt.min(10).max(604800),
    'Lifetime of the presigned links that private and shared items redirect to (S3 allows at most 7 days).',
    '300',
  ),
  LINK_SIGNING_KEY: secret(
    optionalString.refine((v) => v === undefined || v.length >= 32, 'at least 32 characters'),
    'Key that share links are signed with (at least 32 characters; every api process needs the same). Unset: a random key made once and kept in the database. Changing it invalidates every share link.',
  ),
  KAFKA_BROKERS: setting(
    optionalString,
    'Comma-separated Kafka brokers. Unset: in-process event bus (target `all` only).',
  ),
  KAFKA_CLIENT_ID: setting(z.string().min(1), 'Kafka client id prefix.', 'pictor'),
  KAFKA_TOPIC_PARTITIONS: setting(
    positiveInt.max(1000),
    'Partitions of topics Pictor creates (≥ the most worker replicas).',
    '12',
  ),
  KAFKA_REPLICATION_FACTOR: setting(positiveInt.max(7), 'Replication factor of topics Pictor creates.', '1'),
  KAFKA_SESSION_TIMEOUT_MS: setting(
    z.coerce.number().int().min(6000).max(300000),
    'A worker silent this long is dropped from the group and its partitions move.',
    '30000',
  ),
  REDIS_URL: setting(optionalString, 'Redis or Valkey URL. Unset: in-memory cache.'),
  REDIS_SENTINELS: setting(
    optionalString.refine(
      (v) => v === undefined || v.split(',').every((hp) => /^[^\s:,]+:\d{1,5}$/.test(hp.trim())),
      'a comma-separated list of host:port',
    ),
    'Redis Sentinels (host:port, comma-separated), instead of REDIS_URL: the cache follows the master they name.',
  ),
  REDIS_SENTINEL_NAME: setting(
    z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a Sentinel master name'),
    'Name of the master the Sentinels watch (with REDIS_SENTINELS).',
    'mymaster',
  ),
  RATE_LIMIT_UPLOADS: setting(
    nonNegativeInt,
    'Upload requests one client (by address) may make per window; 0 turns the limit off.',
    '120',
  ),
  RATE_LIMIT_WINDOW_SECONDS: setting(positiveInt, 'Length of the upload rate-limit window.', '60'),
  RELAY_IN_API: setting(
    z.enum(['true', 'false']).transform((v) => v === 'true'),
    'Run the outbox relay inside `api` processes too.',
    'false',
  ),
  MAX_UPLOAD_BYTES: setting(positiveInt, 'Largest accepted file, in bytes.', String(25 * 1024 * 1024)),
  MAX_PASTE_BYTES: setting(
    positiveInt.max(16 * 1024 * 1024),
    'Largest accepted text paste, in UTF-8 bytes (larger: 413 PASTE_TOO_LARGE).',
    String(1024 * 1024),
  ),
  MAX_FILES_PER_UPLOAD: setting(positiveInt.max(100), 'Most files in one upload request.', '20'),
  UPLOAD_MEMORY_BYTES: setting(
    positiveInt,
    'Upload bytes one api process holds in memory at once; further uploads wait their turn (one alone is always admitted).',
    String(128 * 1024 * 1024),
  ),
  UPLOAD_BODY_TIMEOUT_MS: setting(
    positiveInt.max(600000),
    'An upload whose body sends no byte for this long is answered `408 BODY_TIMEOUT` and its connection closed (the edge has the same `client_body_timeout`).',
    '20000',
  ),
  MAX_IMAGE_PIXELS: setting(positiveInt, 'Largest accepted width × height (decompression-bomb guard).', '50000000'),
  MAX_IMAGE_FRAMES: setting(positiveInt, 'Most frames in an animated image.', '300'),
  ALLOWED_FORMATS: setting(formatList, 'Accepted upload formats, sniffed from the bytes.', 'jpeg,png,webp,gif,avif'),
  EXPIRY_DEFAULT: setting(duration, 'Expiry of uploads that ask for none.', 'never'),
  EXPIRY_MAX: setting(duration, 'Longest expiry an upload may ask for (`never`: no limit).', 'never'),
  THUMBNAIL_SIZE: setting(z.coerce.number().int().min(16).max(1024), 'Longest side of thumbnails, in pixels.', '256'),
  VARIANT_WIDTHS: setting(widthList, 'Widths of resized variants (never upscaled).', '640,1280'),
  DISPLAY_QUALITY: setting(
    z.coerce.number().int().min(1).max(100),
    'Quality of the full-size sanitised copy (lossy formats).',
    '90',
  ),
  JPEG_QUALITY: setting(z.coerce.number().int().min(1).max(100), 'JPEG quality of derived images.', '82'),
  WEBP_QUALITY: setting(z.coerce.number().int().min(1).max(100), 'WebP quality.', '80'),
  AVIF_QUALITY: setting(z.coerce.number().int().min(1).max(100), 'AVIF quality.', '55'),
  AVIF_EFFORT: setting(
    z.coerce.number().int().min(0).max(9),
    'AVIF encoder effort (CPU against size; 4 costs ~10× the CPU of 2).',
    '2',
  ),
  WORKER_CONCURRENCY: setting(positiveInt.max(64), 'Images processed at once per worker process.', '2'),
  WORKER_MAX_ATTEMPTS: setting(
    positiveInt.max(50),
    'Attempts before an image is dead-lettered and marked failed.',
    '5',
  ),
  NOTIFY_MAX_ATTEMPTS: setting(
    positiveInt.max(50),
    'Attempts per notification delivery (crashes included) before it is marked failed and dead-lettered to `pictor.notifications.dlq`.',
    '5',
  ),
  NOTIFY_RETRY_BASE_MS: setting(
    positiveInt.max(600_000),
    'First delay between delivery attempts; doubled per attempt with jitter, at most a minute, never shorter than the provider asks.',
    '1000',
  ),
  NOTIFY_FANOUT_BATCH: setting(
    positiveInt.max(10_000),
    'Followers notified per batch of a fan-out; a restarted notifier resumes after the last finished batch.',
    '500',
  ),
  WEBHOOK_DISABLE_AFTER: setting(
    duration,
    'A webhook endpoint whose every request failed for this long (and at least WEBHOOK_DISABLE_MIN_FAILURES times) is disabled and its owner told by email; `never`: never disabled.',
    '3d',
  ),
  WEBHOOK_DISABLE_MIN_FAILURES: setting(
    positiveInt.max(1_000_000),
    'Failed requests in a row a webhook endpoint needs, besides WEBHOOK_DISABLE_AFTER, before it is disabled.',
    '10',
  ),
  WEBHOOK_ALLOWED_CIDRS: setting(
    z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().refine((entry) => {
            const [address = '', bits, extra] = entry.split('/');
            const max = isIP(address) === 6 ? 128 : 32;
            return (
              isIP(address) !== 0 &&
              extra === undefined &&
              (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max))
            );
          }, 'an IP address or CIDR block'),
        ),
      ),
    'Comma-separated CIDR blocks that webhooks may reach although private or loopback (a receiver inside the cluster, tests). Unset: webhooks reach public addresses only.',
  ),
  TELEGRAM_BOT_TOKEN: secret(
    optionalString,
    'Token of the Telegram bot that sends notifications to linked chats. Unset: no Telegram.',
  ),
  TELEGRAM_BOT_USERNAME: setting(
    optionalString,
    'Username of that bot, for the `https://t.me/<bot>?start=<code>` link.',
  ),
  TELEGRAM_API_URL: setting(
    url,
    'Base URL of the Telegram Bot API (tests point it at their own).',
    'https://api.telegram.org',
  ),
  TELEGRAM_WEBHOOK_SECRET: secret(
    optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{16,256}$/.test(v), '16–256 of A-Z a-z 0-9 _ -'),
    'Secret of the bot webhook: its path is `/hooks/telegram/<secret>` and Telegram sends it as `X-Telegram-Bot-Api-Secret-Token` (set both with setWebhook). Unset: no webhook route; the notifier polls the bot updates (getUpdates) instead.',
  ),
  NOTIFIER_CONCURRENCY: setting(
    positiveInt.max(64),
    'Notification events handled at once per notifier process (never two of one recipient key at once).',
    '4',
  ),
  RELAY_BATCH_SIZE: setting(positiveInt.max(10000), 'Outbox rows published per batch.', '100'),
  RELAY_POLL_INTERVAL_MS: setting(positiveInt, 'Safety-net poll of the outbox.', '1000'),
  SERVE_WAIT_MS: setting(
    nonNegativeInt.max(60000),
    'How long a direct link waits for an image still processing.',
    '10000',
  ),
  VIEWS_FLUSH_SECONDS: setting(
    positiveInt.max(3600),
    'How often counted views of images and pastes are written to PostgreSQL (one statement per kind).',
    '10',
  ),
  CACHE_TTL_SECONDS: setting(positiveInt, 'Lifetime of cached image metadata.', '300'),
  CLEANUP_INTERVAL_SECONDS: setting(
    nonNegativeInt,
    'How often target `all` deletes expired images in-process (the bound on how long storage still serves them); 0: never.',
    '60',
  ),
  CLEANUP_BATCH_SIZE: setting(positiveInt.max(10000), 'Expired images deleted per cleanup transaction.', '100'),
  CLEANUP_ORPHAN_GRACE_SECONDS: setting(
    nonNegativeInt,
    'Objects without a row, and rows stuck in `pending` without their original, older than this are removed by cleanup; 0: never.',
    '3600',
  ),
  PG_DUMP_PATH: setting(
    z.string().min(1),
    '`pg_dump` binary used by `--target=backup` (same major as the server or newer).',
    'pg_dump',
  ),
  PG_RESTORE_PATH: setting(
    z.string().min(1),
    '`pg_restore` binary used by backup verification and `--target=restore`.',
    'pg_restore',
  ),
  BACKUP_KEEP_LAST: setting(positiveInt, 'Backups kept regardless of age (the newest N).', '7'),
  BACKUP_KEEP_DAILY: setting(
    nonNegativeInt,
    'Also keep the newest backup of each of the last N days that have one.',
    '7',
  ),
  BACKUP_KEEP_WEEKLY: setting(
    nonNegativeInt,
    'Also keep the newest backup of each of the last N weeks that have one.',
    '4',
  ),
  ADMIN_TOKEN: secret(
    optionalString.refine((v) => v === undefined || v.length >= 16, 'at least 16 characters'),
    'Bearer token of the admin API (`/api/v1/admin/…`), at least 16 characters. Unset: the admin API answers 404.',
  ),
  BACKUP_CRONJOB: setting(
    optionalString.refine((v) => v === undefined || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v), 'a CronJob name'),
    'CronJob the admin API creates on-demand backup Jobs from (the chart sets `<fullname>-backup`). Unset: no Kubernetes backups (all-in-one backs up in-process).',
  ),
  KUBERNETES_NAMESPACE: setting(
    optionalString,
    "Namespace of `BACKUP_CRONJOB`. Default: the kubeconfig context's, then the pod's service account's.",
  ),
  KUBECONFIG: setting(
    optionalString,
    "Kubeconfig file for the Kubernetes API. Unset: the pod's service account (in-cluster).",
  ),
  REGISTRATION: setting(
    z.enum(['open', 'verify-email', 'invite', 'closed']),
    'Who may create an account: `open` (anyone), `verify-email` (anyone, active once the emailed code is entered), `invite` (with a code an admin made), `closed` (only `pictor admin create-user`).',
    'open',
  ),
  ANONYMOUS_UPLOADS: setting(
    z.enum(['true', 'false']).transform((v) => v === 'true'),
    '`false`: uploads need a signed-in session or a personal API token.',
    'true',
  ),
  ADMIN_EMAIL: setting(
    optionalString.refine((v) => v === undefined || /^[^\s@]+@[^\s@]+$/.test(v), 'an email address'),
    'The account that registers with this email becomes an admin (register it before opening registration to others).',
  ),
  SESSION_TTL_SECONDS: setting(
    positiveInt.min(300),
    'Lifetime of a sign-in session (the cookie and its row).',
    '2592000',
  ),
  ARGON2_MEMORY_KIB: setting(
    z.coerce.number().int().min(8192).max(1048576),
    'Argon2id memory per password hash, in KiB (OWASP: 19456). Changed values apply to new hashes; older ones are rehashed at sign-in.',
    '19456',
  ),
  ARGON2_PASSES: setting(z.coerce.number().int().min(1).max(10), 'Argon2id iterations (OWASP: 2).', '2'),
  ARGON2_PARALLELISM: setting(z.coerce.number().int().min(1).max(16), 'Argon2id lanes (OWASP: 1).', '1'),
  ARGON2_MAX_CONCURRENT: setting(
    z.coerce.number().int().min(1).max(64),
    'Password hashes computed at once per process; more wait their turn (each holds ARGON2_MEMORY_KIB).',
    '4',
  ),
  RATE_LIMIT_LOGIN: setting(
    positiveInt,
    'Sign-in attempts per account name per window (per client address: five times as many).',
    '10',
  ),
  RATE_LIMIT_RESET: setting(
    positiveInt,
    'Password-reset requests, and confirmations, per account and per client address per window.',
    '5',
  ),
  RATE_LIMIT_ACCOUNT_WINDOW_SECONDS: setting(
    positiveInt,
    'Window of the sign-in, registration and reset limits.',
    '900',
  ),
  SMTP_URL: secret(
    optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'an smtp:// or smtps:// URL'),
    'Mail server for reset codes and notices, e.g. `smtps://user:pass@mail.example.org:465`. Unset: each message is written as an `.eml` file under `DATA_DIR/mail`.',
  ),
  MAIL_FROM: setting(optionalString, 'Sender of mails. Default: `Pictor <no-reply@<host of PUBLIC_URL>>`.'),
  SHUTDOWN_TIMEOUT_MS: setting(positiveInt, 'Grace period for in-flight requests and jobs on SIGTERM.', '25000'),
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export type RawSettings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };
