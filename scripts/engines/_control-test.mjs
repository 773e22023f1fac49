import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { engineControl, kafkaRoundTrip, readState, startEngines, pidAlive } from './engines.mjs';
const require = createRequire(new URL('../../package.json', import.meta.url));
const t = () => new Date().toISOString().slice(11, 23);

if (process.argv[2] === 'child') {
  const statePath = process.env.PICTOR_ENGINES_STATE;
  const ctl = engineControl(statePath);
  const pg = require('pg');
  const sel = async () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    const r = await c.query('SELECT count(*)::int AS n FROM t');
    await c.end();
    return r.rows[0].n;
  };
  // data that must survive restarts
  {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query('CREATE TABLE t (x int)');
    await c.query('INSERT INTO t VALUES (1),(2)');
    await c.end();
  }
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    // an open connection during the stop, as a test's pool would have
    const held = new pg.Client({ connectionString: process.env.DATABASE_URL });
    held.on('error', () => {});
    await held.connect();
    let s = Date.now();
    await ctl.stop('postgres', { signal });
    console.log(t(), `postgres stop ${signal}`, Date.now() - s, 'ms; running:', await ctl.isRunning('postgres'));
    s = Date.now();
    await ctl.start('postgres');
    console.log(
      t(),
      'postgres start',
      Date.now() - s,
      'ms; running:',
      await ctl.isRunning('postgres'),
      'rows:',
      await sel(),
    );
    await held.end().catch(() => {});
  }
  for (const signal of ['SIGKILL', 'SIGTERM']) {
    let s = Date.now();
    await ctl.stop('kafka', { signal });
    console.log(t(), `kafka stop ${signal}`, Date.now() - s, 'ms; running:', await ctl.isRunning('kafka'));
    s = Date.now();
    await ctl.start('kafka');
    console.log(t(), 'kafka start', Date.now() - s, 'ms; running:', await ctl.isRunning('kafka'));
    s = Date.now();
    await kafkaRoundTrip(process.env.KAFKA_BROKERS);
    console.log(t(), 'kafka round trip', Date.now() - s, 'ms');
  }
  for (const name of ['redis', 'minio']) {
    let s = Date.now();
    await ctl.stop(name, { signal: 'SIGKILL' });
    await ctl.start(name);
    console.log(t(), name, 'kill+start', Date.now() - s, 'ms; running:', await ctl.isRunning(name));
  }
  console.log(
    'child pids',
    JSON.stringify(Object.fromEntries(Object.values(readState(statePath).engines).map((r) => [r.name, r.pid]))),
  );
  process.exit(0);
}

const set = await startEngines({});
const before = readState(set.statePath);
const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, 'child'], {
  env: { ...process.env, ...set.env },
  stdio: 'inherit',
});
console.log('child exit', r.status);
const after = readState(set.statePath);
for (const name of Object.keys(after.engines))
  console.log(
    name,
    'pid',
    before.engines[name].pid,
    '->',
    after.engines[name].pid,
    'same ports:',
    JSON.stringify(before.engines[name].ports) === JSON.stringify(after.engines[name].ports),
  );
const s = Date.now();
await set.stop();
console.log('stop', Date.now() - s, 'ms');
const left = Object.values(after.engines).filter((e) => pidAlive(e.pid));
console.log(
  'left',
  left.map((e) => e.name),
);
process.exit(r.status === 0 && left.length === 0 ? 0 : 1);
