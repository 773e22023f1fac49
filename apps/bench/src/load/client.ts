#!/usr/bin/env node
// Load clients that the bench runs as their own processes (pinned to the load core):
//   open-loop  POSTs a body at a fixed rate; latency counts from the scheduled send time, so a
//              slow answer cannot hide the requests queued behind it (no coordinated omission)
//   burst      POSTs a body N times at once, each on its own connection
//   s3-put     PUTs a body to S3 with the minio client, N at a time, for a while; or, given a
//              rate, at that fixed rate with latency from the scheduled time, as open-loop does
// Arguments: one JSON object; the result: one JSON line on stdout.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { minioClient } from '@pictor/test-harness';
import { summarize, type Summary } from '../stats.js';

interface HttpOptions {
  url: string;
  file: string;
  contentType: string;
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  durationS: number;
  rps: number;
  latencyMs: Summary;
}

function post(agent: http.Agent, url: URL, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function result(latencies: number[], statuses: Record<string, number>, sent: number, durationS: number): LoadResult {
  const ok = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
    .reduce((n, [, c]) => n + c, 0);
  return { sent, ok, errors: sent - ok, statuses, durationS, rps: ok / durationS, latencyMs: summarize(latencies) };
}

/**
 * Sends `total` requests at a fixed rate; each latency counts from its scheduled time, so a slow
 * answer cannot hide the requests queued behind it.
 */
async function onSchedule(rate: number, durationS: number, send: () => Promise<number>): Promise<LoadResult> {
  const total = Math.max(1, Math.round(rate * durationS));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send().then((status) => {
        latencies.push(performance.now() - due);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
    );
  }
  await Promise.all(pending);
  return result(latencies, statuses, total, (performance.now() - started) / 1000);
}

async function openLoop(
  o: HttpOptions & { rate: number; durationS: number; maxInFlight: number },
): Promise<LoadResult> {
  const body = readFileSync(o.file);
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  const out = await onSchedule(o.rate, o.durationS, () => post(agent, url, body, o.contentType));
  agent.destroy();
  return out;
}

async function burst(o: HttpOptions & { count: number }): Promise<LoadResult> {
  const body = readFileSync(o.file);
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: false, maxSockets: o.count });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.count }, async () => {
      const status = await post(agent, url, body, o.contentType);
      latencies.push(performance.now() - started);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  return result(latencies, statuses, o.count, (performance.now() - started) / 1000);
}

async function s3Put(o: {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  file: string;
  contentType: string;
  concurrency: number;
  durationS: number;
  warmupS: number;
  rate?: number;
}): Promise<LoadResult> {
  const body = readFileSync(o.file);
  const client = minioClient({ ...o, region: 'us-east-1' });
  let n = 0;
  // Keys like the api's originals/<id>: a new object every time.
  const put = () =>
    client
      .putObject(o.bucket, `originals/bench${process.pid}x${n++}`, body, body.length, { 'Content-Type': o.contentType })
      .then(
        () => 200,
        () => 0,
      );
  if (o.rate) return onSchedule(o.rate, o.durationS, put);
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let sent = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          sent++;
          const status = await put();
          latencies.push(performance.now() - t0);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
    return record ? result(latencies, statuses, sent, (performance.now() - started) / 1000) : undefined;
  };
  await run(o.warmupS, false);
  return (await run(o.durationS, true))!;
}

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2);
  const options = JSON.parse(json ?? '{}') as never;
  const out =
    mode === 'open-loop'
      ? await openLoop(options)
      : mode === 'burst'
        ? await burst(options)
        : mode === 's3-put'
          ? await s3Put(options)
          : undefined;
  if (!out) throw new Error(`unknown mode ${mode}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
