import { describe, expect, it } from '@jest/globals';
import {
  hashSecret,
  isApiToken,
  isSessionId,
  newApiToken,
  newResetCode,
  newSessionId,
  normaliseResetCode,
  RESET_CODE_ALPHABET,
  RESET_CODE_LENGTH,
  secretMatches,
} from './secrets.js';
import { isTokenScope, TOKEN_SCOPES } from './account.js';

describe('API tokens', () => {
  it('when a token is made, then it has the pictor_ prefix, 256 bits and parses', () => {
    const token = newApiToken();
    expect(token).toMatch(/^pictor_[A-Za-z0-9_-]{43}$/);
    expect(isApiToken(token)).toBe(true);
    expect(Buffer.from(token.slice(7), 'base64url')).toHaveLength(32);
  });

  it.each([
    '',
    'pictor_',
    'pictor_short',
    `Pictor_${'a'.repeat(43)}`,
    `pictor_${'a'.repeat(42)}!`,
    `pictor_${'a'.repeat(44)}`,
  ])('when a bearer value is %p, then it is not a token', (value) => {
    expect(isApiToken(value)).toBe(false);
  });

  it('when two tokens are made, then they differ', () => {
    expect(newApiToken()).not.toBe(newApiToken());
  });
});

describe('sessions', () => {
  it('when a session id is made, then it carries 256 random bits and only its hash matches', () => {
    const id = newSessionId();
    expect(isSessionId(id)).toBe(true);
    expect(secretMatches(id, hashSecret(id))).toBe(true);
    expect(secretMatches(`${id}x`, hashSecret(id))).toBe(false);
    expect(isSessionId('../../etc/passwd')).toBe(false);
  });
});

describe('reset codes', () => {
  it('when codes are made, then they use only the unambiguous alphabet at full length', () => {
    for (let i = 0; i < 200; i++) {
      const code = newResetCode();
      expect(code).toHaveLength(RESET_CODE_LENGTH);
      for (const ch of code) expect(RESET_CODE_ALPHABET).toContain(ch);
    }
    expect(RESET_CODE_ALPHABET).not.toMatch(/[01OIL5S2Z8B]/);
  });

  it('when many codes are made, then every letter of the alphabet appears (no bias to a subset)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) for (const ch of newResetCode()) seen.add(ch);
    expect(seen.size).toBe(RESET_CODE_ALPHABET.length);
  });

  it('when a code is typed back in lower case with spaces or dashes, then it reads the same', () => {
    const code = newResetCode();
    const typed = `${code.slice(0, 5).toLowerCase()} - ${code.slice(5)}`;
    expect(normaliseResetCode(typed)).toBe(code);
  });

  it.each(['', 'ABC', 'OOOOOOOOOO', '3333333333X', "'; DROP--"])(
    'when the input is %p, then it is not a code',
    (input) => {
      expect(normaliseResetCode(input)).toBeNull();
    },
  );
});

describe('scopes', () => {
  it('when a scope is one Pictor knows, then it is accepted; anything else is not', () => {
    expect(TOKEN_SCOPES).toEqual(['images:write', 'images:delete', 'pastes:write', 'account:read', 'follows:write']);
    for (const scope of TOKEN_SCOPES) expect(isTokenScope(scope)).toBe(true);
    for (const scope of ['images:*', 'admin', 'IMAGES:WRITE', '', 'images:write '])
      expect(isTokenScope(scope)).toBe(false);
  });
});
