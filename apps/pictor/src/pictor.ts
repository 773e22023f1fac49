import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, Target } from '@pictor/config';
import { createNearestLinks } from './replica-links.js';
import { createApp, descriptorHeadroom, objectsWritable, startHttpServer } from '@pictor/api';
import {
  AccountService,
  DEFAULT_ACCOUNT_SETTINGS,
  DELIVERY_CHANNELS,
  EmailChannel,
  EmailNotifier,
  InAppChannel,
  NotificationDispatcher,
  TelegramPoller,
  UnsubscribeService,
  NotificationHub,
  NotificationInbox,
  TelegramAccountNotifier,
  TelegramChannel,
  NotifierGroup,
  TelegramLinks,
  WebhookChannel,
  WebhookService,
  expiryChoicesWithin,
  FollowService,
  ImageService,
  ProcessingService,
  ShareService,
  parseDuration,
  PasteService,
  ViewCounter,
  PasswordHasher,
  TOPICS,
  type BackupJobs,
  type MailTransport,
  type NotificationRecipient,
  type Webhook,
  renderEmail,
} from '@pictor/core';
import { EmlFileMailTransport, FetchTelegramBotApi, HttpWebhookSender, SmtpMailTransport } from '@pictor/notifications';
import { KafkaEventBus } from '@pictor/events';
import { SharpImageInspector, SharpImageProcessor } from '@pictor/imaging';
import { KubernetesBackupJobs } from '@pictor/kubernetes';
import { createMetrics, initialiseSeries, startMetricsServer, type Logger, type Metrics } from '@pictor/observability';
import { startRelay, type RelayHandle } from '@pictor/relay';
import {
  listenForOutbox,
  migrate,
  PgAccountRepository,
  PgFollowRepository,
  PgShareLinkRepository,
  PgImageRepository,
  PgLifecycleRepository,
  PgMetricsRepository,
  PgNotificationRepository,
  PgTelegramRepository,
  PgWebhookRepository,
  PgOutboxRepository,
  PgPasteRepository,
  PgViewCountRepository,
} from '@pictor/sql';
import { createWorkerMetrics, processingObserver, startWorker, WORKER_GROUP } from '@pictor/worker';
import { openDatabase, openInfrastructure, type Infrastructure } from './infrastructure.js';
import { InProcessBackupJobs } from './in-process-backup-jobs.js';
import { pasteMetrics } from './paste-metrics.js';
import { deadLetterTo, NOTIFIER_GROUP, startNotifier } from './notifier.js';
import { backupDatabase, createCleanup, scheduleCleanup } from './lifecycle.js';

/**
 * `--target=migrate`: applies migrations and returns. It opens the database only, so it can run
 * as a pre-install hook before object storage, Kafka or Redis exist.
 */
export async function runMigrations(config: Config, logger: Logger): Promise<string[]> {
  const database = await openDatabase(config, logger);
  try {
    const applied = await migrate(database.pool);
    logger.info('migrations applied', { applied, database: database.kind });
    return applied;
  } finally {
    await database.close();
  }
}

export interface PictorHandle {
  /** The HTTP port, when the target serves HTTP. */
  port: number | undefined;
  /** The port of `/metrics` (METRICS_PORT, or the one picked when it is 0). */
  metricsPort: number;
  /** This process's Prometheus instruments. */
  metrics: Metrics;
  infrastructure: Infrastructure;
  /** Graceful stop: stop accepting, finish in-flight uploads and jobs, close pools. */
  stop(): Promise<void>;
}

type Component = 'api' | 'relay' | 'worker' | 'notifier';

const COMPONENTS: Record<Target, readonly Component[]> = {
  all: ['api', 'relay', 'worker', 'notifier'],
  api: ['api'],
  relay: ['relay'],
  worker: ['worker'],
  notifier: ['notifier'],
  migrate: [],
  'storage-setup': [],
  // One-shot targets, run by main.ts without startPictor.
  cleanup: [],
  backup: [],
  restore: [],
};

/** The version of this build (apps/pictor/package.json), for `pictor_build_info`. */
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Starts the components of `config.target` on the configured adapters. */
export async function startPictor(
  config: Config,
  logger: Logger,
  options: { webDir?: string } = {},
): Promise<PictorHandle> {
  const infra = await openInfrastructure(config, logger);
  const stops: (() => Promise<void>)[] = [];
  let shuttingDown = false;
  const stopAll = async () => {
    shuttingDown = true;
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => logger.error('error during shutdown', { error }));
    }
    await infra.close();
  };

  try {
    logger.info('starting', { adapters: infra.kinds });
    // Migrations run in `all` (one machine); split targets expect the migrate hook to have run.
    if (config.target === 'all') {
      const applied = await migrate(infra.pool);
      logger.info('migrations applied', { applied });
    }
    const components: Component[] = [...COMPONENTS[config.target]];
    if (config.target === 'api' && config.relayInApi) components.push('relay');
    const images = new PgImageRepository(infra.pool);
    const outbox = new PgOutboxRepository(infra.pool);
    // In-app notifications reach open pages of this process at once (all-in-one).
    const hub = new NotificationHub();
    let relay: RelayHandle | undefined;

    const metrics = createMetrics({ labels: { target: config.target }, version: VERSION });
    // Registered first, so it stops last: the final state stays scrapeable while the rest drains.
    const bus = infra.bus;
    const metricsServer = await startMetricsServer(metrics.registry, {
      port: config.metrics.port,
      host: config.metrics.host,
      // A worker whose Kafka consumer stopped for good consumes nothing: let Kubernetes restart it.
      ...(bus instanceof KafkaEventBus && components.includes('worker')
        ? { unhealthy: () => bus.stoppedConsumer() }
        : {}),
    });
    stops.push(() => metricsServer.stop());
    logger.info('metrics listening', { metricsPort: metricsServer.port });

    // The outbox as the database holds it, from every api and relay: the backlog stays visible
    // when every relay is down (the api still answers) and when the api is (relays still run).
    if (components.includes('api') || components.includes('relay')) {
      metrics.observeOutbox(() => outbox.backlog());
    }

    if (components.includes('worker')) {
      const workerLog = logger.child({ module: 'worker' });
      const workerMetrics = createWorkerMetrics(metrics.registry);
      const processing = new ProcessingService({
        images,
        objects: infra.objects,
        cache: infra.cache,
        processor: new SharpImageProcessor(config.encoding, config.limits.maxImagePixels),
        variants: config.variants,
        observer: processingObserver(workerLog, config.variants, workerMetrics),
      });
      if (bus instanceof KafkaEventBus) {
        metrics.observeConsumerLag(() => bus.consumerLag(WORKER_GROUP, TOPICS.imageUploaded));
      }
      const worker = await startWorker({
        bus: infra.bus,
        processing,
        maxAttempts: config.worker.maxAttempts,
        concurrency: config.worker.concurrency,
        logger: workerLog,
        metrics: workerMetrics,
      });
      stops.push(() => worker.stop());
    }

    if (components.includes('notifier')) {
      stops.push(await openNotifier(config, infra, metrics, logger, hub));
    }

    if (components.includes('relay')) {
      if (infra.busIsEphemeral) {
        const requeued = await outbox.requeuePending();
        if (requeued > 0) logger.info('re-queued events of unfinished images', { count: requeued });
      }
      relay = startRelay({
        outbox,
        bus: infra.bus,
        logger: logger.child({ module: 'relay' }),
        batchSize: config.relay.batchSize,
        pollIntervalMs: config.relay.pollIntervalMs,
        metrics,
      });
      // The worker group's lag as the relay sees it: still exported when every worker is down.
      if (bus instanceof KafkaEventBus && !components.includes('worker')) {
        metrics.observeConsumerLag(() => bus.consumerLag(WORKER_GROUP, TOPICS.imageUploaded));
      }
      const started = relay;
      stops.push(() => started.stop());
      if (!infra.databaseIsEmbedded) {
        const listener = listenForOutbox(
          infra.databaseUrl,
          () => started.wake(),
          (error) => logger.warn('outbox LISTEN connection failed; polling meanwhile', { error }),
        );
        stops.push(() => listener.stop());
      }
    }

    // One machine: expired images are deleted in-process; clusters run the cleanup CronJob.
    if (config.target === 'all' && config.cleanup.intervalSeconds > 0) {
      const lifecycle = new PgLifecycleRepository(infra.pool);
      const log = logger.child({ module: 'cleanup' });
      const cleanup = createCleanup(config, lifecycle, infra.objects, log);
      stops.push(scheduleCleanup(cleanup, lifecycle, config.cleanup.intervalSeconds, log, infra.pool));
    }

    let port: number | undefined;
    if (components.includes('api')) {
      const service = new ImageService({
        images,
        objects: infra.objects,
        cache: infra.cache,
        inspector: new SharpImageInspector({
          maxPixels: config.limits.maxImagePixels,
          maxFrames: config.limits.maxImageFrames,
          allowedFormats: config.limits.allowedFormats,
        }),
        settings: {
          expiry: {
            defaultSeconds: parseDuration(config.expiry.default),
            maxSeconds: parseDuration(config.expiry.max),
          },
          variants: config.variants,
          serveWaitMs: config.serveWaitMs,
          servePollMs: 100,
          cacheTtlSeconds: config.cacheTtlSeconds,
        },
        ...(relay ? { onEventsCommitted: () => relay.wake() } : {}),
      });
      const pastes = new PasteService({
        pastes: new PgPasteRepository(infra.pool),
        objects: infra.objects,
        cache: infra.cache,
        settings: {
          expiry: {
            defaultSeconds: parseDuration(config.expiry.default),
            maxSeconds: parseDuration(config.expiry.max),
          },
          maxBytes: config.limits.maxPasteBytes,
          cacheTtlSeconds: config.cacheTtlSeconds,
        },
        observer: pasteMetrics(metrics.registry),
        ...(relay ? { onEventsCommitted: () => relay.wake() } : {}),
      });
      // An account's images and pastes go together: deleted with it, hidden while it is blocked.
      const owned: OwnedItems = {
        deleteAllOf: async (ownerId) => {
          await pastes.deleteAllOf(ownerId);
          return service.deleteAllOf(ownerId);
        },
        withholdAllOf: async (ownerId) => {
          await pastes.forgetCachedOf(ownerId);
          return service.withholdAllOf(ownerId);
        },
        restoreAllOf: (ownerId) => service.restoreAllOf(ownerId),
      };
      const accounts = openAccounts(config, infra, owned, logger, stops);
      const authors = new PgAccountRepository(infra.pool);
      const views = new ViewCounter({ cache: infra.cache, repository: new PgViewCountRepository(infra.pool) });
      const flushViews = () =>
        views
          .flush()
          .catch((error: unknown) => logger.warn('view counts not written; kept for the next flush', { error }));
      const viewFlush = setInterval(() => void flushViews(), config.viewsFlushSeconds * 1000);
      viewFlush.unref();
      stops.push(async () => {
        clearInterval(viewFlush);
        await flushViews();
      });
      const admin = config.admin.token
        ? {
            token: config.admin.token,
            backups: backupJobs(config, infra, logger, stops),
            recentBackups: (limit: number) => new PgLifecycleRepository(infra.pool).recentBackups(limit),
          }
        : undefined;
      const links = await createNearestLinks(config, logger, metrics.registry, (stop) =>
        stops.push(() => Promise.resolve(stop())),
      );
      const shareLinks = new PgShareLinkRepository(infra.pool);
      const signingKey = await linkSigningKey(config, infra);
      const shares = new ShareService({ images: service, pastes, links: shareLinks, signingKey });
      const app = createApp({
        images: service,
        objects: infra.objects,
        logger: logger.child({ module: 'api' }),
        publicUrl: config.http.publicUrl,
        trustedProxies: config.http.trustedProxies,
        limits: config.limits,
        expiryDefault: config.expiry.default,
        expiryChoices: expiryChoicesWithin({ maxSeconds: parseDuration(config.expiry.max) }),
        readiness: {
          database: () => images.ping(),
          objects: objectsWritable(infra.objects),
          descriptors: descriptorHeadroom(),
          events: () => infra.bus.ping(),
          cache: () => infra.cache.ping(),
        },
        webDir: options.webDir ?? DEFAULT_WEB_DIR,
        ...(infra.rateLimiter ? { rateLimiter: infra.rateLimiter } : {}),
        isShuttingDown: () => shuttingDown,
        metrics,
        ...(admin ? { admin } : {}),
        ...(links ? { links } : {}),
        shares,
        views,
        pastes: {
          service: pastes,
          maxPasteBytes: config.limits.maxPasteBytes,
          findAuthor: async (username) => {
            const account = await authors.findByLogin(username);
            return account && account.status === 'active' ? { id: account.id, username: account.username } : null;
          },
        },
        accounts: {
          service: accounts,
          anonymousUploads: config.accounts.anonymousUploads,
          secureCookies: config.accounts.secureCookies,
          sessionTtlSeconds: config.accounts.sessionTtlSeconds,
          limiters: accountLimiters(config, infra),
          follows: new FollowService({
            accounts: new PgAccountRepository(infra.pool),
            follows: new PgFollowRepository(infra.pool),
          }),
          inbox: new NotificationInbox(new PgNotificationRepository(infra.pool), hub),
          unsubscribe: unsubscribeLinks(config, infra, signingKey),
          webhooks: new WebhookService(new PgWebhookRepository(infra.pool), webhookSender(config)),
          ...(config.telegram
            ? {
                telegram: {
                  links: new TelegramLinks(
                    new PgTelegramRepository(infra.pool),
                    telegramBot(config.telegram),
                    new PgNotificationRepository(infra.pool),
                    { botUsername: config.telegram.botUsername, site: config.http.publicUrl },
                  ),
                  webhookSecret: config.telegram.webhookSecret,
                },
              }
            : {}),
        },
      });
      const reads = new PgMetricsRepository(infra.pool);
      metrics.observeInstallation(atMostEvery(60_000, () => reads.installedAt()));
      metrics.observeStorage(atMostEvery(60_000, () => reads.storedImages()));
      metrics.observeLastBackup(atMostEvery(60_000, () => reads.lastBackup()));
      metrics.observeCleanup(atMostEvery(30_000, () => reads.cleanupTotals()));
      const server = await startHttpServer(app, config.http);
      port = server.port;
      // Registered last, so it stops first: no new uploads while the rest drains.
      stops.push(() => server.stop(config.shutdownTimeoutMs));
      // Runs before the server stops: open notification streams end instead of holding it open.
      stops.push(() => {
        hub.close();
        return Promise.resolve();
      });
      logger.info('listening', { port, publicUrl: config.http.publicUrl });
    }

    return { port, metricsPort: metricsServer.port, metrics, infrastructure: infra, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The notifier target: the dispatcher over email and in-app, consuming `pictor.notifications`. */
async function openNotifier(
  config: Config,
  infra: Infrastructure,
  metrics: Metrics,
  logger: Logger,
  hub: NotificationHub,
): Promise<() => Promise<void>> {
  const log = logger.child({ module: 'notifier' });
  const transport = openMailTransport(config, logger);
  const repository = new PgNotificationRepository(infra.pool);
  const unsubscribe = unsubscribeLinks(config, infra, await linkSigningKey(config, infra));
  initialiseSeries(metrics.notificationDeliveries, {
    channel: DELIVERY_CHANNELS,
    outcome: ['sent', 'retried', 'failed', 'duplicate'],
  });
  const webhooks = new PgWebhookRepository(infra.pool);
  const webhookOptions = {
    disable: config.notifier.webhookDisable,
    onDisabled: async (hook: Webhook, owner: NotificationRecipient) => {
      log.warn('webhook disabled after failing', { webhookId: hook.id, failures: hook.failures });
      await tellWebhookDisabled(transport, config.http.publicUrl, hook, owner).catch((error: unknown) =>
        log.warn('webhook-disabled email not sent', { webhookId: hook.id, error }),
      );
    },
  };
  const dispatcher = new NotificationDispatcher({
    repository,
    // Administrators' endpoints with scope `all` hear of every event once.
    observers: {
      accountIds: () => webhooks.allEventsOwners(),
      channel: new WebhookChannel(webhooks, webhookSender(config), { ...webhookOptions, scope: 'all' }),
    },
    channels: [
      new InAppChannel(repository, (n) => hub.publish(n)),
      new EmailChannel(transport, config.http.publicUrl, (follower, followee) => unsubscribe.url(follower, followee)),
      new WebhookChannel(webhooks, webhookSender(config), webhookOptions),
      ...(config.telegram
        ? [
            new TelegramChannel(
              new PgTelegramRepository(infra.pool),
              telegramBot(config.telegram),
              config.http.publicUrl,
            ),
          ]
        : []),
    ],
    deadLetter: deadLetterTo(infra.bus),
    maxAttempts: config.notifier.maxAttempts,
    retryBaseMs: config.notifier.retryBaseMs,
    fanoutBatch: config.notifier.fanoutBatch,
    onOutcome: (channel, outcome) => {
      metrics.notificationDeliveries.inc({ channel, outcome });
      if (outcome === 'failed') log.warn('notification delivery failed', { channel });
    },
  });
  const bus = infra.bus;
  if (bus instanceof KafkaEventBus) {
    metrics.observeNotifier({
      lag: () => bus.consumerLag(NOTIFIER_GROUP, TOPICS.notifications),
      deadLetters: () => bus.topicMessages(TOPICS.notificationsDeadLetter),
    });
  }
  const notifier = await startNotifier({
    bus: infra.bus,
    dispatcher,
    concurrency: config.notifier.concurrency,
    logger: log,
  });
  // No webhook secret: the bot's updates (the `/start <code>` of linking) come by long polling, in
  // the notifier (one Deployment, usually one replica; a second poller waits on Telegram's 409).
  const poller =
    config.telegram && !config.telegram.webhookSecret ? telegramPoller(config.telegram, infra, config, log) : undefined;
  poller?.start();
  return async () => {
    await poller?.stop();
    await notifier.stop();
    await transport.close();
  };
}

/**
 * The key share links and unsubscribe links are signed with: LINK_SIGNING_KEY, or one made once
 * and kept in the database, so every api and notifier process signs and checks alike.
 */
async function linkSigningKey(config: Config, infra: Infrastructure): Promise<Buffer> {
  return config.links.signingKey
    ? Buffer.from(config.links.signingKey, 'utf8')
    : new PgShareLinkRepository(infra.pool).signingKey();
}

function unsubscribeLinks(config: Config, infra: Infrastructure, key: Buffer): UnsubscribeService {
  return new UnsubscribeService({
    accounts: new PgAccountRepository(infra.pool),
    follows: new PgFollowRepository(infra.pool),
    key,
    site: config.http.publicUrl,
  });
}

/** The email to the owner of a webhook endpoint that was just disabled for failing. */
async function tellWebhookDisabled(
  transport: MailTransport,
  site: string,
  hook: Webhook,
  owner: NotificationRecipient,
): Promise<void> {
  // One id per disabling: a resend after a crash is recognisably the same message.
  const id = `webhook-disabled-${hook.id}-${hook.disabledAt?.getTime() ?? 0}`;
  const rendered = renderEmail(
    {
      id,
      type: 'webhook-disabled',
      recipient: { accountId: owner.id, username: owner.username, email: owner.email },
      data: {
        url: hook.url,
        failingSince: hook.failingSince?.toISOString() ?? '',
        failures: String(hook.failures),
      },
      createdAt: hook.disabledAt ?? new Date(),
    },
    site,
  );
  await transport.send({ messageId: `${id}@${new URL(site).hostname}`, to: owner.email, ...rendered });
}

function telegramPoller(
  telegram: NonNullable<Config['telegram']>,
  infra: Infrastructure,
  config: Config,
  log: Logger,
): TelegramPoller {
  const bot = telegramBot(telegram);
  const links = new TelegramLinks(new PgTelegramRepository(infra.pool), bot, new PgNotificationRepository(infra.pool), {
    botUsername: telegram.botUsername,
    site: config.http.publicUrl,
  });
  log.info('telegram long polling', { apiUrl: telegram.apiUrl });
  return new TelegramPoller(bot, links, {
    onUpdate: (outcome) => log.info('telegram update', { outcome }),
    onError: (error, conflict) =>
      conflict
        ? log.info('telegram getUpdates conflict: another poller or a webhook holds this bot; waiting', {
            error: error instanceof Error ? error.message : String(error),
          })
        : log.warn('telegram getUpdates failed', { error: error instanceof Error ? error.message : String(error) }),
  });
}

function telegramBot(telegram: NonNullable<Config['telegram']>): FetchTelegramBotApi {
  return new FetchTelegramBotApi({ token: telegram.botToken, apiUrl: telegram.apiUrl });
}

/** Webhook requests, closed to private addresses except WEBHOOK_ALLOWED_CIDRS. */
function webhookSender(config: Config): HttpWebhookSender {
  return new HttpWebhookSender({ allowedCidrs: config.notifier.webhookAllowedCidrs });
}

/** Email delivery: SMTP when SMTP_URL is set, else `.eml` files under DATA_DIR/mail. */
export function openMailTransport(config: Config, logger: Logger): MailTransport {
  if (config.mail.smtpUrl) return new SmtpMailTransport({ url: config.mail.smtpUrl, from: config.mail.from });
  const log = logger.child({ module: 'mail' });
  return new EmlFileMailTransport({
    dir: path.resolve(config.dataDir, 'mail'),
    from: config.mail.from,
    onWritten: (file, message) => log.info('mail written', { file, to: message.to, subject: message.subject }),
  });
}

/** The account use cases on this process's adapters (also used by `pictor admin create-user`). */
export function createAccountService(
  config: Config,
  pool: Infrastructure['pool'],
  cache: Infrastructure['cache'],
  images: OwnedItems | undefined,
  notifier: AccountServiceNotifier,
): AccountService {
  return new AccountService({
    accounts: new PgAccountRepository(pool),
    hasher: new PasswordHasher(config.accounts.argon2),
    cache,
    notifier,
    ownedImages: images ?? {
      deleteAllOf: () => Promise.reject(new Error('images are not available here')),
      withholdAllOf: () => Promise.reject(new Error('images are not available here')),
      restoreAllOf: () => Promise.reject(new Error('images are not available here')),
    },
    settings: {
      ...DEFAULT_ACCOUNT_SETTINGS,
      registration: config.accounts.registration,
      adminEmail: config.accounts.adminEmail,
      sessionTtlSeconds: config.accounts.sessionTtlSeconds,
    },
  });
}

type AccountServiceNotifier = ConstructorParameters<typeof AccountService>[0]['notifier'];
/** What an account owns (images and pastes), as account deletion and blocking see it. */
type OwnedItems = ConstructorParameters<typeof AccountService>[0]['ownedImages'];

function openAccounts(
  config: Config,
  infra: Infrastructure,
  images: OwnedItems,
  logger: Logger,
  stops: (() => Promise<void>)[],
): AccountService {
  const transport = openMailTransport(config, logger);
  const log = logger.child({ module: 'notifier' });
  const notifier = new EmailNotifier({
    transport,
    site: config.http.publicUrl,
    onError: (error, notification) => log.error('notification not delivered', { error, ...notification }),
  });
  stops.push(async () => {
    await notifier.drain();
    await transport.close();
  });
  if (!config.telegram) return createAccountService(config, infra.pool, infra.cache, images, notifier);
  // Reset codes and password notices also reach the account's own linked Telegram chat.
  const telegram = new TelegramAccountNotifier(
    new PgTelegramRepository(infra.pool),
    telegramBot(config.telegram),
    config.http.publicUrl,
    (error, notification) => log.error('telegram notice not delivered', { error, ...notification }),
  );
  stops.push(() => telegram.drain());
  return createAccountService(config, infra.pool, infra.cache, images, new NotifierGroup([notifier, telegram]));
}

function accountLimiters(config: Config, infra: Infrastructure) {
  const { login, reset, windowSeconds } = config.accounts.rateLimit;
  return {
    loginPerAccount: infra.makeRateLimiter({ points: login, windowSeconds, keyPrefix: 'pictor-login-account' }),
    loginPerClient: infra.makeRateLimiter({ points: login * 5, windowSeconds, keyPrefix: 'pictor-login-client' }),
    reset: infra.makeRateLimiter({ points: reset, windowSeconds, keyPrefix: 'pictor-reset' }),
  };
}

/**
 * On-demand backups for the admin API: Jobs of the backup CronJob when BACKUP_CRONJOB is set
 * (Kubernetes), else in-process in `all` (one machine, where the embedded database belongs to this
 * process), else none.
 */
function backupJobs(
  config: Config,
  infra: Infrastructure,
  logger: Logger,
  stops: (() => Promise<void>)[],
): BackupJobs | undefined {
  if (config.kubernetes) {
    return new KubernetesBackupJobs({
      cronJob: config.kubernetes.backupCronJob,
      ...(config.kubernetes.namespace ? { namespace: config.kubernetes.namespace } : {}),
      ...(config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}),
    });
  }
  if (config.target !== 'all') return undefined;
  const log = logger.child({ module: 'backup' });
  const database = { pool: infra.pool, url: infra.databaseUrl, embedded: infra.embeddedDatabase };
  const jobs = new InProcessBackupJobs(() => backupDatabase(config, log, database, infra.objects), log);
  stops.push(() => jobs.stop());
  return jobs;
}

/** Reuses a read for `intervalMs`: counting rows on every scrape of every pod would cost too much. */
function atMostEvery<T>(intervalMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > intervalMs) {
      const value = read();
      last = { at: Date.now(), value };
      void value.catch(() => (last = undefined));
    }
    return last.value;
  };
}
