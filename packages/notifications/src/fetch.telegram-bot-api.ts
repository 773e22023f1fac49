import { TelegramApiError, type TelegramBotApi } from '@pictor/core';

export interface FetchTelegramBotApiOptions {
  /** TELEGRAM_BOT_TOKEN. */
  token: string;
  /** TELEGRAM_API_URL: Telegram's, or the tests' fake server. */
  apiUrl: string;
  timeoutMs?: number;
}

interface BotApiAnswer {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/** The Bot API over plain fetch: `sendMessage` with link previews disabled. */
export class FetchTelegramBotApi implements TelegramBotApi {
  constructor(private readonly options: FetchTelegramBotApiOptions) {}

  async sendMessage(chatId: number, text: string): Promise<void> {
    await this.call(
      'sendMessage',
      { chat_id: chatId, text, link_preview_options: { is_disabled: true } },
      AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    );
  }

  async getUpdates(
    offset: number | undefined,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<({ update_id: number } & Record<string, unknown>)[]> {
    // The server holds the request up to timeoutSeconds: wait a little longer than that.
    const timeout = AbortSignal.timeout(timeoutSeconds * 1000 + (this.options.timeoutMs ?? 10_000));
    const result = await this.call(
      'getUpdates',
      { ...(offset !== undefined ? { offset } : {}), timeout: timeoutSeconds, allowed_updates: ['message'] },
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
    return (Array.isArray(result) ? result : []).filter(
      (u): u is { update_id: number } & Record<string, unknown> =>
        typeof u === 'object' && u !== null && Number.isSafeInteger((u as { update_id?: unknown }).update_id),
    );
  }

  private async call(method: string, body: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}/bot${this.options.token}/${method}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      // The token is part of the URL: never let it into an error message.
      throw new TelegramApiError(`the Bot API could not be reached (${(error as Error).name})`, 503);
    }
    const answer = (await response.json().catch(() => ({}))) as BotApiAnswer;
    if (response.ok && answer.ok) return answer.result;
    throw new TelegramApiError(
      (answer.description ?? `HTTP ${response.status}`).slice(0, 200),
      answer.error_code ?? response.status,
      answer.parameters?.retry_after,
    );
  }
}
