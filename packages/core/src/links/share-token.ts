import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../accounts/secrets.js';

/**
 * Share links are `/s/<token>`, `<token>` = `<secret>.<mac>`: 144 random bits and a truncated
 * HMAC-SHA256 of them under LINK_SIGNING_KEY. The MAC turns forged and tampered tokens away
 * before any lookup (no database work for guesses); only SHA-256 of the whole token is stored,
 * so a leaked table opens nothing, and deleting the row revokes the link.
 */
const SECRET_BYTES = 18;
const MAC_BYTES = 16;
const TOKEN = /^([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{22})$/;

function mac(key: Buffer, secret: string): Buffer {
  return createHmac('sha256', key).update(`pictor-share:${secret}`, 'utf8').digest().subarray(0, MAC_BYTES);
}

export function newShareToken(key: Buffer): string {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return `${secret}.${mac(key, secret).toString('base64url')}`;
}

/** True when the token has the right shape and its MAC is ours (compared in constant time). */
export function shareTokenIsAuthentic(key: Buffer, token: string): boolean {
  const match = TOKEN.exec(token);
  if (!match) return false;
  const [, secret = '', given = ''] = match;
  const actual = Buffer.from(given, 'base64url');
  const expected = mac(key, secret);
  // A non-canonical base64url spelling decodes to the same bytes: insist on the canonical one.
  if (actual.length !== expected.length || actual.toString('base64url') !== given) return false;
  return timingSafeEqual(actual, expected);
}

/** What the database keeps of a share token. */
export function shareTokenHash(token: string): Buffer {
  return hashSecret(token);
}
