#!/usr/bin/env node
// Usage (from the repository root, with Node 24: node_modules/.bin/node):
//   node scripts/engines/cli.mjs provision          fetch/install/build every engine into the cache
//   node scripts/engines/cli.mjs up [--only a,b]    start them, print `export VAR=value` lines, run until SIGINT/SIGTERM
//   node scripts/engines/cli.mjs check [--only a,b] start them, print versions, prove they work, stop them
// See docs/TEST-ENGINES.md.

import { readdirSync as fsReaddir, readFileSync } from 'node:fs';

import {
  ALL_ENGINES,
  createTestDatabase,
  defaultLog as log,
  engineVersions,
  exportLines,
  kafkaRoundTrip,
  pidAlive,
  provisionEngines,
  readState,
  startEngines,
} from './engines.mjs';

const [command, ...rest] = process.argv.slice(2);
const onlyIndex = rest.indexOf('--only');
const only = onlyIndex >= 0 ? rest[onlyIndex + 1] : undefined;
const fsRead = (path) => readFileSync(path, 'utf8');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function provision() {
  const started = Date.now();
  const paths = await provisionEngines({ log, only });
  for (const [key, value] of Object.entries(paths)) console.log(`${key.padEnd(12)} ${value}`);
  log(`provisioned in ${seconds(Date.now() - started)}`);
}

async function up() {
  // Handlers first, so that startEngines leaves signal handling to us.
  let stopping = null;
  /** @type {Awaited<ReturnType<typeof startEngines>> | null} */
  let set = null;
  const shutdown = (signal) => {
    if (stopping) return;
    log(`${signal}: stopping engines`);
    stopping = (set ? set.stop() : Promise.resolve()).then(
      () => process.exit(0),
      (error) => {
        log(String(error?.stack ?? error));
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(signal));
  set = await startEngines({ log, only });
  if (stopping) return;
  for (const line of exportLines(set.env)) console.log(line);
  log('engines are up; press Ctrl-C (or send SIGTERM) to stop them');
  setInterval(() => undefined, 1 << 30); // keep running until a signal arrives
}

async function check() {
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
    log(`check failed: ${error?.stack ?? error}`);
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
function rssMiB(pid) {
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

const commands = { provision, up, check };
if (!commands[command]) {
  console.error(`usage: node scripts/engines/cli.mjs <provision|up|check> [--only ${ALL_ENGINES.join(',')}]`);
  process.exit(2);
}
commands[command]().catch((error) => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
