import pg from 'pg';
import { loadConfig } from '@pictor/config';
import { TOPICS } from '@pictor/core';
import {
  deploy,
  freshStore,
  kafka,
  log,
  pinSelf,
  pinServers,
  resetTopics,
  seconds,
  sql,
  unpin,
  waitFor,
  type BenchEngines,
} from './harness.js';
import { CpuMeter } from './proc.js';
import { summarize, type Summary } from './stats.js';

export interface RelayResult {
  /** Rows committed one per transaction at a fixed rate while the relay runs. */
  steady: {
    ratePerS: number;
    events: number;
    /** COMMIT acknowledged to the producer of the row → the relay's produce request (Kafka CreateTime). */
    commitToPublishMs: Summary;
    /** COMMIT → the message in the bench's Kafka consumer. */
    commitToConsumeMs: Summary;
  };
  /** A backlog committed while the relay was paused (SIGSTOP), then drained at once. */
  burst: {
    events: number;
    durationS: number;
    eventsPerS: number;
    cpuMsPerEvent: Record<string, number>;
  };
  batchSize: number;
}

const BURST_EVENTS = 30_000;

/**
 * Measurement 3: outbox → Kafka. Rows are written straight into the outbox (one committed
 * transaction per row, as uploads do), the relay runs as its own process, and a kafkajs consumer
 * in the bench timestamps every message.
 */
export async function relayBenchmark(bench: BenchEngines, steadyRatePerS: number): Promise<RelayResult> {
  await resetTopics();
  const store = await freshStore();
  const deployment = await deploy(store, bench, { relay: true });
  const { pids } = deployment;
  const servers = [...pids.relay!, ...pids.postgres!, ...pids.kafka!];
  const db = await sql(store.databaseUrl);
  // Rows of the steady phase are written concurrently, each in its own transaction.
  const writers = new pg.Pool({ connectionString: store.databaseUrl, max: 4 });
  const consumer = kafka('pictor-bench-relay').consumer({ groupId: `pictor-bench-${Date.now()}`, maxWaitTimeInMs: 50 });
  /** key → [Kafka CreateTime, receipt time] (ms since the epoch). */
  const seen = new Map<string, [number, number]>();
  try {
    pinServers(servers);
    pinSelf();
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.imageUploaded, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 12,
      eachBatch: ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) seen.set(m.key?.toString() ?? '', [Number(m.timestamp), now]);
        return Promise.resolve();
      },
    });
    // The consumer owns its partitions once a first message arrives.
    await db.query(`INSERT INTO outbox (topic, key, payload) VALUES ($1, 'warmup', '{"imageId":"warmup"}')`, [
      TOPICS.imageUploaded,
    ]);
    await waitFor('the first relayed event', () => (seen.has('warmup') ? true : undefined), 60_000);

    const ratePerS = Math.max(20, Math.round(steadyRatePerS));
    const total = Math.round(ratePerS * seconds(10, 3));
    log(`relay: ${total} rows at ${ratePerS}/s, one per transaction`);
    const committed = new Map<string, number>();
    const started = performance.now();
    const inserts: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / ratePerS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const key = `steady${i}`;
      // Each INSERT is its own autocommitted transaction.
      inserts.push(
        writers
          .query(`INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, '{}')`, [TOPICS.imageUploaded, key])
          .then(() => void committed.set(key, Date.now())),
      );
    }
    await Promise.all(inserts);
    await waitFor(
      'every steady event',
      () => ([...committed.keys()].every((k) => seen.has(k)) ? true : undefined),
      60_000,
    );
    const publish: number[] = [];
    const consume: number[] = [];
    for (const [key, at] of committed) {
      const [created, received] = seen.get(key)!;
      publish.push(created - at);
      consume.push(received - at);
    }

    log(`relay: ${BURST_EVENTS} rows committed while the relay is paused, then drained`);
    const relayPid = pids.relay![0]!;
    process.kill(relayPid, 'SIGSTOP');
    await db.query(
      `INSERT INTO outbox (topic, key, payload)
       SELECT $1, 'burst' || i, '{}' FROM generate_series(1, $2::int) AS i`,
      [TOPICS.imageUploaded, BURST_EVENTS],
    );
    const meter = new CpuMeter({ relay: pids.relay!, postgres: pids.postgres!, kafka: pids.kafka! }).start();
    const resumed = Date.now();
    process.kill(relayPid, 'SIGCONT');
    await waitFor(
      'the burst to be published',
      async () => {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
        return rows[0]!.n === 0 ? true : undefined;
      },
      300_000,
      20,
    );
    const used = meter.stop();
    await waitFor('the burst to be consumed', () => (seen.has(`burst${BURST_EVENTS}`) ? true : undefined), 60_000);
    let last = 0;
    for (let i = 1; i <= BURST_EVENTS; i++) last = Math.max(last, seen.get(`burst${i}`)?.[0] ?? 0);
    const durationS = (last - resumed) / 1000;
    const cpuMsPerEvent = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, ms / BURST_EVENTS]));
    cpuMsPerEvent.total = Object.values(used).reduce((a, b) => a + b, 0) / BURST_EVENTS;
    return {
      steady: {
        ratePerS,
        events: committed.size,
        commitToPublishMs: summarize(publish),
        commitToConsumeMs: summarize(consume),
      },
      burst: { events: BURST_EVENTS, durationS, eventsPerS: BURST_EVENTS / durationS, cpuMsPerEvent },
      batchSize: loadConfig({}).relay.batchSize,
    };
  } finally {
    unpin(servers);
    await consumer.disconnect().catch(() => undefined);
    await db.end();
    await writers.end();
    await deployment.stop();
    await store.drop();
    await resetTopics();
  }
}
