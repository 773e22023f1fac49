import { fileURLToPath } from 'node:url';
import type { Config } from '@pictor/config';
import { createApiMetrics, createApp, descriptorHeadroom, objectsWritable, startHttpServer } from '@pictor/api';
import {
  EmailNotifier,
  InProcessBackupJobs,
  expiryChoicesWithin,
  FollowService,
  ImageService,
  NotificationInbox,
  NotifierGroup,
  parseDuration,
  PasteService,
  ShareService,
  TelegramAccountNotifier,
  TelegramLinks,
  ViewCounter,
  WebhookService,
  type AccountService,
  type BackupJobs,
} from '@pictor/core';
import { SharpImageInspector } from '@pictor/imaging';
import { KubernetesBackupJobs } from '@pictor/kubernetes';
import type { Logger } from '@pictor/observability';
import {
  PgAccountRepository,
  PgFollowRepository,
  PgImageRepository,
  PgLifecycleRepository,
  PgMetricsRepository,
  PgNotificationRepository,
  PgPasteRepository,
  PgShareLinkRepository,
  PgTelegramRepository,
  PgViewCountRepository,
  PgWebhookRepository,
  type Pool,
} from '@pictor/sql';

import { pasteMetrics } from '../paste-metrics.js';
import { createNearestLinks } from '../replica-links.js';
import { backUp } from '../targets/backup.js';
import type { CacheAdapters } from './adapters.js';
import type { PictorContext } from './context.js';
import type { Stop } from './module-manager.js';
import {
  createAccountService,
  linkSigningKey,
  openMailTransport,
  telegramBot,
  unsubscribeLinks,
  webhookSender,
  type OwnedItems,
} from './wiring.js';

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The `http` module: the API and web page on PORT, with every use case behind them. Stops first
 * of all: open notification streams end, then no new uploads while the rest drains.
 */
export async function startHttp(ctx: PictorContext): Promise<Stop> {
  const { config, logger } = ctx;
  const database = ctx.use('database');
  const objects = ctx.use('objects');
  const bus = ctx.use('bus');
  const adapters = ctx.use('cache');
  const cache = adapters.cache;
  const registry = ctx.use('registry');
  // The relay of this process, when it has one (all, api with RELAY_IN_API): woken at each commit.
  const relay = ctx.find('relay');
  const hub = ctx.hub;
  const images = new PgImageRepository(database.pool);
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error('error during shutdown', { error }));
    }
  };
  try {
    const service = new ImageService({
      images,
      objects: objects,
      cache: cache,
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
      pastes: new PgPasteRepository(database.pool),
      objects: objects,
      cache: cache,
      settings: {
        expiry: {
          defaultSeconds: parseDuration(config.expiry.default),
          maxSeconds: parseDuration(config.expiry.max),
        },
        maxBytes: config.limits.maxPasteBytes,
        cacheTtlSeconds: config.cacheTtlSeconds,
      },
      observer: pasteMetrics(registry),
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
    const accounts = openAccounts(config, database.pool, adapters.cache, owned, logger, stops);
    const authors = new PgAccountRepository(database.pool);
    const views = new ViewCounter({ cache: cache, repository: new PgViewCountRepository(database.pool) });
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
          backups: backupJobs(ctx, stops),
          recentBackups: (limit: number) => new PgLifecycleRepository(database.pool).recentBackups(limit),
        }
      : undefined;
    const links = await createNearestLinks(config, logger, registry, (stop) =>
      stops.push(() => Promise.resolve(stop())),
    );
    const shareLinks = new PgShareLinkRepository(database.pool);
    const signingKey = await linkSigningKey(config, database.pool);
    const shares = new ShareService({ images: service, pastes, links: shareLinks, signingKey });
    const metrics = createApiMetrics(registry);
    const app = createApp({
      images: service,
      objects: objects,
      logger: logger.child({ module: 'api' }),
      publicUrl: config.http.publicUrl,
      trustedProxies: config.http.trustedProxies,
      limits: config.limits,
      expiryDefault: config.expiry.default,
      expiryChoices: expiryChoicesWithin({ maxSeconds: parseDuration(config.expiry.max) }),
      readiness: {
        database: () => images.ping(),
        objects: objectsWritable(objects),
        descriptors: descriptorHeadroom(),
        events: () => bus.ping(),
        cache: () => cache.ping(),
      },
      webDir: ctx.options.webDir ?? DEFAULT_WEB_DIR,
      ...(adapters.rateLimiter ? { rateLimiter: adapters.rateLimiter } : {}),
      isShuttingDown: () => ctx.shuttingDown,
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
        limiters: accountLimiters(config, adapters),
        follows: new FollowService({
          accounts: new PgAccountRepository(database.pool),
          follows: new PgFollowRepository(database.pool),
        }),
        inbox: new NotificationInbox(new PgNotificationRepository(database.pool), hub),
        unsubscribe: unsubscribeLinks(config, database.pool, signingKey),
        webhooks: new WebhookService(new PgWebhookRepository(database.pool), webhookSender(config)),
        ...(config.telegram
          ? {
              telegram: {
                links: new TelegramLinks(
                  new PgTelegramRepository(database.pool),
                  telegramBot(config.telegram),
                  new PgNotificationRepository(database.pool),
                  { botUsername: config.telegram.botUsername, site: config.http.publicUrl },
                ),
                webhookSecret: config.telegram.webhookSecret,
              },
            }
          : {}),
      },
    });
    const reads = new PgMetricsRepository(database.pool);
    metrics.observeInstallation(atMostEvery(60_000, () => reads.installedAt()));
    metrics.observeStorage(atMostEvery(60_000, () => reads.storedImages()));
    metrics.observeLastBackup(atMostEvery(60_000, () => reads.lastBackup()));
    metrics.observeCleanup(atMostEvery(30_000, () => reads.cleanupTotals()));
    const server = await startHttpServer(app, config.http);
    ctx.provide('port', server.port);
    // Registered last, so it stops first: no new uploads while the rest drains.
    stops.push(() => server.stop(config.shutdownTimeoutMs));
    // Runs before the server stops: open notification streams end instead of holding it open.
    stops.push(() => {
      hub.close();
      return Promise.resolve();
    });
    logger.info('listening', { port: server.port, publicUrl: config.http.publicUrl });
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function openAccounts(
  config: Config,
  pool: Pool,
  cache: CacheAdapters['cache'],
  images: OwnedItems,
  logger: Logger,
  stops: Stop[],
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
  if (!config.telegram) return createAccountService(config, pool, cache, images, notifier);
  // Reset codes and password notices also reach the account's own linked Telegram chat.
  const telegram = new TelegramAccountNotifier(
    new PgTelegramRepository(pool),
    telegramBot(config.telegram),
    config.http.publicUrl,
    (error, notification) => log.error('telegram notice not delivered', { error, ...notification }),
  );
  stops.push(() => telegram.drain());
  return createAccountService(config, pool, cache, images, new NotifierGroup([notifier, telegram]));
}

function accountLimiters(config: Config, adapters: CacheAdapters) {
  const { login, reset, windowSeconds } = config.accounts.rateLimit;
  return {
    loginPerAccount: adapters.makeRateLimiter({ points: login, windowSeconds, keyPrefix: 'pictor-login-account' }),
    loginPerClient: adapters.makeRateLimiter({ points: login * 5, windowSeconds, keyPrefix: 'pictor-login-client' }),
    reset: adapters.makeRateLimiter({ points: reset, windowSeconds, keyPrefix: 'pictor-reset' }),
  };
}

/**
 * On-demand backups for the admin API: Jobs of the backup CronJob when BACKUP_CRONJOB is set
 * (Kubernetes), else in-process in `all` (one machine, where the embedded database belongs to this
 * process), else none.
 */
function backupJobs(ctx: PictorContext, stops: Stop[]): BackupJobs | undefined {
  const { config, logger } = ctx;
  if (config.kubernetes) {
    return new KubernetesBackupJobs({
      cronJob: config.kubernetes.backupCronJob,
      ...(config.kubernetes.namespace ? { namespace: config.kubernetes.namespace } : {}),
      ...(config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}),
    });
  }
  if (config.target !== 'all') return undefined;
  const log = logger.child({ module: 'backup' });
  const database = ctx.use('database');
  const objects = ctx.use('objects');
  const jobs = new InProcessBackupJobs(
    () => backUp(config, log, database, objects),
    (job, error) => log.error('backup failed', { job, error }),
  );
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
