import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@pictor/config';
import { SharpImageInspector } from '@pictor/imaging';
import { engines } from '@pictor/test-harness';
import {
  deploy,
  freshStore,
  LOAD_CPU,
  log,
  pinSelf,
  pinServers,
  seconds,
  SERVER_CPU,
  unpin,
  type BenchEngines,
} from './harness.js';
import type { BenchInput, UploadInputs } from './inputs.js';
import { runClient, startMultipartServer, withCpu, writeMultipartBody, type Rate } from './load.js';
import { measure } from './measure.js';
import { RssSampler } from './proc.js';
import type { Summary } from './stats.js';
import { postFileScript, runWrk, type Wrk } from './wrk.js';

export interface IngestSize {
  label: string;
  input: string;
  bytes: number;
  /** NGINX edge → api → MinIO → one PostgreSQL transaction → 201. */
  full: Rate;
  ceilings: {
    /** The same bytes PUT to the same MinIO with the api's S3 client (minio-js), nothing else. */
    s3Put: Rate;
    /** The api's multipart parser alone (busboy in memory, same limits) answering 201. */
    multipart: Rate;
    /** The upload's transaction (INSERT image, INSERT outbox, COMMIT) alone, with pgbench. */
    transaction: Rate;
  };
  lowestCeiling: { name: string; rps: number };
  ratioToLowest: number;
  /** CPU of the api's validation of these bytes (magic numbers, sharp metadata, trial decode). */
  validationCpuMs: number;
}

export interface IngestResult {
  connections: number;
  durationS: number;
  sizes: IngestSize[];
  /** 200 KB uploads at a fixed rate of half the measured peak. */
  belowSaturation: {
    ratePerS: number;
    /** Length of the fixed-rate run (absent in results recorded before it was 30 s: 10 s). */
    durationS?: number;
    sent: number;
    ok: number;
    latencyMs: Summary;
    /** Raw PUTs of the same bytes to the same MinIO at the same rate: storage's own latency. */
    s3PutLatencyMs?: Summary;
    /** The api's garbage collections during those uploads (its nodejs_gc_duration_seconds). */
    apiGc?: GcCounts;
  };
  memory: {
    uploads: number;
    bytesEach: number;
    ok: number;
    statuses: Record<string, number>;
    durationS: number;
    baselineBytes: number;
    peakBytes: number;
    /** UPLOAD_MEMORY_BYTES of the api. */
    budgetBytes: number;
  };
}

const CONNECTIONS = 8;

/**
 * Garbage collections of a process: full (mark-compact) collections and their main-thread time
 * (the final pause plus the incremental marking steps before it), young-generation scavenges and
 * theirs. Marking done on other threads is not in these figures.
 */
export interface GcCounts {
  major: number;
  majorMs: number;
  minor: number;
  minorMs: number;
}

/** The GC counters a Pictor process exports (prom-client's nodejs_gc_duration_seconds). */
export function parseGcCounts(metrics: string): GcCounts {
  // nodejs_gc_duration_seconds_count{target="api",kind="major"} 12
  const value = (name: string, kind: string) =>
    Number(
      new RegExp(`^nodejs_gc_duration_seconds_${name}\\{[^}]*kind="${kind}"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1] ??
        0,
    );
  return {
    major: value('count', 'major'),
    majorMs: (value('sum', 'major') + value('sum', 'incremental')) * 1000,
    minor: value('count', 'minor'),
    minorMs: value('sum', 'minor') * 1000,
  };
}

async function gcCounts(metricsPort: number): Promise<GcCounts> {
  return parseGcCounts(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
}

/** The input whose size is nearest `bytes`. */
const closest = (list: readonly BenchInput[], bytes: number): BenchInput =>
  list.reduce((best, i) => (Math.abs(i.bytes.length - bytes) < Math.abs(best.bytes.length - bytes) ? i : best));
/** Connections of pgbench: the api's pool size (DATABASE_POOL_MAX). */
const PG_CLIENTS = loadConfig({}).database.poolMax;

/** The transaction of an upload, as ImageService.upload() runs it through PgImageRepository. */
const TRANSACTION_SQL = `BEGIN;
INSERT INTO images (id, format, width, height, bytes, frames, has_alpha, title, visibility, watermark, delete_token_hash, created_at, expires_at)
  VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 12), 'jpeg', 1280, 800, :bytes, 1, false, NULL, 'public', NULL, sha256(random()::text::bytea), now(), NULL);
INSERT INTO outbox (topic, key, payload, headers) VALUES ('pictor.images.uploaded', 'BenchImage00', '{"imageId":"BenchImage00"}', '{"x-request-id":"bench"}');
COMMIT;
`;

function pgbench(databaseUrl: string, script: string, bytes: number, durationS: number): Promise<string> {
  const url = new URL(databaseUrl);
  const bin = path.join(process.env.PICTOR_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin', 'pgbench');
  const args = [
    '-n',
    '-M',
    'extended',
    '-c',
    String(PG_CLIENTS),
    '-j',
    '1',
    '-T',
    String(durationS),
    '-D',
    `bytes=${bytes}`,
    '-f',
    script,
    '-h',
    url.hostname,
    '-p',
    url.port,
    '-U',
    url.username || 'postgres',
    url.pathname.slice(1),
  ];
  const [command, argv] = LOAD_CPU ? ['taskset', ['-c', LOAD_CPU, bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) =>
    execFile(command, argv, { timeout: (durationS + 60) * 1000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`pgbench failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Figures of a pgbench report: transactions, failures, tps, average latency. */
export function parsePgbench(out: string): { transactions: number; failed: number; tps: number; latencyMs: number } {
  const number = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  return {
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: number(/number of failed transactions: (\d+)/) || 0,
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
  };
}

/**
 * Measurement 2: uploads per second through the production path, against the ceilings of its
 * parts measured in the same run on the same core; p99 below saturation; memory under large
 * concurrent uploads.
 */
export async function ingestBenchmark(bench: BenchEngines, wrk: Wrk, inputs: UploadInputs): Promise<IngestResult> {
  const durationS = seconds(10, 3);
  const warmupS = seconds(2, 1);
  const store = await freshStore();
  const deployment = await deploy(store, bench, { api: true, edge: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-bench-ingest-'));
  const { pids } = deployment;
  const servers = Object.values(pids).flat();
  const inspector = new SharpImageInspector({ maxPixels: 50_000_000, maxFrames: 300, allowedFormats: ['jpeg'] });
  try {
    pinServers(servers);
    pinSelf();
    const uploadUrl = `${deployment.edge!.url}/api/v1/images`;
    const script = path.join(dir, 'transaction.sql');
    await writeFile(script, TRANSACTION_SQL);

    const sizes: IngestSize[] = [];
    const cases: [string, BenchInput][] = [
      ['200 KB', closest(inputs.small, 200 * 1024)],
      ['2 MB', closest(inputs.medium, 2 * 1024 * 1024)],
    ];
    for (const [label, input] of cases) {
      log(`ingest ${label}: full path`);
      const body = await writeMultipartBody(path.join(dir, `${label}.form`), input.bytes, 'photo.jpg', 'image/jpeg');
      const wrkOptions = {
        url: uploadUrl,
        connections: CONNECTIONS,
        script: postFileScript(body.file, body.contentType),
        ...(LOAD_CPU ? { cpu: LOAD_CPU } : {}),
      };
      await runWrk(wrk, { ...wrkOptions, durationS: warmupS });
      const full = await withCpu(
        { api: pids.api!, nginx: pids.nginx!, minio: pids.minio!, postgres: pids.postgres! },
        () => runWrk(wrk, { ...wrkOptions, durationS }),
      );

      log(`ingest ${label}: multipart parsing alone`);
      const parser = await startMultipartServer(SERVER_CPU);
      let multipart: Rate;
      try {
        const options = { ...wrkOptions, url: `${parser.url}/api/v1/images` };
        await runWrk(wrk, { ...options, durationS: warmupS });
        multipart = await withCpu({ parser: [parser.pid] }, () => runWrk(wrk, { ...options, durationS }));
      } finally {
        parser.stop();
      }

      log(`ingest ${label}: raw PUTs to MinIO`);
      const raw = path.join(dir, `${label}.jpg`);
      await writeFile(raw, input.bytes);
      const { s3 } = engines();
      const s3Put = await withCpu({ minio: pids.minio! }, () =>
        runClient(
          's3-put',
          {
            endpoint: s3.endpoint,
            accessKey: s3.accessKey,
            secretKey: s3.secretKey,
            bucket: store.bucket,
            file: raw,
            contentType: 'image/jpeg',
            concurrency: CONNECTIONS,
            durationS,
            warmupS,
          },
          LOAD_CPU,
        ),
      );

      log(`ingest ${label}: the transaction alone (pgbench)`);
      const transaction = await withCpu({ postgres: pids.postgres! }, async () => {
        const r = parsePgbench(await pgbench(store.databaseUrl, script, input.bytes.length, durationS));
        return { requests: r.transactions + r.failed, errors: r.failed, rps: r.tps, p50: r.latencyMs, p99: Number.NaN };
      });

      const validation = await measure([input.bytes], seconds(20, 5), (bytes) => inspector.inspect(bytes));
      const ceilings = { s3Put, multipart, transaction };
      const [lowestName, lowest] = Object.entries(ceilings).sort(([, a], [, b]) => a.rps - b.rps)[0]!;
      sizes.push({
        label,
        input: input.name,
        bytes: input.bytes.length,
        full,
        ceilings,
        lowestCeiling: { name: lowestName, rps: lowest.rps },
        ratioToLowest: full.rps / lowest.rps,
        validationCpuMs: validation.cpuMsPerOp,
      });
    }

    const peak = sizes[0]!.full.rps;
    const ratePerS = Math.max(1, Math.round(peak / 2));
    log(`ingest: 200 KB at ${ratePerS}/s (half the peak)`);
    const small = await writeMultipartBody(
      path.join(dir, 'open.form'),
      inputs.small[0]!.bytes,
      'photo.jpg',
      'image/jpeg',
    );
    // Longer than the saturation runs: the p99 of 10 s (the third-slowest of a few hundred) moved
    // by tens of ms with whether one full garbage collection of the api fell inside the window.
    const openS = seconds(30, 5);
    const gcBefore = await gcCounts(deployment.api!.metricsPort);
    const open = await runClient(
      'open-loop',
      {
        url: uploadUrl,
        file: small.file,
        contentType: small.contentType,
        rate: ratePerS,
        durationS: openS,
        maxInFlight: 64,
      },
      LOAD_CPU,
    );
    const gcAfter = await gcCounts(deployment.api!.metricsPort);

    log(`ingest: raw PUTs of the same bytes to MinIO at ${ratePerS}/s`);
    const smallRaw = path.join(dir, 'open.jpg');
    await writeFile(smallRaw, inputs.small[0]!.bytes);
    const { s3: storage } = engines();
    const s3Open = await runClient(
      's3-put',
      {
        endpoint: storage.endpoint,
        accessKey: storage.accessKey,
        secretKey: storage.secretKey,
        bucket: store.bucket,
        file: smallRaw,
        contentType: 'image/jpeg',
        concurrency: 1,
        durationS: openS,
        warmupS: 0,
        rate: ratePerS,
      },
      LOAD_CPU,
    );

    log(`ingest: ${64} concurrent uploads of ${(inputs.large.bytes.length / 2 ** 20).toFixed(1)} MiB`);
    const large = await writeMultipartBody(path.join(dir, 'large.form'), inputs.large.bytes, 'large.jpg', 'image/jpeg');
    const apiPid = pids.api![0]!;
    const sampler = new RssSampler(apiPid, 20).start();
    const baselineBytes = sampler.samples[0]!;
    const burst = await runClient(
      'burst',
      { url: uploadUrl, file: large.file, contentType: large.contentType, count: 64 },
      LOAD_CPU,
    );
    const rss = sampler.stop();

    return {
      connections: CONNECTIONS,
      durationS,
      sizes,
      belowSaturation: {
        ratePerS,
        sent: open.sent,
        ok: open.ok,
        latencyMs: open.latencyMs,
        s3PutLatencyMs: s3Open.latencyMs,
        durationS: openS,
        apiGc: {
          major: gcAfter.major - gcBefore.major,
          majorMs: gcAfter.majorMs - gcBefore.majorMs,
          minor: gcAfter.minor - gcBefore.minor,
          minorMs: gcAfter.minorMs - gcBefore.minorMs,
        },
      },
      memory: {
        uploads: 64,
        bytesEach: inputs.large.bytes.length,
        ok: burst.ok,
        statuses: burst.statuses,
        durationS: burst.durationS,
        baselineBytes,
        peakBytes: rss.peakBytes,
        budgetBytes: loadConfig({}).limits.uploadMemoryBytes,
      },
    };
  } finally {
    unpin(servers);
    await deployment.stop();
    await store.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
