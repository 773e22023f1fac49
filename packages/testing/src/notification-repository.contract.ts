import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DeliveryError,
  newAccountId,
  NotificationDispatcher,
  type AccountRepository,
  type DeadLetter,
  type Delivery,
  type DeliveryChannel,
  type FollowRepository,
  type NewAccount,
  type NotificationChannel,
  type NotificationEvent,
  type NotificationRepository,
} from '@pictor/core';

export interface NotificationRepositoryContractFixture {
  /** Over one database whose accounts, follows and notification tables start empty. */
  notifications: NotificationRepository;
  follows: FollowRepository;
  accounts: AccountRepository;
  teardown(): Promise<void>;
}

const T0 = new Date('2026-03-01T12:00:00.000Z');
let counter = 0;

function account(overrides: Partial<NewAccount> = {}): NewAccount {
  counter++;
  const tag = `${counter}_${Date.now().toString(36)}`;
  return {
    id: newAccountId(),
    username: `n_${tag}`.slice(0, 32),
    email: `n${tag}@example.org`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    status: 'active',
    role: 'user',
    createdAt: T0,
    ...overrides,
  };
}

/** A provider that records what it accepted; it can refuse, or hang (a process killed mid-send). */
class RecordingChannel implements NotificationChannel {
  readonly accepted: Delivery[] = [];
  calls = 0;
  constructor(
    readonly name: DeliveryChannel,
    private readonly behave: (call: number) => 'accept' | 'hang' | Error = () => 'accept',
  ) {}
  deliver(delivery: Delivery): Promise<void> {
    const what = this.behave(++this.calls);
    if (what === 'hang') return new Promise<void>(() => undefined);
    if (what instanceof Error) return Promise.reject(what);
    this.accepted.push(delivery);
    return Promise.resolve();
  }
}

/** The contract of NotificationRepository, shown through the dispatcher's guarantees. */
export function describeNotificationRepositoryContract(
  name: string,
  setup: () => Promise<NotificationRepositoryContractFixture>,
): void {
  describe(name, () => {
    let fixture: NotificationRepositoryContractFixture;
    let letters: DeadLetter[];

    beforeEach(async () => {
      fixture = await setup();
      letters = [];
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    function dispatcher(channels: NotificationChannel[], overrides: { maxAttempts?: number; sleeps?: number[] } = {}) {
      return new NotificationDispatcher({
        repository: fixture.notifications,
        channels,
        deadLetter: (letter) => {
          letters.push(letter);
          return Promise.resolve();
        },
        maxAttempts: overrides.maxAttempts ?? 3,
        retryBaseMs: 10,
        fanoutBatch: 7,
        concurrency: 4,
        sleep: (ms) => {
          overrides.sleeps?.push(ms);
          return Promise.resolve();
        },
      });
    }

    async function authorWithFollowers(n: number, notify = true) {
      const author = account();
      await fixture.accounts.create(author);
      const fans: NewAccount[] = [];
      for (let i = 0; i < n; i++) {
        const fan = account();
        await fixture.accounts.create(fan);
        await fixture.follows.upsert({
          followerId: fan.id,
          followeeId: author.id,
          notify,
          createdAt: new Date(T0.getTime() + i * 1000),
        });
        fans.push(fan);
      }
      const event: NotificationEvent = {
        id: newAccountId(),
        type: 'image.published',
        accountId: author.id,
        actor: { id: author.id, username: author.username },
        data: { imageId: 'AAAAAAAAAAAA', count: '1' },
        createdAt: T0.toISOString(),
      };
      return { author, fans, event };
    }

    it('when an event is dispatched twice, then each follower is sent it once per channel', async () => {
      const { fans, event } = await authorWithFollowers(10);
      const email = new RecordingChannel('email');
      const inApp = new RecordingChannel('in-app');
      await dispatcher([email, inApp]).dispatch(event);
      await dispatcher([email, inApp]).dispatch(event);
      expect(email.accepted.map((d) => d.recipient.id).sort()).toEqual(fans.map((f) => f.id).sort());
      expect(inApp.accepted).toHaveLength(10);
      // Delivery ids are unique per (recipient, channel).
      expect(new Set([...email.accepted, ...inApp.accepted].map((d) => d.id)).size).toBe(20);
    });

    it('when the notifier dies in the middle of a fan-out, then after a restart every follower is sent it exactly once', async () => {
      const { fans, event } = await authorWithFollowers(30);
      // The first process hangs for good after 11 sends: killed while the provider was busy.
      const first = new RecordingChannel('email', (call) => (call > 11 ? 'hang' : 'accept'));
      void dispatcher([first]).dispatch(event);
      for (let i = 0; i < 200 && first.calls <= 11 + 3; i++) await new Promise((r) => setTimeout(r, 10));
      const second = new RecordingChannel('email');
      await dispatcher([second]).dispatch(event);

      const received = [...first.accepted, ...second.accepted];
      expect(received.map((d) => d.recipient.id).sort()).toEqual(fans.map((f) => f.id).sort());
      expect(new Set(received.map((d) => d.id)).size).toBe(30);
      // The restart resumed after the saved batches instead of starting over.
      expect(second.calls).toBeLessThan(30);
      expect(await fixture.notifications.fanoutProgress(event.id)).toMatchObject({ done: true });
    });

    it('when a provider fails for a while, then the delivery is retried with backoff and sent once', async () => {
      const { fans, event } = await authorWithFollowers(1);
      const sleeps: number[] = [];
      const flaky = new RecordingChannel('email', (call) =>
        call <= 2 ? new DeliveryError('busy', false, call === 2 ? 5000 : undefined) : 'accept',
      );
      await dispatcher([flaky], { sleeps }).dispatch(event);
      expect(flaky.accepted.map((d) => d.recipient.id)).toEqual([fans[0]!.id]);
      expect(sleeps).toHaveLength(2);
      // Retry-After wins over a shorter backoff.
      expect(sleeps[1]).toBeGreaterThanOrEqual(5000);
      expect(letters).toEqual([]);
    });

    it('when a provider refuses for good or keeps failing, then the delivery is failed and dead-lettered once', async () => {
      const { fans, event } = await authorWithFollowers(2);
      const refusing = new RecordingChannel('email', (call) =>
        call === 1 ? new DeliveryError('550 mailbox unknown', true) : new DeliveryError('451 try later', false),
      );
      await dispatcher([refusing]).dispatch(event);
      expect(refusing.calls).toBe(1 + 3);
      expect(letters.map((l) => [l.channel, l.attempts]).sort()).toEqual([
        ['email', 1],
        ['email', 3],
      ]);
      expect(new Set(letters.map((l) => l.recipientId))).toEqual(new Set(fans.map((f) => f.id)));
      // Dispatched again (a redelivered event): nothing more is tried.
      await dispatcher([refusing]).dispatch(event);
      expect(refusing.calls).toBe(4);
      expect(letters).toHaveLength(2);
    });

    it('when a follower unfollowed or was blocked before delivery, then they get nothing', async () => {
      const { author, fans, event } = await authorWithFollowers(3);
      await fixture.follows.remove(fans[0]!.id, author.id);
      await fixture.accounts.update(fans[1]!.id, { status: 'blocked' });
      const email = new RecordingChannel('email');
      await dispatcher([email]).dispatch(event);
      expect(email.accepted.map((d) => d.recipient.id)).toEqual([fans[2]!.id]);
    });

    it('when followers asked not to be notified, then they get nothing', async () => {
      const { event } = await authorWithFollowers(2, false);
      const email = new RecordingChannel('email');
      await dispatcher([email]).dispatch(event);
      expect(email.accepted).toEqual([]);
    });

    it('when a follower turned email notifications off, then the fan-out names them so and the others not', async () => {
      const { fans, event } = await authorWithFollowers(3);
      expect(await fixture.notifications.settings(fans[1]!.id)).toEqual({ email: true });
      await fixture.notifications.saveSettings(fans[1]!.id, { email: false }, T0);
      await fixture.notifications.saveSettings(fans[2]!.id, { email: false }, T0);
      await fixture.notifications.saveSettings(fans[2]!.id, { email: true }, T0);
      expect(await fixture.notifications.settings(fans[1]!.id)).toEqual({ email: false });
      const page = await fixture.notifications.notifiedFollowers(event.accountId, { limit: 10 });
      expect(
        page
          .map((p) => [p.recipient.id, p.recipient.emailNotifications])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      ).toEqual(
        [
          [fans[0]!.id, true],
          [fans[1]!.id, false],
          [fans[2]!.id, true],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      expect((await fixture.notifications.recipient(fans[1]!.id))?.emailNotifications).toBe(false);
      expect((await fixture.notifications.recipient(fans[0]!.id))?.emailNotifications).toBe(true);
    });

    it('when in-app notifications are stored, then a repeat is refused, and read marks count down', async () => {
      const [a] = [account()];
      await fixture.accounts.create(a);
      const note = (eventId: string, seconds: number) => ({
        id: crypto.randomUUID(),
        accountId: a.id,
        eventId,
        type: 'follower.new',
        actor: 'someone',
        data: {},
        createdAt: new Date(T0.getTime() + seconds * 1000),
        readAt: null,
      });
      const first = note('e1', 1);
      expect(await fixture.notifications.insertInApp(first)).toBe(true);
      expect(await fixture.notifications.insertInApp({ ...note('e1', 2) })).toBe(false);
      expect(await fixture.notifications.insertInApp(note('e2', 3))).toBe(true);
      expect(await fixture.notifications.insertInApp(note('e3', 4))).toBe(true);
      expect(await fixture.notifications.countUnread(a.id)).toBe(3);
      const page = await fixture.notifications.listInApp(a.id, { limit: 2 });
      expect(page.map((n) => n.eventId)).toEqual(['e3', 'e2']);
      const rest = await fixture.notifications.listInApp(a.id, {
        limit: 2,
        before: { createdAt: page[1]!.createdAt, id: page[1]!.id },
      });
      expect(rest.map((n) => n.eventId)).toEqual(['e1']);
      expect(await fixture.notifications.markRead(a.id, [first.id], T0)).toBe(1);
      expect(await fixture.notifications.countUnread(a.id)).toBe(2);
      expect(await fixture.notifications.markRead(a.id, undefined, T0)).toBe(2);
      expect(await fixture.notifications.countUnread(a.id)).toBe(0);
    });
  });
}
