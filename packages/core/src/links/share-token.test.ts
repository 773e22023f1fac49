import { randomBytes } from 'node:crypto';
import { newShareToken, shareTokenHash, shareTokenIsAuthentic } from './share-token.js';

const key = randomBytes(32);

describe('share tokens', () => {
  test('when a token was made with the key, then it is authentic', () => {
    const token = newShareToken(key);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{22}$/);
    expect(shareTokenIsAuthentic(key, token)).toBe(true);
  });

  test('when two tokens are made, then they differ', () => {
    expect(newShareToken(key)).not.toBe(newShareToken(key));
  });

  test('when a token was made with another key, then it is refused', () => {
    expect(shareTokenIsAuthentic(key, newShareToken(randomBytes(32)))).toBe(false);
  });

  test('when one character of the secret is changed, then the token is refused', () => {
    const token = newShareToken(key);
    const tampered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expect(shareTokenIsAuthentic(key, tampered)).toBe(false);
  });

  test('when the MAC is swapped for another token’s, then the token is refused', () => {
    const [secret] = newShareToken(key).split('.');
    const [, otherMac] = newShareToken(key).split('.');
    expect(shareTokenIsAuthentic(key, `${secret}.${otherMac}`)).toBe(false);
  });

  test.each([
    '',
    '.',
    'abc',
    'a'.repeat(24),
    `${'a'.repeat(24)}.${'b'.repeat(21)}`,
    `${'a'.repeat(24)}.${'b'.repeat(22)}.x`,
    '../../etc/passwd',
    'x'.repeat(10_000),
  ])('when the token is garbage (%#), then it is refused without throwing', (garbage) => {
    expect(shareTokenIsAuthentic(key, garbage)).toBe(false);
  });

  test('when the stored hash is computed, then it does not contain the token and is stable', () => {
    const token = newShareToken(key);
    const hash = shareTokenHash(token);
    expect(hash).toHaveLength(32);
    expect(hash.equals(shareTokenHash(token))).toBe(true);
    expect(hash.toString('base64url')).not.toContain(token.split('.')[0]);
  });
});
