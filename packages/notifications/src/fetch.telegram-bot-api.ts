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
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/** The Bot API over plain fetch: `sendMessage` with link previews disabled. */
export class FetchTelegramBotApi implements TelegramBotApi {
  constructor(private readonly options: FetchTelegramBotApiOptions) {}

  async sendMessage(chatId: number, text: string): Promise<void> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}/bot${this.options.token}/sendMessage`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: chatId, text, link_preview_options: { is_disabled: true } }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      // The token is part of the URL: never let it into an error message.
      throw new TelegramApiError(`the Bot API could not be reached (${(error as Error).name})`, 503);
    }
    const answer = (await response.json().catch(() => ({}))) as BotApiAnswer;
    if (response.ok && answer.ok) return;
    throw new TelegramApiError(
      (answer.description ?? `HTTP ${response.status}`).slice(0, 200),
      answer.error_code ?? response.status,
      answer.parameters?.retry_after,
    );
  }
}
