import type { MailTransport } from '../ports/notifier.port.js';
import type { InAppNotification, NotificationRepository } from '../ports/notification-repository.port.js';
import { renderEmail } from './email-templates.js';
import { DeliveryError, type Delivery, type NotificationChannel } from './notification-dispatcher.js';

/**
 * Email through the mail transport (SMTP, or `.eml` files on one machine). The delivery id is the
 * Message-ID, so a message resent after a crash is recognisably the same one.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = 'email' as const;

  constructor(
    private readonly transport: MailTransport,
    /** PUBLIC_URL: links, and the domain of Message-IDs. */
    private readonly site: string,
    /** The one-click unsubscribe link of a follow (follower, followee); none when absent. */
    private readonly unsubscribeUrl?: (followerId: string, followeeId: string) => string,
  ) {}

  /** Only to those who left email notifications on. */
  appliesTo(recipient: Delivery['recipient']): Promise<boolean> {
    return Promise.resolve(recipient.emailNotifications);
  }

  async deliver({ id, event, recipient }: Delivery): Promise<void> {
    // A message sent because of a follow carries the link that turns that follow's notify off,
    // in the text and as List-Unsubscribe with one-click POST (RFC 8058), which mail programs
    // show as their own "Unsubscribe" button.
    const unsubscribe =
      this.unsubscribeUrl && (event.type === 'image.published' || event.type === 'paste.published')
        ? this.unsubscribeUrl(recipient.id, event.accountId)
        : undefined;
    const rendered = renderEmail(
      {
        id,
        type: event.type,
        recipient: { accountId: recipient.id, username: recipient.username, email: recipient.email },
        data: { ...event.data, actor: event.actor.username, ...(unsubscribe ? { unsubscribeUrl: unsubscribe } : {}) },
        createdAt: new Date(event.createdAt),
      },
      this.site,
    );
    try {
      await this.transport.send({
        messageId: `${id}@${new URL(this.site).hostname}`,
        to: recipient.email,
        ...rendered,
        ...(unsubscribe
          ? {
              headers: {
                'List-Unsubscribe': `<${unsubscribe}>`,
                'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              },
            }
          : {}),
      });
    } catch (error) {
      // 5xx: the mailbox is refused; trying again does not help. 4xx and connection errors might.
      const code = (error as { responseCode?: unknown } | null)?.responseCode;
      const permanent = typeof code === 'number' && code >= 500 && code < 600;
      throw new DeliveryError(error instanceof Error ? error.message : String(error), permanent);
    }
  }
}

/** The notifications list of the web page; `onNew` pushes it to open pages (Server-Sent Events). */
export class InAppChannel implements NotificationChannel {
  readonly name = 'in-app' as const;

  constructor(
    private readonly repository: Pick<NotificationRepository, 'insertInApp'>,
    private readonly onNew: (notification: InAppNotification) => void = () => undefined,
  ) {}

  async deliver({ id, event, recipient }: Delivery): Promise<void> {
    const notification: InAppNotification = {
      id,
      accountId: recipient.id,
      eventId: event.id,
      type: event.type,
      actor: event.actor.username,
      data: event.data,
      createdAt: new Date(event.createdAt),
      readAt: null,
    };
    if (await this.repository.insertInApp(notification)) this.onNew(notification);
  }
}
