import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readState } from '@pictor/test-engines';
import { freePorts } from './processes.js';

/** One MinIO server of a test file's own, on a loopback port, with its own drive and root user. */
export interface MinioSite {
  name: string;
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  running(): boolean;
  /** SIGKILL (a crash) or SIGTERM; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and drive. */
  start(): Promise<void>;
}

/** The MinIO binary the test engines provisioned (the integration globalSetup's state file). */
function minioBinary(): string {
  const statePath = process.env.PICTOR_ENGINES_STATE;
  if (!statePath) throw new Error('PICTOR_ENGINES_STATE is unset: run as an integration test (jest globalSetup)');
  const command = readState(statePath).engines.minio?.start.command;
  if (!command) throw new Error('the test engines did not start MinIO, so there is no binary for extra sites');
  return command;
}

async function waitReady(endpoint: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`MinIO exited with ${child.exitCode}; see ${logFile}`);
    const ok = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`MinIO at ${endpoint} was not ready within 60 s; see ${logFile}`);
}

/**
 * Starts `names.length` MinIO servers on loopback for one test file (beside the shared one of the
 * globalSetup) and returns them with `stopAll()`; each can be stopped and started again.
 */
export async function startMinioSites(
  names: readonly string[],
): Promise<{ sites: MinioSite[]; stopAll(): Promise<void> }> {
  const binary = minioBinary();
  const root = mkdtempSync(join(tmpdir(), 'pictor-minio-sites-'));
  const ports = await freePorts(names.length * 2);
  const sites = names.map((name, index): MinioSite => {
    const port = ports[index * 2]!;
    const consolePort = ports[index * 2 + 1]!;
    const home = join(root, name);
    const logFile = join(root, `${name}.log`);
    const accessKey = `pictor-${name}`;
    const secretKey = randomBytes(18).toString('hex');
    const endpoint = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined;
    const site: MinioSite = {
      name,
      endpoint,
      port,
      accessKey,
      secretKey,
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      async start() {
        if (site.running()) return;
        const out = openSync(logFile, 'a');
        child = spawn(
          binary,
          [
            'server',
            join(home, 'data'),
            '--address',
            `127.0.0.1:${port}`,
            '--console-address',
            `127.0.0.1:${consolePort}`,
          ],
          {
            env: {
              PATH: process.env.PATH,
              HOME: home,
              MINIO_ROOT_USER: accessKey,
              MINIO_ROOT_PASSWORD: secretKey,
              MINIO_BROWSER: 'off',
              MINIO_UPDATE: 'off',
              MINIO_CI_CD: 'on',
            },
            stdio: ['ignore', out, out],
          },
        );
        await waitReady(endpoint, child, logFile);
      },
      async stop(signal = 'SIGTERM') {
        const running = child;
        if (!running || !site.running()) return;
        const exited = once(running, 'exit');
        running.kill(signal);
        await exited;
      },
    };
    return site;
  });
  try {
    await Promise.all(sites.map((s) => s.start()));
  } catch (error) {
    await Promise.all(sites.map((s) => s.stop('SIGKILL')));
    throw error;
  }
  return {
    sites,
    async stopAll() {
      await Promise.all(sites.map((s) => s.stop('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
