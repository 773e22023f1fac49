import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DeliveredEvent, EventBus, EventHandler, EventMessage, Subscription } from '@pictor/core';

export interface EventBusContractFixture {
  bus: EventBus;
  /** Closes the bus (it may already be closed) and releases what setup made. */
  teardown(): Promise<void>;
}

export interface EventBusContractContext {
  /** A topic no other test uses; a bus that needs topics made up front creates it in setup. */
  topic: string;
}

export interface EventBusContractOptions {
  /** How long a delivery may take before the test fails. Default 3000 ms. */
  deliveryTimeoutMs?: number;
  /** How long to watch for a delivery that must not happen. Default 250 ms. */
  quietPeriodMs?: number;
}

/**
 * Keys whose Kafka partitions differ for every topic of 2 to 16 partitions under the default
 * (murmur2) partitioner, so "a failing key does not hold up other keys" holds on Kafka too, where
 * a failing message blocks the rest of its partition.
 */
const POISON_KEY = 'poison';
const OTHER_KEY = 'other';

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function message(key: string, value: string, headers: Record<string, string> = {}): EventMessage {
  return { key, value, headers };
}

/**
 * What every EventBus adapter owes its callers: at-least-once delivery, acknowledgement after the
 * handler, redelivery on throw, per-key order, bounded concurrency, one copy per group, and a
 * stop that drains. `setup` runs before each test with a fresh topic; the setup decides how fast
 * a bus redelivers, which must be well inside `deliveryTimeoutMs`.
 */
export function describeEventBusContract(
  name: string,
  setup: (context: EventBusContractContext) => Promise<EventBusContractFixture>,
  options: EventBusContractOptions = {},
): void {
  const timeoutMs = options.deliveryTimeoutMs ?? 3000;
  const quietMs = options.quietPeriodMs ?? 250;

  describe(`${name} (EventBus contract)`, () => {
    let fixture: EventBusContractFixture | undefined;
    let bus: EventBus;
    let topic: string;
    let subscriptions: Subscription[];
    /** Unblocks handlers a failed test left waiting, so stopping their subscriptions cannot hang. */
    let releases: (() => void)[];

    const group = (label: string): string => `contract-${label}-${randomUUID()}`;
    const subscribe = async (handler: EventHandler, groupName: string, concurrency: number): Promise<Subscription> => {
      const subscription = await bus.subscribe(topic, handler, { group: groupName, concurrency });
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      topic = `contract.${randomUUID()}`;
      subscriptions = [];
      releases = [];
      fixture = await setup({ topic });
      bus = fixture.bus;
    });

    afterEach(async () => {
      for (const release of releases) release();
      await Promise.allSettled(subscriptions.map((s) => s.stop()));
      await fixture?.teardown();
      fixture = undefined;
    });

    it('when a message is published, then the subscribed handler gets its topic, key, value and headers, once', async () => {
      const received: DeliveredEvent[] = [];
      await subscribe(
        (event) => {
          received.push(event);
          return Promise.resolve();
        },
        group('one'),
        1,
      );

      await bus.publish(topic, [
        message('img1', '{"imageId":"img1"}', {
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        }),
      ]);

      await waitFor(() => received.length >= 1, 'the delivery', timeoutMs);
      await sleep(quietMs);
      expect(received).toEqual([
        {
          topic,
          key: 'img1',
          value: '{"imageId":"img1"}',
          headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
          redeliveries: 0,
        },
      ]);
    });

    it('when messages are published before anyone subscribes, then a later subscriber gets them in order', async () => {
      await bus.publish(topic, [message('k', 'first'), message('k', 'second'), message('k', 'third')]);
      const values: string[] = [];

      await subscribe(
        (event) => {
          values.push(event.value);
          return Promise.resolve();
        },
        group('late'),
        1,
      );

      await waitFor(() => values.length >= 3, 'three deliveries', timeoutMs);
      await sleep(quietMs);
      expect(values).toEqual(['first', 'second', 'third']);
    });

    it('when a handler throws, then the message comes again with redeliveries counted, later messages of its key wait, and other keys are handled meanwhile', async () => {
      let poisonFails = true;
      let overtaken = false;
      const deliveries: DeliveredEvent[] = [];
      const handled: string[] = [];
      await subscribe(
        (event) => {
          deliveries.push(event);
          if (event.value === 'p2' && !handled.includes(`${POISON_KEY}:p1`)) overtaken = true;
          if (event.value === 'p1' && poisonFails) return Promise.reject(new Error('handler failed'));
          handled.push(`${event.key}:${event.value}`);
          return Promise.resolve();
        },
        group('retry'),
        2,
      );
      const p1Deliveries = (): DeliveredEvent[] => deliveries.filter((e) => e.value === 'p1');

      await bus.publish(topic, [message(POISON_KEY, 'p1', { attempt: 'kept' }), message(POISON_KEY, 'p2')]);
      await waitFor(() => p1Deliveries().length >= 1, 'the first delivery of the failing message', timeoutMs);
      await bus.publish(topic, [message(OTHER_KEY, 'o1')]);

      await waitFor(
        () => handled.includes(`${OTHER_KEY}:o1`),
        'the other key while the first keeps failing',
        timeoutMs,
      );
      await waitFor(() => p1Deliveries().length >= 3, 'two redeliveries of the failing message', timeoutMs);
      expect(handled).toEqual([`${OTHER_KEY}:o1`]);

      poisonFails = false;
      await waitFor(() => handled.includes(`${POISON_KEY}:p2`), 'both messages of the failing key', timeoutMs);
      await sleep(quietMs);

      const p1 = p1Deliveries();
      expect(p1.map((e) => e.redeliveries)).toEqual(p1.map((_, i) => i));
      for (const event of p1) expect(event).toMatchObject({ topic, key: POISON_KEY, headers: { attempt: 'kept' } });
      expect(overtaken).toBe(false);
      // Acknowledged once handled: nothing comes back.
      expect(handled).toEqual([`${OTHER_KEY}:o1`, `${POISON_KEY}:p1`, `${POISON_KEY}:p2`]);
    });

    it('when messages share a key, then they are handled one at a time in publish order', async () => {
      const running = new Map<string, number>();
      let overlapped = false;
      const order = new Map<string, string[]>();
      await subscribe(
        async (event) => {
          const now = (running.get(event.key) ?? 0) + 1;
          running.set(event.key, now);
          if (now > 1) overlapped = true;
          await sleep(15);
          order.set(event.key, [...(order.get(event.key) ?? []), event.value]);
          running.set(event.key, (running.get(event.key) ?? 1) - 1);
        },
        group('order'),
        4,
      );

      const published = Array.from({ length: 6 }, (_, i) => [
        message('same', `same-${i}`),
        message(`solo-${i}`, `solo-${i}`),
      ]).flat();
      await bus.publish(topic, published);

      await waitFor(() => (order.get('same')?.length ?? 0) >= 6, 'six same-key deliveries', timeoutMs);
      await waitFor(() => order.size >= 7, 'every key', timeoutMs);
      expect(overlapped).toBe(false);
      expect(order.get('same')).toEqual(['same-0', 'same-1', 'same-2', 'same-3', 'same-4', 'same-5']);
    });

    it('when the concurrency is 3, then never more than 3 handlers run at once, and more than one does', async () => {
      let running = 0;
      let peak = 0;
      const done = new Set<string>();
      await subscribe(
        async (event) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(30);
          running--;
          done.add(event.key);
        },
        group('limit'),
        3,
      );

      await bus.publish(
        topic,
        Array.from({ length: 12 }, (_, i) => message(`key-${i}`, `v${i}`)),
      );

      await waitFor(() => done.size >= 12, 'twelve deliveries', timeoutMs);
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThan(1);
    });

    it('when two groups subscribe, then each group gets every message', async () => {
      const byGroup = { a: [] as string[], b: [] as string[] };
      await subscribe(
        (event) => {
          byGroup.a.push(event.value);
          return Promise.resolve();
        },
        group('a'),
        1,
      );
      await subscribe(
        (event) => {
          byGroup.b.push(event.value);
          return Promise.resolve();
        },
        group('b'),
        1,
      );

      await bus.publish(topic, [message('k1', 'm1'), message('k2', 'm2'), message('k1', 'm3')]);

      await waitFor(() => byGroup.a.length >= 3 && byGroup.b.length >= 3, 'both groups', timeoutMs);
      await sleep(quietMs);
      expect(byGroup.a.sort()).toEqual(['m1', 'm2', 'm3']);
      expect(byGroup.b.sort()).toEqual(['m1', 'm2', 'm3']);
    });

    it('when a subscription stops, then stop waits for the handler under way and no message is delivered afterwards', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      releases.push(release);
      const started: string[] = [];
      const finished: string[] = [];
      const subscription = await subscribe(
        async (event) => {
          started.push(event.value);
          if (event.value === 'm1') await gate;
          finished.push(event.value);
        },
        group('stop'),
        1,
      );
      await bus.publish(topic, [message('k', 'm1'), message('k', 'm2')]);
      await waitFor(() => started.includes('m1'), 'the first delivery', timeoutMs);

      let stopped = false;
      const stopping = subscription.stop().then(() => {
        stopped = true;
      });
      await sleep(quietMs);
      expect(stopped).toBe(false);

      release();
      await stopping;
      expect(finished).toEqual(['m1']);

      // m2 was waiting when stop began: it is left for the group's next consumer, as are later ones.
      await bus.publish(topic, [message('k', 'm3'), message('other', 'm4')]);
      await sleep(quietMs);
      expect(started).toEqual(['m1']);
    });

    it('when the bus is closed, then publish rejects', async () => {
      await bus.close();

      await expect(bus.publish(topic, [message('k', 'late')])).rejects.toThrow();
    });
  });
}
