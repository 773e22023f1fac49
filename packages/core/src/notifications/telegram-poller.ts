import { TelegramApiError, type TelegramBotApi } from '../ports/telegram.port.js';
import type { TelegramLinks, TelegramUpdate } from './telegram.js';

export interface TelegramPollerOptions {
  /** How long one getUpdates waits on Telegram's side for an update. */
  timeoutSeconds?: number;
  /** Wait after a 409: another poller of this bot holds getUpdates, or a webhook is set. */
  conflictBackoffMs?: number;
  /** Wait after any other failure (Telegram unreachable, 5xx, 429 without retry_after). */
  errorBackoffMs?: number;
  onUpdate?: (outcome: 'linked' | 'refused' | 'ignored') => void;
  onError?: (error: unknown, conflict: boolean) => void;
}

/**
 * Long polling of the bot's updates (getUpdates), for a server without a public URL for the
 * webhook route. One poller per bot: Telegram answers 409 to a second one (and while a webhook is
 * set), which here waits `conflictBackoffMs` and tries again, so a standby takes over when the
 * active poller stops. The offset confirms handled updates; it lives in memory, so after a restart
 * Telegram hands over again those that were not yet confirmed (a used link code is then refused).
 */
export class TelegramPoller {
  private readonly abort = new AbortController();
  private offset: number | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly bot: Pick<TelegramBotApi, 'getUpdates'>,
    private readonly links: Pick<TelegramLinks, 'handleUpdate'>,
    private readonly options: TelegramPollerOptions = {},
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { timeoutSeconds = 25, conflictBackoffMs = 5000, errorBackoffMs = 2000 } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        const updates = await this.bot.getUpdates(this.offset, timeoutSeconds, this.abort.signal);
        for (const update of updates) {
          // Confirmed by the next call, whatever the outcome: a bad update must not block the rest.
          this.offset = update.update_id + 1;
          const outcome = await this.links.handleUpdate(update as TelegramUpdate).catch((error: unknown) => {
            this.options.onError?.(error, false);
            return 'ignored' as const;
          });
          this.options.onUpdate?.(outcome);
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        const conflict = error instanceof TelegramApiError && error.status === 409;
        this.options.onError?.(error, conflict);
        const asked =
          error instanceof TelegramApiError && error.retryAfterSeconds !== undefined
            ? error.retryAfterSeconds * 1000
            : 0;
        await this.pause(Math.max(conflict ? conflictBackoffMs : errorBackoffMs, asked));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
