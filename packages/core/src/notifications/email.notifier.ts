import type { EmailMessage, MailTransport, Notification, Notifier } from '../ports/notifier.port.js';
import { renderEmail } from './email-templates.js';

export interface EmailNotifierDeps {
  transport: MailTransport;
  /** PUBLIC_URL: links in messages, and the domain of Message-IDs. */
  site: string;
  /** A delivery that failed; the caller has already been answered. */
  onError: (error: unknown, notification: Pick<Notification, 'id' | 'type'>) => void;
  /** Attempts per message (with 1 s, 2 s, 4 s… between them). */
  attempts?: number;
  retryDelayMs?: number;
}

/**
 * Delivers notifications by email in this process, in the background: `notify` resolves once the
 * message is queued, so an answer never waits for (or reveals) the mail server. Retries with
 * backoff; the Message-ID stays the same across retries.
 */
export class EmailNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: EmailNotifierDeps) {}

  notify(notification: Notification): Promise<void> {
    const rendered = renderEmail(notification, this.deps.site);
    const message: EmailMessage = {
      messageId: `${notification.id}@${new URL(this.deps.site).hostname}`,
      to: notification.recipient.email,
      ...rendered,
    };
    const delivery = this.deliver(message).catch((error: unknown) =>
      this.deps.onError(error, { id: notification.id, type: notification.type }),
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return Promise.resolve();
  }

  /** Waits for messages still being delivered (graceful shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(message: EmailMessage): Promise<void> {
    const attempts = this.deps.attempts ?? 3;
    const delay = this.deps.retryDelayMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.transport.send(message);
        return;
      } catch (error) {
        if (attempt >= attempts || isPermanent(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay * 2 ** (attempt - 1)));
      }
    }
  }
}

/** SMTP 5xx answers (mailbox unknown, rejected) do not get better by trying again. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
