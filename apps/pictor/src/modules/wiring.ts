import path from 'node:path';
import type { Config } from '@pictor/config';
import {
  AccountService,
  DEFAULT_ACCOUNT_SETTINGS,
  PasswordHasher,
  UnsubscribeService,
  type Cache,
  type MailTransport,
} from '@pictor/core';
import { EmlFileMailTransport, FetchTelegramBotApi, HttpWebhookSender, SmtpMailTransport } from '@pictor/notifications';
import type { Logger } from '@pictor/observability';
import { PgAccountRepository, PgFollowRepository, PgShareLinkRepository, type Pool } from '@pictor/sql';

/**
 * The key share links and unsubscribe links are signed with: LINK_SIGNING_KEY, or one made once
 * and kept in the database, so every api and notifier process signs and checks alike.
 */
export async function linkSigningKey(config: Config, pool: Pool): Promise<Buffer> {
  return config.links.signingKey
    ? Buffer.from(config.links.signingKey, 'utf8')
    : new PgShareLinkRepository(pool).signingKey();
}

export function unsubscribeLinks(config: Config, pool: Pool, key: Buffer): UnsubscribeService {
  return new UnsubscribeService({
    accounts: new PgAccountRepository(pool),
    follows: new PgFollowRepository(pool),
    key,
    site: config.http.publicUrl,
  });
}

export function telegramBot(telegram: NonNullable<Config['telegram']>): FetchTelegramBotApi {
  return new FetchTelegramBotApi({ token: telegram.botToken, apiUrl: telegram.apiUrl });
}

/** Webhook requests, closed to private addresses except WEBHOOK_ALLOWED_CIDRS. */
export function webhookSender(config: Config): HttpWebhookSender {
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
  pool: Pool,
  cache: Cache,
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
export type OwnedItems = ConstructorParameters<typeof AccountService>[0]['ownedImages'];
