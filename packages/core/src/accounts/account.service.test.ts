import { describe, expect, it } from '@jest/globals';
import type { AccountRepository } from '../ports/account-repository.port.js';
import type { Cache } from '../ports/cache.port.js';
import { isAppError } from '../errors/app-error.js';
import { AccountService, DEFAULT_ACCOUNT_SETTINGS } from './account.service.js';
import type { PasswordHasher } from './password-hasher.js';

/** Counts what would cost CPU or touch the database; any use of either is recorded. */
function service() {
  const calls: string[] = [];
  const record = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, method) => () => {
          calls.push(`${name}.${String(method)}`);
          return Promise.resolve(null);
        },
      },
    );
  const accounts = new AccountService({
    accounts: record('accounts') as AccountRepository,
    hasher: record('hasher') as PasswordHasher,
    cache: record('cache') as Cache,
    notifier: { notify: () => Promise.resolve() },
    ownedImages: {
      deleteAllOf: () => Promise.resolve(0),
      withholdAllOf: () => Promise.resolve(0),
      restoreAllOf: () => Promise.resolve(0),
    },
    settings: DEFAULT_ACCOUNT_SETTINGS,
  });
  return { accounts, calls };
}

const codeOf = async (action: Promise<unknown>) =>
  action.then(
    () => undefined,
    (error: unknown) => (isAppError(error) ? error.code : 'NOT_APP_ERROR'),
  );

describe('AccountService', () => {
  it('when a password of 129+ characters registers, then it is refused before any hashing or query', async () => {
    const { accounts, calls } = service();
    const code = await codeOf(
      accounts.register({ username: 'ann', email: 'ann@example.org', password: 'x'.repeat(100_000) }),
    );
    expect(code).toBe('WEAK_PASSWORD');
    expect(calls).toEqual([]);
  });

  it('when a password of 129+ characters signs in, then INVALID_CREDENTIALS before any hashing or query', async () => {
    const { accounts, calls } = service();
    expect(await codeOf(accounts.login('ann', 'y'.repeat(100_000)))).toBe('INVALID_CREDENTIALS');
    expect(calls).toEqual([]);
  });

  it('when an unknown account signs in, then a dummy verification is spent before the same answer', async () => {
    const { accounts, calls } = service();
    expect(await codeOf(accounts.login('nobody', 'a long enough guess'))).toBe('INVALID_CREDENTIALS');
    expect(calls).toEqual(['accounts.findByLogin', 'hasher.verifyDummy']);
  });

  it('when a reset is confirmed for an unknown account, then RESET_CODE_INVALID like a wrong code', async () => {
    const { accounts } = service();
    expect(await codeOf(accounts.confirmPasswordReset('nobody', 'AAAAAAAAAA', 'a long new passphrase'))).toBe(
      'RESET_CODE_INVALID',
    );
  });

  it('when registration is closed, then nobody registers and nothing is hashed', async () => {
    const calls: string[] = [];
    const closed = new AccountService({
      ...(service().accounts as unknown as { deps: ConstructorParameters<typeof AccountService>[0] }).deps,
      hasher: { hash: () => (calls.push('hash'), Promise.resolve('')) } as unknown as PasswordHasher,
      settings: { ...DEFAULT_ACCOUNT_SETTINGS, registration: 'closed' },
    });
    expect(
      await codeOf(closed.register({ username: 'ann', email: 'ann@example.org', password: 'a long passphrase' })),
    ).toBe('REGISTRATION_CLOSED');
    expect(calls).toEqual([]);
  });
});
