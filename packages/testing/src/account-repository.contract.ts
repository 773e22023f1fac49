import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  hashSecret,
  newAccountId,
  type AccountRepository,
  type ApiToken,
  type ImageRepository,
  type NewAccount,
  type ResetCode,
} from '@pictor/core';

export interface AccountRepositoryContractFixture {
  /** Over one database whose accounts (and images) start empty. */
  accounts: AccountRepository;
  images: ImageRepository;
  teardown(): Promise<void>;
}

const T0 = new Date('2026-03-01T12:00:00.000Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function account(overrides: Partial<NewAccount> = {}): NewAccount {
  const id = newAccountId();
  return {
    id,
    username: `user_${id
      .slice(0, 8)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`,
    email: `${id
      .slice(0, 8)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}@example.org`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    status: 'active',
    role: 'user',
    createdAt: T0,
    ...overrides,
  };
}

function token(accountId: string, overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: newAccountId(),
    accountId,
    name: 'ShareX',
    scopes: ['images:write'],
    tokenHash: hashSecret(`pictor_${randomBytes(32).toString('base64url')}`),
    createdAt: T0,
    expiresAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

function resetCode(accountId: string, overrides: Partial<ResetCode> = {}): ResetCode {
  return {
    id: newAccountId(),
    accountId,
    codeHash: hashSecret(randomBytes(8).toString('hex')),
    attempts: 0,
    createdAt: T0,
    expiresAt: later(900),
    usedAt: null,
    ...overrides,
  };
}

/** The contract every AccountRepository adapter passes (embedded and real PostgreSQL). */
export function describeAccountRepositoryContract(
  name: string,
  setup: () => Promise<AccountRepositoryContractFixture>,
): void {
  describe(name, () => {
    let repo: AccountRepository;
    let fixture: AccountRepositoryContractFixture;

    beforeEach(async () => {
      fixture = await setup();
      repo = fixture.accounts;
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    it('when an account is created, then it is found by id, username and email', async () => {
      const a = account();
      expect(await repo.create(a)).toBe('created');
      expect(await repo.findById(a.id)).toMatchObject({ username: a.username, email: a.email, role: 'user' });
      expect((await repo.findByLogin(a.username))?.id).toBe(a.id);
      expect((await repo.findByLogin(a.email))?.id).toBe(a.id);
      expect(await repo.findByLogin('nobody')).toBeNull();
    });

    it('when a username or an email is taken, then create says which and stores nothing', async () => {
      const a = account();
      await repo.create(a);
      expect(await repo.create(account({ username: a.username }))).toBe('username-taken');
      expect(await repo.create(account({ email: a.email }))).toBe('email-taken');
      expect(await repo.list({ limit: 10 })).toHaveLength(1);
    });

    it('when many register the same name at once, then exactly one account is created', async () => {
      const username = 'racer';
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => repo.create(account({ username }))));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'username-taken')).toHaveLength(4);
    });

    it('when an invite is used, then it creates one account and cannot be used again', async () => {
      const admin = account({ role: 'admin' });
      await repo.create(admin);
      const inviteHash = hashSecret('invite-1');
      await repo.insertInvite(inviteHash, admin.id, later(3600));
      expect(await repo.create(account(), { inviteHash, now: later(10) })).toBe('created');
      const second = account();
      expect(await repo.create(second, { inviteHash, now: later(20) })).toBe('invite-invalid');
      expect(await repo.findById(second.id)).toBeNull();
    });

    it('when an invite has expired, then it creates nothing', async () => {
      const admin = account();
      await repo.create(admin);
      const inviteHash = hashSecret('invite-2');
      await repo.insertInvite(inviteHash, admin.id, later(60));
      const a = account();
      expect(await repo.create(a, { inviteHash, now: later(61) })).toBe('invite-invalid');
      expect(await repo.findById(a.id)).toBeNull();
    });

    it('when the email changes, then the account is found by the new one only; a taken one is refused', async () => {
      const a = account();
      const b = account();
      await repo.create(a);
      await repo.create(b);
      const idHash = hashSecret('session-email');
      await repo.insertSession({ idHash, accountId: a.id, createdAt: T0, expiresAt: later(60) });
      const changed = await repo.updateEmail(a.id, 'new.address@example.org');
      expect(changed.outcome).toBe('updated');
      expect(changed.cached.sessionHashes).toEqual([idHash]);
      expect((await repo.findByLogin('new.address@example.org'))?.id).toBe(a.id);
      expect(await repo.findByLogin(a.email)).toBeNull();
      expect(await repo.findSession(idHash, T0)).not.toBeNull();
      expect((await repo.updateEmail(b.id, 'new.address@example.org')).outcome).toBe('email-taken');
      expect((await repo.findById(b.id))?.email).toBe(b.email);
    });

    it('when listing with a query, then only matching accounts come, newest first, page by page', async () => {
      const names = ['alice', 'alfred', 'bob'];
      for (const [i, username] of names.entries()) {
        await repo.create(account({ username, email: `${username}@example.org`, createdAt: later(i) }));
      }
      expect((await repo.list({ limit: 10, query: 'al' })).map((a) => a.username)).toEqual(['alfred', 'alice']);
      const first = await repo.list({ limit: 2 });
      expect(first.map((a) => a.username)).toEqual(['bob', 'alfred']);
      const last = first.at(-1)!;
      const next = await repo.list({ limit: 2, after: { createdAt: last.createdAt, id: last.id } });
      expect(next.map((a) => a.username)).toEqual(['alice']);
      expect(await repo.list({ limit: 10, query: '%' })).toEqual([]);
    });

    it('when a session is stored, then it is found until it expires', async () => {
      const a = account();
      await repo.create(a);
      const idHash = hashSecret('session-1');
      await repo.insertSession({ idHash, accountId: a.id, createdAt: T0, expiresAt: later(60) });
      expect((await repo.findSession(idHash, later(59)))?.accountId).toBe(a.id);
      expect(await repo.findSession(idHash, later(60))).toBeNull();
      expect(await repo.pruneSessions(later(61))).toBe(1);
    });

    it('when a session is deleted, then it is no longer found', async () => {
      const a = account();
      await repo.create(a);
      const idHash = hashSecret('session-2');
      await repo.insertSession({ idHash, accountId: a.id, createdAt: T0, expiresAt: later(60) });
      await repo.deleteSession(idHash);
      expect(await repo.findSession(idHash, T0)).toBeNull();
    });

    it('when an account is blocked, then its sessions and tokens are revoked and returned', async () => {
      const a = account();
      await repo.create(a);
      const idHash = hashSecret('session-3');
      await repo.insertSession({ idHash, accountId: a.id, createdAt: T0, expiresAt: later(60) });
      const t = token(a.id);
      await repo.insertToken(t);
      const updated = await repo.update(a.id, { status: 'blocked' });
      expect(updated?.account.status).toBe('blocked');
      expect(updated?.revoked.sessionHashes).toEqual([idHash]);
      expect(updated?.revoked.tokenHashes).toEqual([t.tokenHash]);
      expect(await repo.findSession(idHash, T0)).toBeNull();
      expect(await repo.findTokenByHash(t.tokenHash)).toBeNull();
      expect(await repo.update('missing', { role: 'admin' })).toBeNull();
    });

    it('when an account is promoted, then its sessions are kept and named for the caches', async () => {
      const a = account();
      await repo.create(a);
      const idHash = hashSecret('session-role');
      await repo.insertSession({ idHash, accountId: a.id, createdAt: T0, expiresAt: later(60) });
      const updated = await repo.update(a.id, { role: 'admin' });
      expect(updated?.account.role).toBe('admin');
      expect(updated?.revoked.sessionHashes).toEqual([]);
      expect(updated?.cached.sessionHashes).toEqual([idHash]);
      expect(await repo.findSession(idHash, T0)).not.toBeNull();
    });

    it('when a token is stored, then it is found by hash, listed, touched and revoked by its owner only', async () => {
      const a = account();
      const b = account();
      await repo.create(a);
      await repo.create(b);
      const t = token(a.id, { scopes: ['images:write', 'account:read'], expiresAt: later(3600) });
      await repo.insertToken(t);
      expect(await repo.findTokenByHash(t.tokenHash)).toMatchObject({
        id: t.id,
        scopes: ['images:write', 'account:read'],
        expiresAt: later(3600),
      });
      expect(await repo.countTokens(a.id)).toBe(1);
      await repo.touchToken(t.id, later(5));
      expect((await repo.listTokens(a.id))[0]?.lastUsedAt).toEqual(later(5));
      expect(await repo.deleteToken(b.id, t.id)).toBeNull();
      expect(await repo.deleteToken(a.id, t.id)).toEqual(t.tokenHash);
      expect(await repo.listTokens(a.id)).toEqual([]);
    });

    it('when a new reset code is stored, then earlier unused codes are gone', async () => {
      const a = account();
      await repo.create(a);
      const first = resetCode(a.id);
      const second = resetCode(a.id, { createdAt: later(1) });
      await repo.replaceResetCode(first);
      await repo.replaceResetCode(second);
      expect((await repo.latestResetCode(a.id))?.id).toBe(second.id);
      expect(await repo.countResetAttempt(first.id, 5)).toBeNull();
    });

    it('when attempts are counted at once, then no more than the maximum are granted', async () => {
      const a = account();
      await repo.create(a);
      const code = resetCode(a.id);
      await repo.replaceResetCode(code);
      const counts = await Promise.all(Array.from({ length: 8 }, () => repo.countResetAttempt(code.id, 5)));
      expect(counts.filter((c) => c !== null).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(counts.filter((c) => c === null)).toHaveLength(3);
    });

    it('when the password is set with a code, then the code is used up and sessions and tokens are revoked', async () => {
      const a = account();
      await repo.create(a);
      const code = resetCode(a.id);
      await repo.replaceResetCode(code);
      await repo.insertSession({ idHash: hashSecret('s'), accountId: a.id, createdAt: T0, expiresAt: later(60) });
      await repo.insertToken(token(a.id));
      const revoked = await repo.setPassword(a.id, '$argon2id$new', later(10), code.id);
      expect(revoked?.sessionHashes).toHaveLength(1);
      expect(revoked?.tokenHashes).toHaveLength(1);
      expect((await repo.findById(a.id))?.passwordHash).toBe('$argon2id$new');
      expect((await repo.findById(a.id))?.passwordChangedAt).toEqual(later(10));
      expect(await repo.latestResetCode(a.id)).toBeNull();
      expect(await repo.setPassword(a.id, '$argon2id$again', later(11), code.id)).toBeNull();
      expect((await repo.findById(a.id))?.passwordHash).toBe('$argon2id$new');
    });

    it('when an account owns images, then they are listed for it and hidden while it is blocked', async () => {
      const a = account();
      await repo.create(a);
      const image = {
        id: 'Own3dImage01',
        format: 'png' as const,
        width: 10,
        height: 10,
        bytes: 100,
        frames: 1,
        hasAlpha: false,
        title: null,
        visibility: 'public' as const,
        watermark: null,
        expiresAt: null,
        deleteTokenHash: randomBytes(32),
        createdAt: T0,
        ownerId: a.id,
      };
      await fixture.images.insertWithEvents([image], []);
      expect((await fixture.images.listByOwner(a.id, { limit: 10, now: later(1) })).map((i) => i.id)).toEqual([
        image.id,
      ]);
      expect(await fixture.images.idsOwnedBy(a.id)).toEqual([image.id]);
      await repo.update(a.id, { status: 'blocked' });
      expect((await fixture.images.findById(image.id))?.ownerBlocked).toBe(true);
      expect(await fixture.images.listPublic({ limit: 10, now: later(1) })).toEqual([]);
      await repo.update(a.id, { status: 'active' });
      expect((await fixture.images.findById(image.id))?.ownerBlocked).toBe(false);
      expect((await fixture.images.listPublic({ limit: 10, now: later(1) })).map((i) => i.id)).toEqual([image.id]);
      const changed = await fixture.images.updateDetails(image.id, { title: 'Renamed', visibility: 'unlisted' });
      expect(changed).toMatchObject({ title: 'Renamed', visibility: 'unlisted', ownerId: a.id });
    });

    it('when an account still owns an image, then it cannot be removed; once the image is gone, it can', async () => {
      const a = account();
      await repo.create(a);
      await fixture.images.insertWithEvents(
        [
          {
            id: 'Own3dImage02',
            format: 'png',
            width: 10,
            height: 10,
            bytes: 100,
            frames: 1,
            hasAlpha: false,
            title: null,
            visibility: 'public',
            watermark: null,
            expiresAt: null,
            deleteTokenHash: randomBytes(32),
            createdAt: T0,
            ownerId: a.id,
          },
        ],
        [],
      );
      await expect(repo.remove(a.id)).rejects.toThrow();
      expect(await repo.findById(a.id)).not.toBeNull();
      await fixture.images.remove('Own3dImage02');
      await repo.remove(a.id);
      expect(await repo.findById(a.id)).toBeNull();
    });
  });
}
