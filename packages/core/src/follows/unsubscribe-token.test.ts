import { randomBytes, randomUUID } from 'node:crypto';
import { readUnsubscribeToken, unsubscribeToken } from './unsubscribe-token.js';

const key = randomBytes(32);
const alice = randomUUID();
const bob = randomUUID();

describe('unsubscribe tokens', () => {
  test('when a token was made with the key, then it names the follow it was made for', () => {
    const token = unsubscribeToken(key, alice, bob);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(readUnsubscribeToken(key, token)).toEqual({ followerId: alice, followeeId: bob });
  });

  test('when a token was made with another key, then it is refused', () => {
    expect(readUnsubscribeToken(key, unsubscribeToken(randomBytes(32), alice, bob))).toBeNull();
  });

  test('when the follower and followee are swapped, then the token is refused', () => {
    const [a, b, mac] = unsubscribeToken(key, alice, bob).split('.');
    expect(readUnsubscribeToken(key, `${b}.${a}.${mac}`)).toBeNull();
  });

  test('when another follow is named under a valid MAC, then the token is refused', () => {
    const [, b, mac] = unsubscribeToken(key, alice, bob).split('.');
    const other = Buffer.from(randomUUID()).toString('base64url');
    expect(readUnsubscribeToken(key, `${other}.${b}.${mac}`)).toBeNull();
  });

  test('when one character of the MAC is changed, then the token is refused', () => {
    const token = unsubscribeToken(key, alice, bob);
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(readUnsubscribeToken(key, tampered)).toBeNull();
  });

  test.each(['', 'x', 'a.b', 'a.b.c', '../../etc/passwd', `${'A'.repeat(200)}.b.${'A'.repeat(22)}`, 'a b.c.d'])(
    'when the token is malformed (%j), then it is refused without throwing',
    (token) => {
      expect(readUnsubscribeToken(key, token)).toBeNull();
    },
  );
});
