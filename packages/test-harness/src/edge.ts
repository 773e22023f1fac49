import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoPath } from '@pictor/test-engines';
import { freePort } from './processes.js';

const TEMPLATE = repoPath('charts/pictor/files/nginx.conf.template');

/** Fills every `${NAME}` of the edge template; a placeholder left unset is an error. */
export async function renderEdgeConfig(values: Record<string, string>): Promise<string> {
  const template = await readFile(TEMPLATE, 'utf8');
  const missing = new Set<string>();
  const rendered = template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? '';
  });
  if (missing.size > 0) throw new Error(`Edge template placeholders without a value: ${[...missing].join(', ')}`);
  return rendered;
}

export interface Edge {
  url: string;
  runDir: string;
  accessLog: string;
  stop(): Promise<void>;
}

/** The chart's defaults for the edge's cache of direct links (values `edge.cache.*`). */
export const EDGE_CACHE_DEFAULTS = { valid: '10s', maxSize: '512m' };

/** Runs Debian's NGINX with the chart's edge configuration in front of the api and S3. */
export async function startEdge(options: {
  nginxBin: string;
  apiPort: number;
  s3Endpoint: string;
  bucket: string;
  /** How long a direct link is served from the edge's cache (NGINX time); the chart's default unless set. */
  cacheValid?: string;
}): Promise<Edge> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'pictor-edge-'));
  const port = await freePort();
  const s3 = new URL(options.s3Endpoint);
  const accessLog = path.join(runDir, 'access.log');
  const config = await renderEdgeConfig({
    LISTEN: `127.0.0.1:${port}`,
    API_UPSTREAM: `127.0.0.1:${options.apiPort}`,
    S3_UPSTREAM: s3.host,
    S3_HOST: s3.host,
    S3_BUCKET: options.bucket,
    MAX_BODY_SIZE: '100m',
    RUN_DIR: runDir,
    ERROR_LOG: path.join(runDir, 'error.log'),
    ACCESS_LOG: accessLog,
    WORKER_PROCESSES: '1',
    REAL_IP_FROM: '127.0.0.1/32',
    CLIENT_BODY_TIMEOUT: '20s',
    CACHE_VALID: options.cacheValid ?? EDGE_CACHE_DEFAULTS.valid,
    CACHE_MAX_SIZE: EDGE_CACHE_DEFAULTS.maxSize,
  });
  // Started as root, NGINX's workers drop to an unprivileged user (the chart runs all of it as
  // one): they keep the cache of direct links under RUN_DIR, so it must be writable to them.
  await chmod(runDir, 0o777);
  const configFile = path.join(runDir, 'nginx.conf');
  await writeFile(configFile, config);
  const child: ChildProcess = spawn(
    options.nginxBin,
    ['-p', runDir, '-c', configFile, '-e', path.join(runDir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/edge/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null)
      throw new Error(
        `nginx exited with ${child.exitCode}: ${await readFile(path.join(runDir, 'error.log'), 'utf8').catch(() => '')}`,
      );
    if (Date.now() > deadline) throw new Error('nginx did not come up within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    runDir,
    accessLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(runDir, { recursive: true, force: true });
    },
  };
}
