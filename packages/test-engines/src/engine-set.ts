// Starting and stopping a whole set of engines, and attaching to one started elsewhere.

import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { defaultLog, type Log } from './common.ts';
import { engineControl } from './control.ts';
import { launchAndWait, SERVERS } from './launch.ts';
import { normalizeOnly, SERVER_ENGINES, type ServerEngineName } from './names.ts';
import { pgQuery } from './postgres.ts';
import { exists, freePorts, pidAlive, signalEngine, writeJsonAtomic } from './process.ts';
import { provisionEngines } from './provisioning.ts';
import { mainPort, ownsPid, readState, type EngineEnv, type EngineRecord, type EngineState } from './state.ts';

export interface EngineSet {
  env: EngineEnv;
  statePath: string;
  dir: string;
  /** ms until each engine was ready, and `total`. */
  timings: Record<string, number>;
  /** Stops every engine (including ones restarted by other processes) and removes the directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  only?: Iterable<string> | string | undefined;
  log?: Log;
  baseDir?: string;
}

/** Sets started by this process, cleaned up best-effort when it exits. */
const active = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, statePath] of active) killSetSync(dir, statePath);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]) {
    // Only when nobody else handles the signal: clean up, then die of it as usual.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      for (const [dir, statePath] of active) killSetSync(dir, statePath);
      active.clear();
      process.kill(process.pid, signal);
    });
  }
}

/** Synchronous best-effort stop of a set (for `exit` handlers): graceful, then SIGKILL. */
function killSetSync(dir: string, statePath: string): void {
  let records: EngineRecord[] = [];
  try {
    records = Object.values(readState(statePath).engines);
  } catch {
    // state not written yet
  }
  const live = records.filter((record) => record.pid && ownsPid(record));
  for (const record of live) {
    // PostgreSQL: immediate shutdown (SIGQUIT) still releases its shared memory.
    signalEngine(record.pid as number, record.name === 'postgres' ? 'SIGQUIT' : 'SIGKILL', {
      group: record.name !== 'postgres',
    });
  }
  const deadline = Date.now() + 5000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (live.some((record) => pidAlive(record.pid)) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
  for (const record of live) if (pidAlive(record.pid)) signalEngine(record.pid as number, 'SIGKILL');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/**
 * Provisions (if needed) and starts the engines in a fresh temporary directory on free loopback
 * ports, in parallel, and waits until each really answers.
 */
export async function startEngines({ only, log = defaultLog, baseDir }: StartOptions = {}): Promise<EngineSet> {
  const names = normalizeOnly(only);
  const paths = await provisionEngines({ log, only: names });
  const parent = baseDir ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const dir = await fsp.mkdtemp(join(parent, 'pictor-engines-'));
  // The postgres user must be able to reach its own directory inside.
  fs.chmodSync(dir, 0o755);
  const statePath = join(dir, 'engines.json');
  const servers = SERVER_ENGINES.filter((name) => names.includes(name));
  const allPorts = await freePorts(servers.reduce((sum, name) => sum + SERVERS[name].portsNeeded, 0));

  const state: EngineState = {
    version: 1,
    dir,
    ownerPid: process.pid,
    env: {} as EngineEnv,
    engines: {},
    binaries: {},
  };
  writeJsonAtomic(statePath, state);
  installExitHook();
  active.set(dir, statePath);

  const timings: Record<string, number> = {};
  const started = Date.now();
  let offset = 0;
  const jobs = servers.map((name) => {
    const ports = allPorts.slice(offset, (offset += SERVERS[name].portsNeeded)) as [number, number];
    return (async () => {
      const t0 = Date.now();
      const record = await SERVERS[name].prepare({ dir, ports, paths, log });
      state.engines[name] = record;
      // Recorded before launching (launchAndWait sets record.pid at once), so a failed start is cleaned up too.
      await launchAndWait(record);
      writeJsonAtomic(statePath, state);
      const ms = (timings[name] = Date.now() - t0);
      log(`${name} ready on port ${mainPort(record)} in ${(ms / 1000).toFixed(1)} s`);
    })();
  });
  // Keep the state file current while engines come up (pids appear as they launch).
  const sync = setInterval(() => writeJsonAtomic(statePath, state), 250);
  const results = await Promise.allSettled(jobs);
  clearInterval(sync);
  writeJsonAtomic(statePath, state);

  const set: EngineSet = {
    env: {} as EngineEnv,
    statePath,
    dir,
    timings,
    stop: async () => {
      if (!active.has(dir)) return;
      await stopSet(statePath, log);
      active.delete(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${servers[index]}: ${reasonOf(result)}`] : [],
  );
  if (failures.length > 0) {
    await set.stop().catch(() => undefined);
    throw new Error(`engines failed to start:\n${failures.join('\n\n')}`);
  }
  const total = (timings.total = Date.now() - started);

  const env = set.env;
  const { postgres, redis, kafka, minio } = state.engines;
  if (postgres) {
    await pgQuery(postgres, 'CREATE DATABASE pictor');
    env.DATABASE_URL = `postgres://postgres@127.0.0.1:${postgres.ports.postgres}/pictor`;
    env.PICTOR_PG_BIN_DIR = paths.pgBinDir;
  }
  if (redis) env.REDIS_URL = `redis://127.0.0.1:${redis.ports.redis}`;
  if (kafka) env.KAFKA_BROKERS = `127.0.0.1:${kafka.ports.plaintext}`;
  if (minio) {
    env.S3_ENDPOINT = `http://127.0.0.1:${minio.ports.api}`;
    env.S3_BUCKET = 'pictor';
    env.S3_ACCESS_KEY = minio.start.env.MINIO_ROOT_USER;
    env.S3_SECRET_KEY = minio.start.env.MINIO_ROOT_PASSWORD;
    env.S3_REGION = 'us-east-1';
  }
  if (paths.nginx) env.PICTOR_NGINX_BIN = paths.nginx;
  if (paths.mc) env.PICTOR_MC_BIN = paths.mc;
  if (paths.prometheus) env.PICTOR_PROMETHEUS_BIN = paths.prometheus;
  if (paths.promtool) env.PICTOR_PROMTOOL_BIN = paths.promtool;
  if (paths.chromium) env.PICTOR_CHROMIUM_BIN = paths.chromium;
  if (paths.dockerd) env.PICTOR_DOCKERD_BIN = paths.dockerd;
  if (paths.docker) env.PICTOR_DOCKER_BIN = paths.docker;
  if (paths.imageBase) env.PICTOR_IMAGE_BASE_TAR = paths.imageBase;
  if (paths.schemathesis) env.PICTOR_SCHEMATHESIS_BIN = paths.schemathesis;
  if (paths.kubernetesBin) env.PICTOR_KUBERNETES_BIN_DIR = paths.kubernetesBin;
  if (paths.kubernetesCrds) env.PICTOR_KUBERNETES_CRDS_DIR = paths.kubernetesCrds;
  env.PICTOR_ENGINES_STATE = statePath;
  state.env = env;
  state.binaries = Object.fromEntries(Object.entries(paths).filter(([key]) => key !== 'cacheDir'));
  writeJsonAtomic(statePath, state);
  log(`engines ready in ${(total / 1000).toFixed(1)} s (state: ${statePath})`);
  return set;
}

/** Stops every engine recorded in a state file (whoever started it). Leaves the directory. */
export async function stopSet(statePath: string, log: Log = defaultLog): Promise<void> {
  const control = engineControl(statePath);
  const names = Object.keys(readState(statePath).engines) as ServerEngineName[];
  const results = await Promise.allSettled(names.map((name) => control.stop(name)));
  results.forEach((result, index) => {
    if (result.status === 'rejected') log(`stopping ${names[index]}: ${reasonOf(result)}`);
  });
}

/**
 * Environment of an already running set (engines started with `npm run engines -- up`), after
 * checking that each of its server engines answers.
 */
export async function attachEngines(statePath: string): Promise<EngineEnv> {
  if (!exists(statePath))
    throw new Error(`PICTOR_ENGINES_STATE=${statePath} does not exist (are the engines still up?)`);
  const state = readState(statePath);
  const control = engineControl(statePath);
  const down: ServerEngineName[] = [];
  for (const name of Object.keys(state.engines) as ServerEngineName[])
    if (!(await control.isRunning(name))) down.push(name);
  if (down.length > 0) {
    throw new Error(
      `PICTOR_ENGINES_STATE=${statePath}: engine(s) not running: ${down.join(', ')}. Restart them with \`npm run engines -- up\`.`,
    );
  }
  return state.env;
}

/** The message of a rejected promise's reason (or the reason itself). */
function reasonOf(result: PromiseRejectedResult): string {
  const reason: unknown = result.reason;
  return (reason as { message?: string } | null | undefined)?.message ?? String(reason);
}
