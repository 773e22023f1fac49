import type { Config } from '@pictor/config';
import {
  EmailChannel,
  InAppChannel,
  NotificationDispatcher,
  renderEmail,
  TelegramChannel,
  TelegramLinks,
  TelegramPoller,
  TOPICS,
  WebhookChannel,
  type MailTransport,
  type NotificationRecipient,
  type Webhook,
} from '@pictor/core';
import { KafkaEventBus } from '@pictor/events';
import type { Logger } from '@pictor/observability';
import { PgNotificationRepository, PgTelegramRepository, PgWebhookRepository, type Pool } from '@pictor/sql';
import { createNotifierMetrics } from '../notifier-metrics.js';
import { deadLetterTo, NOTIFIER_GROUP, startNotifier } from '../notifier.js';
import type { PictorContext } from './context.js';
import type { Stop } from './module-manager.js';
import { linkSigningKey, openMailTransport, telegramBot, unsubscribeLinks, webhookSender } from './wiring.js';

/**
 * The `notifier` module: the dispatcher over in-app, email, webhooks and Telegram, consuming
 * `pictor.notifications`, and Telegram's long polling when no webhook secret is set.
 */
export async function startNotifierModule(ctx: PictorContext): Promise<Stop> {
  const { config, logger, hub } = ctx;
  const pool = ctx.use('database').pool;
  const bus = ctx.use('bus');
  const metrics = createNotifierMetrics(ctx.use('registry'));
  const log = logger.child({ module: 'notifier' });
  const transport = openMailTransport(config, logger);
  const repository = new PgNotificationRepository(pool);
  const unsubscribe = unsubscribeLinks(config, pool, await linkSigningKey(config, pool));
  const webhooks = new PgWebhookRepository(pool);
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
        ? [new TelegramChannel(new PgTelegramRepository(pool), telegramBot(config.telegram), config.http.publicUrl)]
        : []),
    ],
    deadLetter: deadLetterTo(bus),
    maxAttempts: config.notifier.maxAttempts,
    retryBaseMs: config.notifier.retryBaseMs,
    fanoutBatch: config.notifier.fanoutBatch,
    onOutcome: (channel, outcome) => {
      metrics.delivered(channel, outcome);
      if (outcome === 'failed') log.warn('notification delivery failed', { channel });
    },
  });
  if (bus instanceof KafkaEventBus) {
    metrics.observeBus({
      lag: () => bus.consumerLag(NOTIFIER_GROUP, TOPICS.notifications),
      deadLetters: () => bus.topicMessages(TOPICS.notificationsDeadLetter),
    });
  }
  const notifier = await startNotifier({
    bus: bus,
    dispatcher,
    concurrency: config.notifier.concurrency,
    logger: log,
  });
  // No webhook secret: the bot's updates (the `/start <code>` of linking) come by long polling, in
  // the notifier (one Deployment, usually one replica; a second poller waits on Telegram's 409).
  const poller =
    config.telegram && !config.telegram.webhookSecret ? telegramPoller(config.telegram, pool, config, log) : undefined;
  poller?.start();
  return async () => {
    await poller?.stop();
    await notifier.stop();
    await transport.close();
  };
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
  pool: Pool,
  config: Config,
  log: Logger,
): TelegramPoller {
  const bot = telegramBot(telegram);
  const links = new TelegramLinks(new PgTelegramRepository(pool), bot, new PgNotificationRepository(pool), {
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
