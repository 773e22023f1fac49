import { ERRORS } from '../errors/errors.js';
import { isExpired } from '../shared/lifetime.js';
import { randomBase62 } from '../shared/ids.js';
import type { Visibility } from '../images/image.js';

/** Kafka topic of new pastes (`pictor.<noun>.<event>`). */
export const PASTE_TOPICS = { created: 'pictor.pastes.created' } as const;

/** Body of a `pictor.pastes.created` event. */
export interface PasteCreatedEvent {
  pasteId: string;
  ownerId: string | null;
}

export const PASTE_ID_LENGTH = 8;
/** Matches ids made by {@link newPasteId}; anything else never reaches a key or a query. */
export const PASTE_ID_PATTERN = /^[0-9A-Za-z]{8}$/;

/** 8 base62 characters (~47 bits) from the CSPRNG: short enough to type, never a sequence. */
export function newPasteId(): string {
  return randomBase62(PASTE_ID_LENGTH);
}

export function isPasteId(value: string): boolean {
  return PASTE_ID_PATTERN.test(value);
}

export const pasteObjectKey = (id: string) => `pastes/${id}`;

/** Languages offered for highlighting (and the only ones detection picks from). */
export const PASTE_LANGUAGES = [
  'plaintext',
  'bash',
  'c',
  'cpp',
  'csharp',
  'css',
  'diff',
  'go',
  'ini',
  'java',
  'javascript',
  'json',
  'kotlin',
  'markdown',
  'php',
  'python',
  'ruby',
  'rust',
  'sql',
  'typescript',
  'xml',
  'yaml',
] as const;
export type PasteLanguage = (typeof PASTE_LANGUAGES)[number];

export function isPasteLanguage(value: string): value is PasteLanguage {
  return (PASTE_LANGUAGES as readonly string[]).includes(value);
}

/** active: readable. deleting: burnt or deleted, its object and row on their way out. */
export type PasteStatus = 'active' | 'deleting';

export interface PasteRecord {
  id: string;
  status: PasteStatus;
  title: string | null;
  /** The author's `/<username>/<slug>` segment; null for anonymous pastes. */
  slug: string | null;
  language: PasteLanguage | null;
  visibility: Visibility;
  burnAfterReading: boolean;
  /** Size of the UTF-8 text. */
  bytes: number;
  createdAt: Date;
  expiresAt: Date | null;
  deleteTokenHash: Buffer;
  ownerId: string | null;
  /** The author's current username; null for anonymous pastes. */
  ownerUsername: string | null;
  /** The author is blocked: the paste is hidden until they are unblocked. */
  ownerBlocked: boolean;
  /** Views counted so far (once per client per hour; flushed in batches, so a little behind). */
  views: number;
}

export type NewPaste = Omit<PasteRecord, 'status' | 'slug' | 'ownerUsername' | 'ownerBlocked' | 'views'> & {
  /** The slug wanted (from the title); the repository adds `-2`, `-3`… when the author has it already. */
  slugBase: string | null;
};

/** Readable: not expired, not burnt or being deleted, not of a blocked author. */
export function isPasteVisible(paste: Pick<PasteRecord, 'status' | 'expiresAt' | 'ownerBlocked'>, now: Date): boolean {
  return paste.status === 'active' && !isExpired(paste, now) && !paste.ownerBlocked;
}

export const MAX_TITLE_LENGTH = 200;

/** In `u` mode a paired surrogate is one code point, so only lone halves (not encodable as UTF-8) match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Trims a title and checks it: at most 200 characters, no control characters (a title is one
 * line of text). Blank means no title. Any other text is kept as written; it is escaped wherever
 * it is shown.
 */
export function normalisePasteTitle(title: string | null | undefined): string | null {
  if (title === undefined || title === null) return null;
  const trimmed = title.trim();
  if (trimmed === '') return null;
  if (LONE_SURROGATE.test(trimmed)) throw ERRORS.invalidTitle('it is not valid Unicode text.');
  if ([...trimmed].length > MAX_TITLE_LENGTH) {
    throw ERRORS.invalidTitle(`it may be at most ${MAX_TITLE_LENGTH} characters.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw ERRORS.invalidTitle('it may not hold control characters.');
  return trimmed;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a paste from the bytes sent: strict UTF-8 (invalid sequences are refused, not
 * replaced), no NUL bytes, not empty, within the limit. The stored bytes are the bytes sent.
 */
export function decodePasteText(bytes: Buffer, maxBytes: number): string {
  if (bytes.length === 0) throw ERRORS.emptyPaste();
  if (bytes.length > maxBytes) throw ERRORS.pasteTooLarge(maxBytes);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw ERRORS.invalidText('it is not valid UTF-8.');
  }
  checkPasteText(text, maxBytes);
  return text;
}

/** The same rules for text that arrived as a string (JSON): no lone surrogates, no NUL. */
export function checkPasteText(text: string, maxBytes: number): Buffer {
  if (text.length === 0) throw ERRORS.emptyPaste();
  if (LONE_SURROGATE.test(text)) throw ERRORS.invalidText('it is not valid UTF-8 (lone surrogate).');
  if (text.includes('\u0000')) throw ERRORS.invalidText('it holds NUL bytes; binary files are not pastes.');
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > maxBytes) throw ERRORS.pasteTooLarge(maxBytes);
  return bytes;
}
