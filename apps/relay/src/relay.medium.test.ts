import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { DeliveredEvent, EventBus, EventMessage } from '@pictor/core';
import { silentLogger } from '@pictor/observability';
import { PgOutboxRepository } from '@pictor/sql';
import { openEmbeddedAdapters, type EmbeddedAdapters } from '@pictor/testing/embedded';
import { startRelay, type RelayDeps, type RelayHandle } from './relay.js';

// The relay on the PGlite outbox and the in-process bus: each test uses a topic of its own, so
// what one test leaves behind is never another's.

let adapters: EmbeddedAdapters;
let outbox: PgOutboxRepository;
const running: RelayHandle[] = [];

beforeAll(async () => {
  adapters = await openEmbeddedAdapters();
  outbox = new PgOutboxRepository(adapters.pool);
});

afterEach(async () => {
  for (const relay of running.splice(0)) await relay.stop();
});

afterAll(async () => {
  await adapters?.close();
});

function relay(deps: Partial<RelayDeps> = {}): RelayHandle {
  const handle = startRelay({
    outbox,
    bus: adapters.bus,
    logger: silentLogger(),
    batchSize: 10,
    pollIntervalMs: 20,
    ...deps,
  });
  running.push(handle);
  return handle;
}

let topics = 0;

/** A topic of its own, and every message delivered on it, in order of delivery. */
async function consume(): Promise<{ topic: string; delivered: DeliveredEvent[] }> {
  const topic = `pictor.test.relay-${++topics}`;
  const delivered: DeliveredEvent[] = [];
  await adapters.bus.subscribe(
    topic,
    (event) => {
      delivered.push(event);
      return Promise.resolve();
    },
    { group: 'test', concurrency: 1 },
  );
  return { topic, delivered };
}

/** Commits `keys.length` events on `topic` in one transaction, as an upload does. */
async function commit(topic: string, keys: readonly string[]): Promise<void> {
  await adapters.pool.query(
    `INSERT INTO outbox (topic, key, payload, headers)
     SELECT $1, key, jsonb_build_object('imageId', key), jsonb_build_object('x-request-id', 'req-' || key)
       FROM unnest($2::text[]) WITH ORDINALITY AS k(key, n) ORDER BY n`,
    [topic, keys],
  );
}

async function unsent(topic: string): Promise<string[]> {
  const { rows } = await adapters.pool.query<{ key: string }>(
    'SELECT key FROM outbox WHERE topic = $1 AND sent_at IS NULL ORDER BY id',
    [topic],
  );
  return rows.map((r) => r.key);
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(5);
  }
}

const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

/** The in-process bus, refusing publishes while `failing` says so. */
function flakyBus(failing: (attempt: number) => boolean) {
  let attempts = 0;
  const bus: EventBus = {
    publish(topic: string, messages: readonly EventMessage[]) {
      attempts++;
      if (failing(attempts)) return Promise.reject(new Error('broker unavailable'));
      return adapters.bus.publish(topic, messages);
    },
    subscribe: (...args) => adapters.bus.subscribe(...args),
    ping: () => adapters.bus.ping(),
    close: () => Promise.resolve(),
  };
  return { bus, attempts: () => attempts };
}

describe('relay on the PGlite outbox and the in-process bus', () => {
  it('when events are committed, then each is published once, in commit order, with its payload and request id, and marked sent', async () => {
    const { topic, delivered } = await consume();
    const committed = keys(25);
    await commit(topic, committed);

    relay();
    await waitFor(() => delivered.length >= 25);
    // More polls find nothing more to send.
    await sleep(150);

    expect(delivered.map((e) => e.key)).toEqual(committed);
    expect(delivered[3]?.value).toBe(JSON.stringify({ imageId: committed[3] }));
    expect(delivered[3]?.headers['x-request-id']).toBe(`req-${committed[3]}`);
    expect(await unsent(topic)).toEqual([]);
  });

  it('when the bus refuses publishes, then the events stay pending, and once it recovers they go out once each, in order', async () => {
    const { topic, delivered } = await consume();
    const committed = keys(12);
    let down = true;
    const flaky = flakyBus(() => down);
    await commit(topic, committed);

    relay({ bus: flaky.bus });
    await waitFor(() => flaky.attempts() >= 2);

    expect(delivered).toEqual([]);
    expect(await unsent(topic)).toEqual(committed);

    down = false;
    await waitFor(() => delivered.length >= 12);
    await sleep(150);

    expect(delivered.map((e) => e.key)).toEqual(committed);
    expect(await unsent(topic)).toEqual([]);
  });

  it('when woken after a commit, then it publishes at once instead of waiting for the poll interval', async () => {
    const { topic, delivered } = await consume();
    await commit(topic, ['first']);
    const handle = relay({ pollIntervalMs: 60_000 });
    // Its first round runs at start; from then on it sleeps for the minute.
    await waitFor(() => delivered.length === 1);
    await sleep(50);

    await commit(topic, ['unwoken']);
    await sleep(300);
    expect(delivered.map((e) => e.key)).toEqual(['first']);

    handle.wake();
    // Far inside the minute the next poll would take.
    await waitFor(() => delivered.length >= 2, 10_000);

    expect(delivered.map((e) => e.key)).toEqual(['first', 'unwoken']);
    expect(await unsent(topic)).toEqual([]);
  });

  it('when stopped during a batch, then stop() waits for that batch to be published and marked, and the rest stays pending for the next relay', async () => {
    const { topic, delivered } = await consume();
    const committed = keys(15);
    await commit(topic, committed);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let publishing = false;
    const slowBus: EventBus = {
      publish: async (t, messages) => {
        publishing = true;
        await gate;
        await adapters.bus.publish(t, messages);
      },
      subscribe: (...args) => adapters.bus.subscribe(...args),
      ping: () => adapters.bus.ping(),
      close: () => Promise.resolve(),
    };

    const handle = startRelay({ outbox, bus: slowBus, logger: silentLogger(), batchSize: 10, pollIntervalMs: 20 });
    await waitFor(() => publishing);
    let stopped = false;
    const stopping = handle.stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);

    release();
    await stopping;

    expect(delivered.map((e) => e.key)).toEqual(committed.slice(0, 10));
    expect(await unsent(topic)).toEqual(committed.slice(10));

    relay();
    await waitFor(() => delivered.length >= 15);
    await sleep(100);
    expect(delivered.map((e) => e.key)).toEqual(committed);
    expect(await unsent(topic)).toEqual([]);
  });
});
