import { describe, expect, it } from '@jest/globals';
import { dictionary } from '@zxcvbn-ts/language-common';
import { isAppError } from '../errors/app-error.js';
import { checkPassword, normaliseLogin, parseEmail, parseUsername, PASSWORD_MIN_LENGTH } from './account-policy.js';
import { COMMON_PASSWORDS, COMMON_PASSWORDS_MIN_LENGTH } from './common-passwords.js';

const codeOf = (action: () => unknown): string | undefined => {
  try {
    action();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : 'NOT_APP_ERROR';
  }
};

describe('parseUsername', () => {
  it('when a name is mixed case, then it is stored lower-cased', () => {
    expect(parseUsername('  Alice_B-42 ')).toBe('alice_b-42');
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['1 KB long', 'x'.repeat(1024)],
    ['a Cyrillic look-alike', 'аlice'],
    ['a full-width look-alike', 'ａlice'],
    ['a space', 'al ice'],
    ['HTML', '<b>bob</b>'],
    ['SQL', "bob'; DROP TABLE accounts;--"],
    ['a dot', 'al.ice'],
  ])('when a name is %s, then it is refused with INVALID_USERNAME', (_case, name) => {
    expect(codeOf(() => parseUsername(name))).toBe('INVALID_USERNAME');
  });

  it.each(['admin', 'API', 'i', 'v', 'p', 'u', 's', 'static', 'delete', 'hooks'])(
    'when the name is reserved (%s), then it is refused',
    (name) => {
      expect(codeOf(() => parseUsername(name))).toBe('INVALID_USERNAME');
    },
  );
});

describe('parseEmail', () => {
  it('when an email has upper case and spaces, then it is trimmed and lower-cased', () => {
    expect(parseEmail(' Ann.Lee+pictor@Example.ORG ')).toBe('ann.lee+pictor@example.org');
  });

  it.each(['ann', 'ann@', '@example.org', 'ann@example', '<script>@x.org', `${'a'.repeat(250)}@x.org`, 'a b@x.org'])(
    'when the email is %s, then it is refused with INVALID_EMAIL',
    (email) => {
      expect(codeOf(() => parseEmail(email))).toBe('INVALID_EMAIL');
    },
  );
});

describe('checkPassword', () => {
  it('when a password is long and uncommon, then it passes with no composition rule', () => {
    expect(codeOf(() => checkPassword('correct horse battery staple'))).toBeUndefined();
    expect(codeOf(() => checkPassword('a'.repeat(10) + 'zq'))).toBeUndefined();
  });

  it('when a password has 9 characters, then it is refused', () => {
    expect(codeOf(() => checkPassword('abcdefgh9'))).toBe('WEAK_PASSWORD');
  });

  it('when a password has 129 characters, then it is refused', () => {
    expect(codeOf(() => checkPassword('x'.repeat(129)))).toBe('WEAK_PASSWORD');
    expect(codeOf(() => checkPassword('x'.repeat(128)))).toBeUndefined();
  });

  it.each(['password123', 'qwertyuiop', '1234567890', 'Basketball', 'PASSWORD123'])(
    'when a password is on the common list (%s), then it is refused',
    (password) => {
      expect(codeOf(() => checkPassword(password))).toBe('WEAK_PASSWORD');
    },
  );

  it('when the shipped common list is compared with zxcvbn-ts, then it holds exactly its passwords long enough to pass the length rule (else run npm run passwords:common)', () => {
    expect(COMMON_PASSWORDS_MIN_LENGTH).toBe(PASSWORD_MIN_LENGTH);
    const expected = new Set(
      dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN_LENGTH).map((p) => p.toLowerCase()),
    );
    expect(new Set(COMMON_PASSWORDS)).toEqual(expected);
    expect(COMMON_PASSWORDS).toHaveLength(expected.size);
    // Every one of them is refused, whatever its case.
    for (const password of COMMON_PASSWORDS)
      expect(codeOf(() => checkPassword(password.toUpperCase()))).toBe('WEAK_PASSWORD');
  });

  it('when the password is the username, then it is refused', () => {
    expect(codeOf(() => checkPassword('averylongname', ['averylongname']))).toBe('WEAK_PASSWORD');
  });
});

describe('normaliseLogin', () => {
  it('when a login is typed with upper case and spaces, then it matches the stored form', () => {
    expect(normaliseLogin(' Alice ')).toBe('alice');
    expect(normaliseLogin('Ann@Example.org')).toBe('ann@example.org');
  });
});
