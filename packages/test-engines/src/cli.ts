// Usage (from the repository root, with Node 24: node_modules/.bin on PATH):
//   npm run engines -- provision          fetch/install/build every engine into the cache
//   npm run engines -- up [--only a,b]    start them, print `export VAR=value` lines, run until SIGINT/SIGTERM
//   npm run engines -- check [--only a,b] start them, print versions, prove they work, stop them
// `npm run engines` runs this file as it is (`node packages/test-engines/src/cli.ts`): no build
// needed. See docs/TEST-ENGINES.md.

import { readdirSync as fsReaddir, readFileSync } from 'node:fs';
import { defaultLog as log } from './common.ts';
import { startEngines, type EngineSet } from './engine-set.ts';
import { kafkaRoundTrip } from './kafka.ts';
import { ALL_ENGINES } from './names.ts';
import { createTestDatabase } from './postgres.ts';
import { pidAlive } from './process.ts';
import { provisionEngines } from './provisioning.ts';
import { engineVersions, exportLines } from './report.ts';
import { readState } from './state.ts';

const [command, ...rest] = process.argv.slice(2);
const onlyIndex = rest.indexOf('--only');
const only = onlyIndex >= 0 ? rest[onlyIndex + 1] : undefined;
const fsRead = (path: string): string => readFileSync(path, 'utf8');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const stackOf = (error: unknown): string => String((error as Error | undefined)?.stack ?? error);

async function provision(): Promise<void> {
  const started = Date.now();
  const paths = await provisionEngines({ log, only });
  for (const [key, value] of Object.entries(paths)) console.log(`${key.padEnd(12)} ${value}`);
  log(`provisioned in ${seconds(Date.now() - started)}`);
}

async function up(): Promise<void> {
  // Handlers first, so that startEngines leaves signal handling to us.
  let stopping: Promise<void> | null = null;
  let set: EngineSet | null = null;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    log(`${signal}: stopping engines`);
    stopping = (set ? set.stop() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        log(stackOf(error));
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  set = await startEngines({ log, only });
  if (stopping) return;
  for (const line of exportLines(set.env)) console.log(line);
  log('engines are up; press Ctrl-C (or send SIGTERM) to stop them');
  setInterval(() => undefined, 1 << 30); // keep running until a signal arrives
}

async function check(): Promise<void> {
  const t0 = Date.now();
  const set = await startEngines({ log, only });
  const startMs = Date.now() - t0;
  let failed = false;
  try {
    const versions = await engineVersions(set.statePath);
    for (const [name, version] of Object.entries(versions)) console.log(`${name.padEnd(11)} ${version}`);
    const { env } = set;
    if (env.DATABASE_URL) {
      const db = await createTestDatabase(env.DATABASE_URL);
      await db.drop();
      console.log(`postgres    createTestDatabase/drop ok (${db.name})`);
    }
    if (env.KAFKA_BROKERS) {
      const t = Date.now();
      await kafkaRoundTrip(env.KAFKA_BROKERS);
      console.log(`kafka       kafkajs round trip (produce, group consume, commit) ok in ${seconds(Date.now() - t)}`);
    }
    console.log(
      `timings     ${Object.entries(set.timings)
        .map(([k, v]) => `${k} ${seconds(v)}`)
        .join(', ')}`,
    );
    const state = readState(set.statePath);
    const rss = Object.values(state.engines).map((record) => `${record.name} ${rssMiB(record.pid)} MiB`);
    console.log(`memory      ${rss.join(', ')} (RSS incl. process group)`);
  } catch (error) {
    failed = true;
    log(`check failed: ${stackOf(error)}`);
  } finally {
    const state = readState(set.statePath);
    const t = Date.now();
    await set.stop();
    console.log(`stop        ${seconds(Date.now() - t)}`);
    const left = Object.values(state.engines).filter((record) => pidAlive(record.pid));
    if (left.length > 0) {
      failed = true;
      log(`still running after stop: ${left.map((record) => `${record.name} (pid ${record.pid})`).join(', ')}`);
    }
  }
  console.log(`check       ${failed ? 'FAILED' : 'ok'} (start ${seconds(startMs)}, total ${seconds(Date.now() - t0)})`);
  process.exitCode = failed ? 1 : 0;
}

/** RSS (MiB) of a process and every process in its group. */
function rssMiB(pid: number | null): number {
  if (!pid) return 0;
  let total = 0;
  for (const entry of fsReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fsRead(`/proc/${entry}/stat`);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pid && Number(entry) !== pid) continue;
      const rss = fsRead(`/proc/${entry}/status`).match(/VmRSS:\s+(\d+) kB/);
      total += rss ? Number(rss[1]) : 0;
    } catch {
      // process went away
    }
  }
  return Math.round(total / 1024);
}

const commands: Record<string, () => Promise<void>> = { provision, up, check };
const run = command === undefined ? undefined : commands[command];
if (!run) {
  console.error(`usage: npm run engines -- <provision|up|check> [--only ${ALL_ENGINES.join(',')}]`);
  process.exit(2);
}
run().catch((error: unknown) => {
  log(stackOf(error));
  process.exit(1);
});
