// Debian packages of the engines: installed (as root) when missing, their services stopped.

import * as fs from 'node:fs';
import { IS_ROOT, type Log } from './common.ts';
import { CHROMIUM_DEBIAN } from './chromium.ts';
import { DOCKER_DEBIAN } from './docker.ts';
import { KAFKA_DEBIAN } from './kafka.ts';
import type { EngineName } from './names.ts';
import { NGINX_DEBIAN } from './nginx.ts';
import { POSTGRES_DEBIAN } from './postgres.ts';
import { run, runOk } from './process.ts';
import { PROMETHEUS_DEBIAN } from './prometheus.ts';
import { REDIS_DEBIAN } from './redis.ts';
import { SCHEMATHESIS_DEBIAN } from './schemathesis.ts';
import type { DebianRequirement } from './server.ts';

/** Debian packages, per engine: what to install and how to find it afterwards. */
const DEBIAN: DebianRequirement[] = [
  ...POSTGRES_DEBIAN,
  ...REDIS_DEBIAN,
  ...NGINX_DEBIAN,
  ...PROMETHEUS_DEBIAN,
  ...CHROMIUM_DEBIAN,
  ...DOCKER_DEBIAN,
  ...SCHEMATHESIS_DEBIAN,
  ...KAFKA_DEBIAN,
];

/** Debian services that installing the packages may start, with their pid files. */
const DEBIAN_SERVICES = [
  { service: 'nginx', pidFiles: ['/run/nginx.pid'] },
  { service: 'redis-server', pidFiles: ['/run/redis/redis-server.pid', '/var/run/redis/redis-server.pid'] },
  { service: 'postgresql', pidFiles: [] },
  { service: 'prometheus', pidFiles: ['/run/prometheus/prometheus.pid'] },
];

export async function provisionDebian(wanted: EngineName[], log: Log): Promise<void> {
  const missing = DEBIAN.filter((entry) => wanted.includes(entry.engine) && !entry.find());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((entry) => entry.packages))];
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!IS_ROOT) {
    throw new Error(
      `missing engine(s): ${missing.map((entry) => `${entry.what} (Debian package ${entry.packages.join(', ')})`).join('; ')}.\n` +
        `Install as root:  sudo sh -c '${command}'`,
    );
  }
  log(`installing Debian packages: ${packages.join(' ')}`);
  const started = Date.now();
  await runOk('apt-get', ['update'], { timeoutMs: 600_000 });
  await runOk('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 1_200_000,
  });
  log(`installed ${packages.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Installing may have started the system services: the tests want none of them listening.
  for (const { service, pidFiles } of DEBIAN_SERVICES) {
    await run('service', [service, 'stop'], { timeoutMs: 60_000 }).catch(() => undefined);
    for (const pidFile of pidFiles) {
      try {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        if (pid) process.kill(pid, 'SIGTERM');
      } catch {
        // not running
      }
    }
  }
  for (const entry of missing) {
    if (!entry.find()) throw new Error(`${entry.what} still missing after installing ${entry.packages.join(' ')}`);
  }
}
