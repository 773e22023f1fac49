import type { z } from 'zod';
import type { AddressOverride, ReplicaSetting, SiteLocation } from './replicas.js';
import { durationSeconds, SETTINGS, type RawSettings, type SettingName, type Target } from './config.schema.js';

export interface Config {
  target: Target;
  http: {
    port: number;
    host: string;
    publicUrl: string;
    /** Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); empty: none. */
    trustedProxies: string[];
  };
  /** The Prometheus endpoint, apart from the public port. */
  metrics: { port: number; host: string };
  logLevel: RawSettings['LOG_LEVEL'];
  /** Rotating log file beside stdout; undefined: stdout only. */
  logFile: { path: string; maxBytes: number; maxFiles: number } | undefined;
  dataDir: string;
  database: { url: string | undefined; poolMax: number; statementTimeoutMs: number };
  s3:
    | {
        endpoint: string;
        bucket: string;
        accessKey: string;
        secretKey: string;
        region: string;
        /** Where clients reach the primary; links are signed for it. */
        publicEndpoint: string;
        location: SiteLocation | undefined;
      }
    | undefined;
  /** Read replicas, the nearest of which serves private and shared items' links. */
  replicas: {
    sites: ReplicaSetting[];
    defaultSite: string;
    cooldownMs: number;
    timeoutMs: number;
    /** How often the api measures replication lag; 0: never. */
    lagIntervalMs: number;
    /** How long one measurement waits for each replica. */
    lagBoundMs: number;
    /** Path of a `.mmdb`; undefined: the shipped DB-IP country database. */
    geoipDatabase: string | undefined;
    overrides: AddressOverride[];
  };
  /** `--target=storage-setup`. */
  storageSetup: { replication: RawSettings['STORAGE_REPLICATION']; mcPath: string; timeoutMs: number };
  links: { ttlSeconds: number; signingKey: string | undefined };
  kafka:
    | { brokers: string[]; clientId: string; partitions: number; replicationFactor: number; sessionTimeoutMs: number }
    | undefined;
  rateLimit: { uploads: number; windowSeconds: number };
  relayInApi: boolean;
  /** A URL, or the Sentinels that name the master; undefined: in-memory cache. */
  redis: { url: string } | { sentinels: { host: string; port: number }[]; name: string } | undefined;
  limits: {
    maxUploadBytes: number;
    maxPasteBytes: number;
    maxFilesPerUpload: number;
    uploadMemoryBytes: number;
    uploadBodyTimeoutMs: number;
    maxImagePixels: number;
    maxImageFrames: number;
    allowedFormats: RawSettings['ALLOWED_FORMATS'];
  };
  expiry: { default: string; max: string };
  variants: { thumbnailSize: number; widths: number[] };
  encoding: {
    displayQuality: number;
    jpegQuality: number;
    webpQuality: number;
    avifQuality: number;
    avifEffort: number;
  };
  worker: { concurrency: number; maxAttempts: number };
  notifier: {
    concurrency: number;
    maxAttempts: number;
    retryBaseMs: number;
    fanoutBatch: number;
    webhookAllowedCidrs: string[];
    /** Null: endpoints are never disabled for failing. */
    webhookDisable: { afterMs: number; minFailures: number } | null;
  };
  relay: { batchSize: number; pollIntervalMs: number };
  serveWaitMs: number;
  cacheTtlSeconds: number;
  viewsFlushSeconds: number;
  shutdownTimeoutMs: number;
  cleanup: { intervalSeconds: number; batchSize: number; orphanGraceSeconds: number };
  backup: { pgDumpPath: string; pgRestorePath: string; keepLast: number; keepDaily: number; keepWeekly: number };
  /** The admin API; off (404) without a token. */
  admin: { token: string | undefined };
  accounts: {
    registration: RawSettings['REGISTRATION'];
    anonymousUploads: boolean;
    adminEmail: string | undefined;
    sessionTtlSeconds: number;
    argon2: { memoryKiB: number; passes: number; parallelism: number; maxConcurrent: number };
    /** Secure cookies: PUBLIC_URL is https (directly or behind a TLS ingress). */
    secureCookies: boolean;
    rateLimit: { login: number; reset: number; windowSeconds: number };
  };
  /** Email: over SMTP when smtpUrl is set, else `.eml` files under DATA_DIR/mail. */
  mail: { smtpUrl: string | undefined; from: string };
  /** Telegram notifications, when TELEGRAM_BOT_TOKEN is set. */
  telegram: { botToken: string; botUsername: string; apiUrl: string; webhookSecret: string | undefined } | undefined;
  /** On-demand backups as Jobs of the backup CronJob, when BACKUP_CRONJOB is set. */
  kubernetes: { backupCronJob: string; namespace: string | undefined; kubeconfig: string | undefined } | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads every setting from the environment once, reporting all problems together, and returns
 * a deeply frozen Config. `overrides` (e.g. `--target` from the command line) win over `env`.
 */
export function loadConfig(env: Env, overrides: Partial<Record<SettingName, string>> = {}): Config {
  const problems: string[] = [];
  const raw: Partial<Record<SettingName, unknown>> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const input = overrides[name] ?? env[name] ?? ('default' in setting ? setting.default : undefined);
    const result = (setting.schema as z.ZodType).safeParse(input);
    if (result.success) raw[name] = result.data;
    else {
      const shown = 'secret' in setting && setting.secret ? '[REDACTED]' : JSON.stringify(input ?? '');
      problems.push(`${name}=${shown}: ${result.error.issues.map((i) => i.message).join('; ')}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const s = raw as RawSettings;

  const s3Keys = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const;
  const s3Set = s3Keys.filter((k) => s[k] !== undefined);
  if (s3Set.length > 0 && s3Set.length < s3Keys.length) {
    problems.push(
      `S3 is half configured: set all of ${s3Keys.join(', ')} or none (missing: ${s3Keys.filter((k) => s[k] === undefined).join(', ')})`,
    );
  }
  const brokers = s.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const needsBus = ['api', 'relay', 'worker', 'notifier'].includes(s.PICTOR_TARGET);
  // backup and restore of the embedded database open its files directly (Pictor stopped).
  if (s.PICTOR_TARGET === 'storage-setup' && s3Set.length === 0) {
    problems.push('S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY are required for target "storage-setup"');
  }
  // storage-setup talks to object storage only.
  if (!['all', 'migrate', 'storage-setup', 'backup', 'restore'].includes(s.PICTOR_TARGET)) {
    if (needsBus && !brokers) {
      problems.push(
        `KAFKA_BROKERS is required for target "${s.PICTOR_TARGET}": the in-process bus joins the components of one process only`,
      );
    }
    if (!s.DATABASE_URL) {
      problems.push(
        `DATABASE_URL is required for target "${s.PICTOR_TARGET}": the embedded database belongs to one process`,
      );
    }
  }
  if (s.REDIS_URL && s.REDIS_SENTINELS) {
    problems.push('REDIS_URL and REDIS_SENTINELS are both set: choose one (Sentinels find the master themselves)');
  }
  const maxExpiry = durationSeconds(s.EXPIRY_MAX);
  if (maxExpiry !== null) {
    const defaultExpiry = durationSeconds(s.EXPIRY_DEFAULT);
    if (defaultExpiry === null || defaultExpiry > maxExpiry) {
      problems.push(
        `EXPIRY_DEFAULT=${s.EXPIRY_DEFAULT} exceeds EXPIRY_MAX=${s.EXPIRY_MAX}: uploads that ask for no expiry would be refused`,
      );
    }
  }
  const siteNames = ['primary', ...s.S3_REPLICAS.map((r) => r.name)];
  if (s.S3_REPLICAS.length > 0 && s3Set.length === 0) {
    problems.push('S3_REPLICAS needs the primary S3 (S3_ENDPOINT, …): replicas copy it');
  }
  if (!siteNames.includes(s.REPLICA_DEFAULT)) {
    problems.push(`REPLICA_DEFAULT=${s.REPLICA_DEFAULT}: no such replica (known: ${siteNames.join(', ')})`);
  }
  for (const override of s.GEOIP_OVERRIDES) {
    if (!siteNames.includes(override.site)) {
      problems.push(
        `GEOIP_OVERRIDES: ${override.block}=${override.site}: no such replica (known: ${siteNames.join(', ')})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = (s.PUBLIC_URL ?? `http://localhost:${s.PORT}`).replace(/\/+$/, '');
  const config: Config = {
    target: s.PICTOR_TARGET,
    http: { port: s.PORT, host: s.HOST, publicUrl, trustedProxies: s.TRUSTED_PROXIES },
    metrics: { port: s.METRICS_PORT, host: s.METRICS_HOST },
    logLevel: s.LOG_LEVEL,
    logFile: s.LOG_FILE
      ? { path: s.LOG_FILE, maxBytes: s.LOG_FILE_MAX_BYTES, maxFiles: s.LOG_FILE_MAX_FILES }
      : undefined,
    dataDir: s.DATA_DIR,
    database: {
      url: s.DATABASE_URL,
      poolMax: s.DATABASE_POOL_MAX,
      statementTimeoutMs: s.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    s3:
      s.S3_ENDPOINT && s.S3_BUCKET && s.S3_ACCESS_KEY && s.S3_SECRET_KEY
        ? {
            endpoint: s.S3_ENDPOINT,
            bucket: s.S3_BUCKET,
            accessKey: s.S3_ACCESS_KEY,
            secretKey: s.S3_SECRET_KEY,
            region: s.S3_REGION,
            publicEndpoint: (s.S3_PUBLIC_ENDPOINT ?? s.S3_ENDPOINT).replace(/\/+$/, ''),
            location: s.S3_LOCATION,
          }
        : undefined,
    replicas: {
      sites: s.S3_REPLICAS,
      defaultSite: s.REPLICA_DEFAULT,
      cooldownMs: s.REPLICA_COOLDOWN_SECONDS * 1000,
      timeoutMs: s.REPLICA_TIMEOUT_MS,
      lagIntervalMs: s.REPLICA_LAG_INTERVAL_SECONDS * 1000,
      lagBoundMs: s.REPLICA_LAG_BOUND_SECONDS * 1000,
      geoipDatabase: s.GEOIP_DATABASE,
      overrides: s.GEOIP_OVERRIDES,
    },
    storageSetup: {
      replication: s.STORAGE_REPLICATION,
      mcPath: s.MINIO_CLIENT_PATH,
      timeoutMs: s.STORAGE_SETUP_TIMEOUT_SECONDS * 1000,
    },
    links: { ttlSeconds: s.LINK_TTL_SECONDS, signingKey: s.LINK_SIGNING_KEY },
    kafka: brokers
      ? {
          brokers,
          clientId: s.KAFKA_CLIENT_ID,
          partitions: s.KAFKA_TOPIC_PARTITIONS,
          replicationFactor: s.KAFKA_REPLICATION_FACTOR,
          sessionTimeoutMs: s.KAFKA_SESSION_TIMEOUT_MS,
        }
      : undefined,
    rateLimit: { uploads: s.RATE_LIMIT_UPLOADS, windowSeconds: s.RATE_LIMIT_WINDOW_SECONDS },
    relayInApi: s.RELAY_IN_API,
    redis: s.REDIS_URL
      ? { url: s.REDIS_URL }
      : s.REDIS_SENTINELS
        ? {
            sentinels: s.REDIS_SENTINELS.split(',').map((hostPort) => {
              const [host, port] = hostPort.trim().split(':');
              return { host: host!, port: Number(port) };
            }),
            name: s.REDIS_SENTINEL_NAME,
          }
        : undefined,
    limits: {
      maxUploadBytes: s.MAX_UPLOAD_BYTES,
      maxPasteBytes: s.MAX_PASTE_BYTES,
      maxFilesPerUpload: s.MAX_FILES_PER_UPLOAD,
      uploadMemoryBytes: s.UPLOAD_MEMORY_BYTES,
      uploadBodyTimeoutMs: s.UPLOAD_BODY_TIMEOUT_MS,
      maxImagePixels: s.MAX_IMAGE_PIXELS,
      maxImageFrames: s.MAX_IMAGE_FRAMES,
      allowedFormats: s.ALLOWED_FORMATS,
    },
    expiry: { default: s.EXPIRY_DEFAULT, max: s.EXPIRY_MAX },
    variants: { thumbnailSize: s.THUMBNAIL_SIZE, widths: s.VARIANT_WIDTHS },
    encoding: {
      displayQuality: s.DISPLAY_QUALITY,
      jpegQuality: s.JPEG_QUALITY,
      webpQuality: s.WEBP_QUALITY,
      avifQuality: s.AVIF_QUALITY,
      avifEffort: s.AVIF_EFFORT,
    },
    worker: { concurrency: s.WORKER_CONCURRENCY, maxAttempts: s.WORKER_MAX_ATTEMPTS },
    notifier: {
      concurrency: s.NOTIFIER_CONCURRENCY,
      maxAttempts: s.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: s.NOTIFY_RETRY_BASE_MS,
      fanoutBatch: s.NOTIFY_FANOUT_BATCH,
      webhookAllowedCidrs: s.WEBHOOK_ALLOWED_CIDRS,
      webhookDisable:
        s.WEBHOOK_DISABLE_AFTER === 'never'
          ? null
          : {
              afterMs: (durationSeconds(s.WEBHOOK_DISABLE_AFTER) ?? 0) * 1000,
              minFailures: s.WEBHOOK_DISABLE_MIN_FAILURES,
            },
    },
    relay: { batchSize: s.RELAY_BATCH_SIZE, pollIntervalMs: s.RELAY_POLL_INTERVAL_MS },
    serveWaitMs: s.SERVE_WAIT_MS,
    cacheTtlSeconds: s.CACHE_TTL_SECONDS,
    viewsFlushSeconds: s.VIEWS_FLUSH_SECONDS,
    shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
    cleanup: {
      intervalSeconds: s.CLEANUP_INTERVAL_SECONDS,
      batchSize: s.CLEANUP_BATCH_SIZE,
      orphanGraceSeconds: s.CLEANUP_ORPHAN_GRACE_SECONDS,
    },
    backup: {
      pgDumpPath: s.PG_DUMP_PATH,
      pgRestorePath: s.PG_RESTORE_PATH,
      keepLast: s.BACKUP_KEEP_LAST,
      keepDaily: s.BACKUP_KEEP_DAILY,
      keepWeekly: s.BACKUP_KEEP_WEEKLY,
    },
    admin: { token: s.ADMIN_TOKEN },
    accounts: {
      registration: s.REGISTRATION,
      anonymousUploads: s.ANONYMOUS_UPLOADS,
      adminEmail: s.ADMIN_EMAIL?.toLowerCase(),
      sessionTtlSeconds: s.SESSION_TTL_SECONDS,
      argon2: {
        memoryKiB: s.ARGON2_MEMORY_KIB,
        passes: s.ARGON2_PASSES,
        parallelism: s.ARGON2_PARALLELISM,
        maxConcurrent: s.ARGON2_MAX_CONCURRENT,
      },
      secureCookies: publicUrl.startsWith('https://'),
      rateLimit: {
        login: s.RATE_LIMIT_LOGIN,
        reset: s.RATE_LIMIT_RESET,
        windowSeconds: s.RATE_LIMIT_ACCOUNT_WINDOW_SECONDS,
      },
    },
    telegram: s.TELEGRAM_BOT_TOKEN
      ? {
          botToken: s.TELEGRAM_BOT_TOKEN,
          botUsername: s.TELEGRAM_BOT_USERNAME ?? 'pictor_bot',
          apiUrl: s.TELEGRAM_API_URL,
          webhookSecret: s.TELEGRAM_WEBHOOK_SECRET,
        }
      : undefined,
    mail: { smtpUrl: s.SMTP_URL, from: s.MAIL_FROM ?? `Pictor <no-reply@${new URL(publicUrl).hostname}>` },
    kubernetes: s.BACKUP_CRONJOB
      ? { backupCronJob: s.BACKUP_CRONJOB, namespace: s.KUBERNETES_NAMESPACE, kubeconfig: s.KUBECONFIG }
      : undefined,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The README's configuration table, generated from SETTINGS. */
export function configurationTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]) => {
    const def = 'default' in s && s.default !== undefined ? `\`${s.default}\`` : '';
    return `| \`${name}\` | ${def} | ${s.description} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
