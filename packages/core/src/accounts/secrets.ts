import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** SHA-256: what is stored of every high-entropy secret (session ids, API tokens, reset codes). */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, expectedHash: Buffer): boolean {
  const actual = hashSecret(secret);
  return actual.length === expectedHash.length && timingSafeEqual(actual, expectedHash);
}

/** 256 random bits, base64url: the session cookie's value. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

export const API_TOKEN_PREFIX = 'pictor_';
/** `pictor_` + 256 random bits in base64url. The prefix lets secret scanners recognise leaked tokens. */
const API_TOKEN = /^pictor_[A-Za-z0-9_-]{43}$/;

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A bearer value that has the shape of a personal token (checked before any lookup). */
export function isApiToken(value: string): boolean {
  return API_TOKEN.test(value);
}

/** Public ids of accounts, tokens and codes: 16 random bytes, base64url (22 characters). */
export function newAccountId(): string {
  return randomBytes(16).toString('base64url');
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;
export function isPublicId(value: string): boolean {
  return PUBLIC_ID.test(value);
}

/** No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read from a phone and typed elsewhere survives. */
export const RESET_CODE_ALPHABET = '34679ACDEFGHJKMNPQRTUVWXY';
export const RESET_CODE_LENGTH = 10;

/** 10 characters of a 25-letter alphabet: ~46 bits, uniform (randomInt has no modulo bias). */
export function newResetCode(): string {
  let code = '';
  for (let i = 0; i < RESET_CODE_LENGTH; i++) code += RESET_CODE_ALPHABET[randomInt(RESET_CODE_ALPHABET.length)];
  return code;
}

/** The code as typed back (case, spaces and dashes forgiven); null when it cannot be a code at all. */
export function normaliseResetCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== RESET_CODE_LENGTH) return null;
  for (const ch of code) if (!RESET_CODE_ALPHABET.includes(ch)) return null;
  return code;
}
