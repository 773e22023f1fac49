import { randomBytes } from 'node:crypto';
import { hashSecret } from '../accounts/secrets.js';
import type { NotificationRepository } from '../ports/notification-repository.port.js';
import type { Notification, Notifier } from '../ports/notifier.port.js';
import { TelegramApiError, type TelegramBotApi, type TelegramRepository } from '../ports/telegram.port.js';
import { DeliveryError, type Delivery, type NotificationChannel } from './notification-dispatcher.js';

const LINK_CODE_TTL_MS = 15 * 60 * 1000;

export interface TelegramSettings {
  /** The bot's username, for the `https://t.me/<bot>?start=<code>` deep link. */
  botUsername: string;
  /** PUBLIC_URL, for links in messages. */
  site: string;
}

/** The part of a Bot API update Pictor reads. */
export interface TelegramUpdate {
  message?: { chat?: { id?: unknown; type?: unknown }; text?: unknown };
}

/** Linking Telegram chats to accounts: a one-time code, sent by the user to the bot. */
export class TelegramLinks {
  constructor(
    private readonly repository: TelegramRepository,
    private readonly bot: TelegramBotApi,
    private readonly accounts: Pick<NotificationRepository, 'recipient'>,
    private readonly settings: TelegramSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A new one-time code (replacing earlier ones) and the deep link that sends it to the bot. */
  async startLink(accountId: string): Promise<{ code: string; url: string; expiresAt: Date }> {
    const code = randomBytes(18).toString('base64url');
    const expiresAt = new Date(this.clock().getTime() + LINK_CODE_TTL_MS);
    await this.repository.replaceLinkCode(accountId, hashSecret(code), expiresAt);
    return { code, url: `https://t.me/${this.settings.botUsername}?start=${code}`, expiresAt };
  }

  async linkedChat(accountId: string): Promise<number | null> {
    return this.repository.chatOf(accountId);
  }

  unlink(accountId: string): Promise<boolean> {
    return this.repository.unlinkAccount(accountId);
  }

  /**
   * An update from the bot's webhook: `/start <code>` in a private chat links that chat to the
   * code's account. Anything else is ignored; a wrong code gets the same answer as an expired one.
   */
  async handleUpdate(update: TelegramUpdate): Promise<'linked' | 'refused' | 'ignored'> {
    const chatId = update.message?.chat?.id;
    const text = update.message?.text;
    if (typeof chatId !== 'number' || !Number.isSafeInteger(chatId) || typeof text !== 'string') return 'ignored';
    if (update.message?.chat?.type !== 'private') return 'ignored';
    const code = /^\/start(?:@\w+)?\s+([A-Za-z0-9_-]{8,64})\s*$/.exec(text)?.[1];
    if (!code) return 'ignored';
    const accountId = await this.repository.consumeLinkCode(hashSecret(code), this.clock());
    const account = accountId ? await this.accounts.recipient(accountId) : null;
    if (!account) {
      await this.bot
        .sendMessage(chatId, 'This link code is unknown, used or expired. Ask for a new one on your account page.')
        .catch(() => undefined);
      return 'refused';
    }
    await this.repository.link(account.id, chatId, this.clock());
    await this.bot
      .sendMessage(
        chatId,
        `This chat now gets the notifications of ${account.username} on ${new URL(this.settings.site).host}.`,
      )
      .catch(() => undefined);
    return 'linked';
  }
}

/**
 * Notifications as Telegram messages to the recipient's linked chat (nothing when none), with link
 * previews disabled so previews never count as views. 429 waits for `retry_after`; 403 means the
 * user blocked the bot: the chat is unlinked and the delivery ends there.
 */
export class TelegramChannel implements NotificationChannel {
  readonly name = 'telegram' as const;

  constructor(
    private readonly repository: TelegramRepository,
    private readonly bot: TelegramBotApi,
    private readonly site: string,
  ) {}

  async appliesTo(recipient: Delivery['recipient']): Promise<boolean> {
    return (await this.repository.chatOf(recipient.id)) !== null;
  }

  async deliver({ event, recipient }: Delivery): Promise<void> {
    const chatId = await this.repository.chatOf(recipient.id);
    if (chatId === null) return;
    const actor = event.actor.username;
    const named = (what: string) => (event.data.title ? `"${event.data.title}"` : what);
    const text =
      event.type === 'follower.new'
        ? `${actor} now follows you: ${this.site}/u/${encodeURIComponent(actor)}`
        : event.type === 'paste.published'
          ? `${actor} published ${named('a new paste')}: ${this.site}/p/${encodeURIComponent(event.data.pasteId ?? '')}`
          : `${actor} published ${named('a new image')}: ${this.site}/v/${encodeURIComponent(event.data.imageId ?? '')}`;
    try {
      await this.bot.sendMessage(chatId, text);
    } catch (error) {
      if (error instanceof TelegramApiError && error.status === 403) {
        await this.repository.unlinkChat(chatId);
        throw new DeliveryError(`Telegram: ${error.message} (chat unlinked)`, true);
      }
      if (error instanceof TelegramApiError) {
        const retryable = error.status === 429 || error.status >= 500;
        throw new DeliveryError(
          `Telegram: ${error.message}`,
          !retryable,
          error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined,
        );
      }
      throw error;
    }
  }
}

/**
 * Account notices on Telegram, beside email: a password-reset code and "your password was
 * changed" go to the account's own linked chat, if any. Sent at once in the background (like the
 * email of the same notice), so the code never rests in the outbox or Kafka, and an answer never
 * reveals whether a chat is linked.
 */
export class TelegramAccountNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly repository: Pick<TelegramRepository, 'chatOf' | 'unlinkChat'>,
    private readonly bot: TelegramBotApi,
    private readonly site: string,
    private readonly onError: (error: unknown, notification: Pick<Notification, 'id' | 'type'>) => void,
  ) {}

  notify(notification: Notification): Promise<void> {
    const text = telegramNotice(notification, new URL(this.site).host);
    if (!text) return Promise.resolve();
    const delivery = this.send(notification.recipient.accountId, text).catch((error: unknown) =>
      this.onError(error, { id: notification.id, type: notification.type }),
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return Promise.resolve();
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async send(accountId: string, text: string): Promise<void> {
    const chatId = await this.repository.chatOf(accountId);
    if (chatId === null) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bot.sendMessage(chatId, text);
        return;
      } catch (error) {
        if (error instanceof TelegramApiError && error.status === 403) {
          await this.repository.unlinkChat(chatId);
          return;
        }
        const retryable = error instanceof TelegramApiError && (error.status === 429 || error.status >= 500);
        if (!retryable || attempt >= 3) throw error;
        const wait = (error.retryAfterSeconds ?? 2 ** attempt) * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 60_000)));
      }
    }
  }
}

/** Tells several notifiers (email and Telegram) of the same notice. */
export class NotifierGroup implements Notifier {
  constructor(private readonly notifiers: readonly Notifier[]) {}

  async notify(notification: Notification): Promise<void> {
    await Promise.all(this.notifiers.map((n) => n.notify(notification)));
  }
}

function telegramNotice(notification: Notification, host: string): string | null {
  switch (notification.type) {
    case 'password-reset-code':
      return `Your Pictor password reset code for ${host}: ${notification.data.code ?? ''}\nIt works once, for ${notification.data.minutes ?? '15'} minutes. If you did not ask for it, ignore this message.`;
    case 'password-changed':
      return `The password of your Pictor account on ${host} was just changed. If this was not you, reset it at once.`;
    default:
      return null;
  }
}
