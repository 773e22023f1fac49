import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

/**
 * An all-in-one backup of the embedded database runs in the same process as the api: its dump
 * and verification must not stall the event loop, or /healthz and every request wait for them.
 */
const ADMIN_TOKEN = 'admin-token-for-the-tests-0123456789';
/** Longest event-loop stall allowed while the backup runs (the dump itself stalled it for ~4 s). */
const MAX_STALL_MS = 1000;
let pictor: TestPictor;

beforeAll(async () => {
  pictor = await startTestPictor({ ADMIN_TOKEN, CLEANUP_INTERVAL_SECONDS: '0' });
  // About 20 MB of rows: enough for a dump and a replay to take seconds of WASM work.
  await pictor.handle.infrastructure.pool.query(
    `CREATE TABLE ballast AS SELECT g AS id, repeat(md5(g::text), 20) AS filler FROM generate_series(1, 30000) g`,
  );
}, 120_000);

afterAll(async () => {
  await pictor.stop();
});

describe('when an in-process backup of a large embedded database runs', () => {
  it(`then the event loop never stalls for more than ${MAX_STALL_MS} ms and /healthz keeps answering`, async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = await fetch(`${pictor.url}/api/v1/admin/backups`, { method: 'POST', headers, body: '{}' });
    expect(started.status).toBe(202);
    const { url } = (await started.json()) as { url: string };
    const statusUrl = `${pictor.url}${new URL(url).pathname}`;
    let slowestHealthMs = 0;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const t0 = Date.now();
      expect((await fetch(`${pictor.url}/healthz`)).status).toBe(200);
      slowestHealthMs = Math.max(slowestHealthMs, Date.now() - t0);
      const job = (await (await fetch(statusUrl, { headers })).json()) as { status: string };
      if (job.status !== 'running') {
        expect(job.status).toBe('succeeded');
        break;
      }
      if (Date.now() > deadline) throw new Error('the backup did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    delay.disable();
    const stallMs = delay.max / 1e6;
    process.stderr.write(
      `backup: longest event-loop stall ${stallMs.toFixed(0)} ms, slowest /healthz ${slowestHealthMs} ms\n`,
    );
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
    expect(slowestHealthMs).toBeLessThan(MAX_STALL_MS);
  }, 240_000);
});
