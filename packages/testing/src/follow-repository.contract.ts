import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  newAccountId,
  notificationOutboxEvent,
  TOPICS,
  type AccountRepository,
  type FollowRepository,
  type NewAccount,
  type OutboxRepository,
  type PendingOutboxEvent,
} from '@pictor/core';

export interface FollowRepositoryContractFixture {
  /** Over one database whose accounts, follows and outbox start empty. */
  follows: FollowRepository;
  accounts: AccountRepository;
  outbox: OutboxRepository;
  teardown(): Promise<void>;
}

const T0 = new Date('2026-03-01T12:00:00.000Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let counter = 0;
function account(overrides: Partial<NewAccount> = {}): NewAccount {
  counter++;
  return {
    id: newAccountId(),
    username: `follower_${counter}_${Date.now().toString(36)}`.slice(0, 32),
    email: `f${counter}.${Date.now().toString(36)}@example.org`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    status: 'active',
    role: 'user',
    createdAt: T0,
    ...overrides,
  };
}

async function drained(outbox: OutboxRepository): Promise<PendingOutboxEvent[]> {
  const seen: PendingOutboxEvent[] = [];
  await outbox.drain(100, (events) => {
    seen.push(...events);
    return Promise.resolve();
  });
  return seen;
}

/** The contract every FollowRepository adapter passes (embedded and real PostgreSQL). */
export function describeFollowRepositoryContract(
  name: string,
  setup: () => Promise<FollowRepositoryContractFixture>,
): void {
  describe(name, () => {
    let fixture: FollowRepositoryContractFixture;
    let repo: FollowRepository;

    beforeEach(async () => {
      fixture = await setup();
      repo = fixture.follows;
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    async function accounts(n: number, overrides: Partial<NewAccount> = {}): Promise<NewAccount[]> {
      const made = Array.from({ length: n }, () => account(overrides));
      for (const a of made) expect(await fixture.accounts.create(a)).toBe('created');
      return made;
    }

    it('when someone follows, then the follow is found and its event is in the outbox, once', async () => {
      const [alice, bob] = (await accounts(2)) as [NewAccount, NewAccount];
      const event = notificationOutboxEvent('follower.new', bob.id, alice, {}, T0);
      expect(
        await repo.upsert({ followerId: alice.id, followeeId: bob.id, notify: true, createdAt: T0 }, [event]),
      ).toBe('created');
      expect(await repo.find(alice.id, bob.id)).toEqual({
        followerId: alice.id,
        followeeId: bob.id,
        notify: true,
        createdAt: T0,
      });
      expect(await repo.find(bob.id, alice.id)).toBeNull();

      // Following again (notify off) changes the setting and announces nothing new.
      const again = notificationOutboxEvent('follower.new', bob.id, alice, {}, later(5));
      expect(
        await repo.upsert({ followerId: alice.id, followeeId: bob.id, notify: false, createdAt: later(5) }, [again]),
      ).toBe('updated');
      expect(await repo.find(alice.id, bob.id)).toMatchObject({ notify: false, createdAt: T0 });

      const events = await drained(fixture.outbox);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ topic: TOPICS.notifications, key: bob.id });
      expect(events[0]!.payload).toMatchObject({ type: 'follower.new', actor: { id: alice.id } });
    });

    it('when the follow cannot be stored, then its event is not stored either', async () => {
      const [alice] = (await accounts(1)) as [NewAccount];
      const ghost = newAccountId();
      const event = notificationOutboxEvent('follower.new', ghost, alice, {}, T0);
      await expect(
        repo.upsert({ followerId: alice.id, followeeId: ghost, notify: true, createdAt: T0 }, [event]),
      ).rejects.toThrow();
      expect(await drained(fixture.outbox)).toEqual([]);
    });

    it('when someone tries to follow themselves, then nothing is stored', async () => {
      const [alice] = (await accounts(1)) as [NewAccount];
      await expect(
        repo.upsert({ followerId: alice.id, followeeId: alice.id, notify: true, createdAt: T0 }),
      ).rejects.toThrow();
      expect(await repo.find(alice.id, alice.id)).toBeNull();
    });

    it('when notify is turned off, then only that follow changes, and no follow is ever created by it', async () => {
      const [alice, bob, carol] = (await accounts(3)) as [NewAccount, NewAccount, NewAccount];
      await repo.upsert({ followerId: alice.id, followeeId: bob.id, notify: true, createdAt: T0 });
      await repo.upsert({ followerId: alice.id, followeeId: carol.id, notify: true, createdAt: T0 });
      expect(await repo.setNotify(alice.id, bob.id, false)).toBe(true);
      expect(await repo.find(alice.id, bob.id)).toMatchObject({ notify: false, createdAt: T0 });
      expect(await repo.find(alice.id, carol.id)).toMatchObject({ notify: true });
      // Turning it off again holds; a follow that is not there stays absent.
      expect(await repo.setNotify(alice.id, bob.id, false)).toBe(true);
      expect(await repo.setNotify(bob.id, alice.id, false)).toBe(false);
      expect(await repo.find(bob.id, alice.id)).toBeNull();
      expect(await drained(fixture.outbox)).toEqual([]);
    });

    it('when someone unfollows, then the follow is gone and a second unfollow says so', async () => {
      const [alice, bob] = (await accounts(2)) as [NewAccount, NewAccount];
      await repo.upsert({ followerId: alice.id, followeeId: bob.id, notify: true, createdAt: T0 });
      expect(await repo.remove(alice.id, bob.id)).toBe(true);
      expect(await repo.remove(alice.id, bob.id)).toBe(false);
      expect(await repo.find(alice.id, bob.id)).toBeNull();
    });

    it('when followers are paged, then every active follower comes once, newest first, and blocked ones never', async () => {
      const [star] = (await accounts(1)) as [NewAccount];
      const fans = await accounts(7);
      const [blocked] = (await accounts(1, { status: 'blocked' })) as [NewAccount];
      // Two follows at the same instant: the account id breaks the tie, so none is skipped.
      const times = [0, 10, 10, 20, 30, 40, 50];
      for (const [i, fan] of fans.entries()) {
        await repo.upsert({
          followerId: fan.id,
          followeeId: star.id,
          notify: i % 2 === 0,
          createdAt: later(times[i]!),
        });
      }
      await repo.upsert({ followerId: blocked.id, followeeId: star.id, notify: true, createdAt: later(60) });

      const seen: string[] = [];
      let after: { createdAt: Date; accountId: string } | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await repo.listFollowers(star.id, { limit: 3, ...(after ? { after } : {}) });
        seen.push(...page.map((e) => e.account.id));
        const last = page.at(-1);
        if (page.length < 3 || !last) break;
        after = { createdAt: last.createdAt, accountId: last.account.id };
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen)).toEqual(new Set(fans.map((f) => f.id)));
      expect(seen[0]).toBe(fans[6]!.id);
      expect(seen.at(-1)).toBe(fans[0]!.id);
      expect(await repo.counts(star.id)).toEqual({ followers: 7, following: 0 });
    });

    it('when whom someone follows is listed, then it shows the followees with the notify setting', async () => {
      const [fan] = (await accounts(1)) as [NewAccount];
      const [quiet, loud] = (await accounts(2)) as [NewAccount, NewAccount];
      await repo.upsert({ followerId: fan.id, followeeId: quiet.id, notify: false, createdAt: later(1) });
      await repo.upsert({ followerId: fan.id, followeeId: loud.id, notify: true, createdAt: later(2) });
      const page = await repo.listFollowing(fan.id, { limit: 10 });
      expect(page.map((e) => [e.account.username, e.notify])).toEqual([
        [loud.username, true],
        [quiet.username, false],
      ]);
      expect(await repo.counts(fan.id)).toEqual({ followers: 0, following: 2 });
    });

    it('when an account is removed, then its follows go with it', async () => {
      const [alice, bob] = (await accounts(2)) as [NewAccount, NewAccount];
      await repo.upsert({ followerId: alice.id, followeeId: bob.id, notify: true, createdAt: T0 });
      await fixture.accounts.remove(alice.id);
      expect(await repo.listFollowers(bob.id, { limit: 10 })).toEqual([]);
    });
  });
}
