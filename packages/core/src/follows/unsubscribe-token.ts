import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * One-click unsubscribe links of follow notifications: `/unsubscribe/<token>`, `<token>` =
 * `<follower>.<followee>.<mac>`, the two account ids in base64url and a truncated HMAC-SHA256 of
 * them under the server's link signing key. Nothing is stored: the link names the follow and the
 * MAC proves the server wrote it, so it works without signing in and a forged or altered one is
 * refused before any lookup. It only ever turns notifications off, so a leaked link can do no more.
 */
const MAC_BYTES = 16;
const PART = '[A-Za-z0-9_-]{1,88}';
const TOKEN = new RegExp(`^(${PART})\\.(${PART})\\.([A-Za-z0-9_-]{22})$`);

function mac(key: Buffer, followerId: string, followeeId: string): Buffer {
  return createHmac('sha256', key)
    .update(`pictor-unsubscribe:${followerId}:${followeeId}`, 'utf8')
    .digest()
    .subarray(0, MAC_BYTES);
}

const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

export function unsubscribeToken(key: Buffer, followerId: string, followeeId: string): string {
  return `${encode(followerId)}.${encode(followeeId)}.${mac(key, followerId, followeeId).toString('base64url')}`;
}

/** The follow a token names, or null when it is malformed or its MAC is not ours (constant time). */
export function readUnsubscribeToken(key: Buffer, token: string): { followerId: string; followeeId: string } | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, a = '', b = '', given = ''] = match;
  const followerId = Buffer.from(a, 'base64url').toString('utf8');
  const followeeId = Buffer.from(b, 'base64url').toString('utf8');
  // Another spelling of the same bytes is not the token we wrote.
  if (encode(followerId) !== a || encode(followeeId) !== b) return null;
  const actual = Buffer.from(given, 'base64url');
  const expected = mac(key, followerId, followeeId);
  if (actual.length !== expected.length || actual.toString('base64url') !== given) return null;
  return timingSafeEqual(actual, expected) ? { followerId, followeeId } : null;
}
