import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import {
  engines,
  freePort,
  freshBucket,
  freshDatabase,
  pictorEnv,
  spawnPictor,
  startEdge,
  type Edge,
  type PictorProcess,
} from '@pictor/test-harness';
import { attachEngines, engineVersions, readState, startEngines } from '@pictor/test-engines';
import { allCpus, pin } from './proc.js';

/** The engines of one bench run: started once, stopped at the end. */
export interface BenchEngines {
  pids: { postgres: number; redis: number; kafka: number; minio: number };
  versions: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL, Redis, Kafka and MinIO (and resolves NGINX) as the integration tests do, or
 * attaches to the engines of PICTOR_ENGINES_STATE (started with `npm run engines -- up`).
 */
export async function startBenchEngines(): Promise<BenchEngines> {
  const reuse = process.env.PICTOR_ENGINES_STATE;
  const set = reuse
    ? { env: await attachEngines(reuse), statePath: reuse, stop: () => Promise.resolve() }
    : await startEngines({ log: (m: string) => process.stderr.write(`[engines] ${m}\n`) });
  Object.assign(process.env, set.env);
  const state = readState(set.statePath);
  const pid = (name: 'postgres' | 'redis' | 'kafka' | 'minio') => {
    const value = state.engines[name]?.pid;
    if (!value) throw new Error(`${name} has no pid in ${set.statePath}`);
    return value;
  };
  return {
    pids: { postgres: pid('postgres'), redis: pid('redis'), kafka: pid('kafka'), minio: pid('minio') },
    versions: await engineVersions(set.statePath),
    stop: () => set.stop(),
  };
}

/**
 * Where processes run. With two or more cores the load generator (wrk, pgbench, the bench's
 * own clients) gets core 0 and every server core 1, so that neither side steals from the
 * other and the ratios compare like with like.
 */
export const CORES = cpus().length;
export const LOAD_CPU = CORES > 1 ? '0' : undefined;
export const SERVER_CPU = CORES > 1 ? String(CORES - 1) : undefined;

/** Pins the bench itself to the load core. */
export function pinSelf(): void {
  if (LOAD_CPU) pin([process.pid], LOAD_CPU);
}

export function pinServers(roots: readonly number[]): void {
  if (SERVER_CPU) pin(roots, SERVER_CPU);
}

/** Gives every core back to the servers and the bench. */
export function unpin(roots: readonly number[]): void {
  pin([...roots, process.pid], allCpus(CORES));
}

/** With BENCH_PROFILE_DIR set, every Pictor process writes a V8 CPU profile there when it exits. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

/** Production-like settings: info logs (one line per request), limits off, nothing else changed. */
export function benchEnv(databaseUrl: string, bucket: string, extra: Record<string, string> = {}) {
  return pictorEnv(databaseUrl, bucket, {
    LOG_LEVEL: 'info',
    RELAY_POLL_INTERVAL_MS: '1000',
    PUBLIC_URL: 'http://pictor.bench',
    ...(PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` } : {}),
    ...extra,
  });
}

/** A migrated database and an empty bucket of their own, for one measurement. */
export async function freshStore(): Promise<{ databaseUrl: string; bucket: string; drop(): Promise<void> }> {
  const database = await freshDatabase();
  const bucket = await freshBucket();
  await (await spawnPictor('migrate', benchEnv(database.url, bucket))).kill();
  return { databaseUrl: database.url, bucket, drop: () => database.drop() };
}

export interface Deployment {
  api?: PictorProcess;
  relay?: PictorProcess;
  worker?: PictorProcess;
  edge?: Edge & { pid: number };
  /** Pids of every server process of the deployment and the engines, by role. */
  pids: Record<string, number[]>;
  stop(): Promise<void>;
}

/** Starts the given targets as separate processes (and the NGINX edge in front of the api). */
export async function deploy(
  store: { databaseUrl: string; bucket: string },
  bench: BenchEngines,
  targets: { api?: boolean; relay?: boolean; worker?: boolean; edge?: boolean },
  extra: Record<string, string> = {},
): Promise<Deployment> {
  const env = benchEnv(store.databaseUrl, store.bucket, extra);
  const [api, relay, worker] = await Promise.all([
    targets.api ? spawnPictor('api', env) : undefined,
    targets.relay ? spawnPictor('relay', env) : undefined,
    targets.worker ? spawnPictor('worker', env) : undefined,
  ]);
  let edge: Deployment['edge'];
  if (targets.edge && api) {
    const started = await startEdge({
      nginxBin: engines().nginxBin,
      apiPort: api.port!,
      s3Endpoint: engines().s3.endpoint,
      bucket: store.bucket,
    });
    edge = { ...started, pid: await nginxMasterPid(started.runDir) };
  }
  const pids: Record<string, number[]> = {
    postgres: [bench.pids.postgres],
    minio: [bench.pids.minio],
    kafka: [bench.pids.kafka],
    redis: [bench.pids.redis],
  };
  if (api) pids.api = [api.child.pid!];
  if (relay) pids.relay = [relay.child.pid!];
  if (worker) pids.worker = [worker.child.pid!];
  if (edge) pids.nginx = [edge.pid];
  return {
    ...(api ? { api } : {}),
    ...(relay ? { relay } : {}),
    ...(worker ? { worker } : {}),
    ...(edge ? { edge } : {}),
    pids,
    async stop() {
      await edge?.stop();
      await Promise.all(
        [api, relay, worker].map(async (p) => {
          await p?.kill('SIGTERM');
        }),
      );
    },
  };
}

async function nginxMasterPid(runDir: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  for (let i = 0; i < 100; i++) {
    const text = await readFile(path.join(runDir, 'nginx.pid'), 'utf8').catch(() => '');
    if (Number(text.trim()) > 0) return Number(text.trim());
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx wrote no pid file in ${runDir}`);
}

/** Plain NGINX (same binary, one worker) serving `dir` as static files: the serving baseline. */
export async function startPlainNginx(dir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'pictor-plain-nginx-'));
  const port = await freePort();
  const config = `worker_processes 1;
pid ${runDir}/nginx.pid;
error_log ${runDir}/error.log warn;
events { worker_connections 4096; }
http {
  types { image/jpeg jpg; }
  default_type application/octet-stream;
  client_body_temp_path ${runDir}/client_body;
  proxy_temp_path ${runDir}/proxy;
  fastcgi_temp_path ${runDir}/fastcgi;
  uwsgi_temp_path ${runDir}/uwsgi;
  scgi_temp_path ${runDir}/scgi;
  access_log ${runDir}/access.log combined;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65s;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
  }
}
`;
  await writeFile(path.join(runDir, 'nginx.conf'), config);
  const child: ChildProcess = spawn(
    engines().nginxBin,
    ['-p', runDir, '-c', path.join(runDir, 'nginx.conf'), '-e', path.join(runDir, 'error.log'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (
    !(await fetch(`${url}/`).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('plain nginx did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

export function kafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: engines().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
}

/** Deletes Pictor's topics, so that a measurement starts on empty ones (the targets recreate them). */
export async function resetTopics(): Promise<void> {
  const admin = kafka('pictor-bench-admin').admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) => t.startsWith('pictor.images.'));
    if (existing.length > 0) {
      await admin.deleteTopics({ topics: existing, timeout: 30_000 });
      // Deletion is asynchronous in the broker: wait until the names are gone.
      const deadline = Date.now() + 30_000;
      while ((await admin.listTopics()).some((t) => existing.includes(t)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** One pg client for the bench's own queries. */
export async function sql(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The duration scale of a run: BENCH_QUICK=1 for a short development run. */
export const QUICK = process.env.BENCH_QUICK === '1';
export const seconds = (full: number, quick = Math.max(1, Math.round(full / 4))) => (QUICK ? quick : full);
