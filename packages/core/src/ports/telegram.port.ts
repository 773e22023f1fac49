/** Telegram chats linked to accounts, and the one-time codes that link them. */
export interface TelegramRepository {
  /** Stores a code for the account and kills its earlier unused ones. */
  replaceLinkCode(accountId: string, codeHash: Buffer, expiresAt: Date): Promise<void>;
  /** Uses the unused, unexpired code up, atomically; the account it was for, or null. */
  consumeLinkCode(codeHash: Buffer, now: Date): Promise<string | null>;
  /** Links the chat to the account (replacing the account's earlier chat and the chat's earlier account). */
  link(accountId: string, chatId: number, at: Date): Promise<void>;
  unlinkAccount(accountId: string): Promise<boolean>;
  unlinkChat(chatId: number): Promise<boolean>;
  chatOf(accountId: string): Promise<number | null>;
}

/** A refusal of the Bot API: its HTTP status (429 with `retryAfterSeconds`, 403 when blocked). */
export class TelegramApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TelegramApiError';
  }
}

/** The few Bot API methods Pictor uses. */
export interface TelegramBotApi {
  /** Sends plain text with link previews disabled; throws {@link TelegramApiError}. */
  sendMessage(chatId: number, text: string): Promise<void>;
  /**
   * Long polling: updates after `offset` (which confirms the earlier ones), waiting up to
   * `timeoutSeconds` for one; `signal` ends the wait. Throws {@link TelegramApiError}: 409 when
   * another getUpdates of this bot is under way, or a webhook is set.
   */
  getUpdates(
    offset: number | undefined,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<({ update_id: number } & Record<string, unknown>)[]>;
}
