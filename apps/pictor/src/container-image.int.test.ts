import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import sharp from 'sharp';
import { createTestDatabase, freePorts } from '@pictor/test-engines';
import { startDockerEngine, type DockerEngine } from '@pictor/test-harness/docker';
import { NODE_FLAGS } from './node-options.js';

/**
 * The container image, built from the Dockerfile as it ships, and run as Kubernetes runs it:
 * read-only root, its own non-root user, a writable /tmp only. No registry is reachable, so the
 * base is a local stand-in for node:<version>-trixie-slim (Debian 13 from debootstrap, Node.js and
 * npm from npm), made by the engines' provisioning and given as the Dockerfile's base arguments.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BASE = 'pictor-test/base:local';
const IMAGE = 'pictor-test/pictor:test';

let engine: DockerEngine;
const timings: Record<string, number> = {};

beforeAll(async () => {
  const tar = process.env.PICTOR_IMAGE_BASE_TAR;
  if (!tar)
    throw new Error('PICTOR_IMAGE_BASE_TAR is not set: the engines provision the image base (docs/TEST-ENGINES.md)');
  let started = Date.now();
  engine = await startDockerEngine();
  timings.engine = Date.now() - started;

  started = Date.now();
  await engine.dockerOk([
    'import',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // npm in the build trusts what this machine trusts.
    '--change',
    'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/pictor/machine-ca.crt',
    '--change',
    'CMD ["node"]',
    tar,
    BASE,
  ]);
  timings.importBase = Date.now() - started;

  started = Date.now();
  await engine.dockerOk(
    [
      'build',
      '--network',
      'host',
      '--build-arg',
      `BUILD_BASE=${BASE}`,
      '--build-arg',
      `RUNTIME_BASE=${BASE}`,
      '--build-arg',
      'VERSION=0.0.0-test',
      '--tag',
      IMAGE,
      REPO,
    ],
    { timeoutMs: 1_500_000 },
  );
  timings.build = Date.now() - started;
}, 1_800_000);

afterAll(async () => {
  process.stderr.write(
    `[image] engine ${timings.engine} ms, base ${timings.importBase} ms, build ${timings.build} ms\n`,
  );
  await engine?.stop();
}, 180_000);

/** What a running container holds: its user and Node.js, and no devDependency, test package, benchmark, source or compiler. */
const PROBE = [
  'id -u',
  'node --version',
  'for p in typescript jest @swc/core eslint playwright-core vite; do test -e /app/node_modules/$p && echo "dev: $p"; done',
  'find /app/apps /app/packages -mindepth 2 -maxdepth 2 -name src -print',
  'for p in testing test-engines test-harness; do test -e /app/packages/$p -o -e /app/node_modules/@pictor/$p && echo "test package: $p"; done',
  'test -e /app/apps/bench -o -e /app/node_modules/@pictor/bench && echo "bench"',
  'for t in gcc g++ make python3 git; do command -v $t >/dev/null && echo "tool: $t"; done',
  'test -f /app/apps/pictor/dist/main.js && echo main',
  'test -f /app/apps/web/dist/index.html && echo web',
  `awk '$2 == "/" { split($4, o, ","); print o[1] }' /proc/mounts | grep -qx ro && echo "read-only /"`,
].join('; ');

/** Runs the image, as its own user, read-only, on the host's loopback. */
function runArgs(env: Record<string, string>, ...rest: string[]): string[] {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  return ['run', '--network', 'host', '--read-only', '--tmpfs', '/tmp', ...envArgs, ...rest];
}

async function waitForReady(url: string, container: string): Promise<unknown> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const body = await fetch(`${url}/readyz`)
      .then((res) => (res.ok ? res.json() : null))
      .catch(() => null);
    if (body) return body;
    if (Date.now() > deadline) {
      const logs = await engine.docker(['logs', '--tail', '40', container]);
      throw new Error(`the container never answered /readyz:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('the container image', () => {
  it('when it runs read-only as its own user on loopback, then it is ready, takes an upload, serves its direct link and holds no dev dependency', async () => {
    const [port, metricsPort] = await freePorts(2);
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', PUBLIC_URL: url };
    const container = (await engine.dockerOk(runArgs(env, '--detach', IMAGE))).stdout.trim();
    try {
      expect(await waitForReady(url, container)).toMatchObject({ status: 'ready' });

      const original = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3366aa' } })
        .png()
        .toBuffer();
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(original)], { type: 'image/png' }), 'blue.png');
      const res = await fetch(`${url}/api/v1/images`, { method: 'POST', body: form });
      expect(res.status).toBe(201);
      const { images } = (await res.json()) as { images: { links: { direct: string } }[] };
      const direct = images[0]!.links.direct;
      expect(direct.startsWith(`${url}/i/`)).toBe(true);

      const served = await fetch(direct);
      expect(served.status).toBe(200);
      const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
      expect({ width: meta.width, height: meta.height }).toEqual({ width: 320, height: 200 });

      // Inside the running container (one container less to create on vfs): who runs, and what is not there.
      const probe = await engine.dockerOk(['exec', container, '/bin/sh', '-c', PROBE]);
      const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'))?.[1];
      expect(probe.stdout.trim().split('\n')).toEqual(['10001', `v${nodeVersion}`, 'main', 'web', 'read-only /']);
    } finally {
      await engine.docker(['rm', '--force', container]);
    }
  }, 300_000);

  it('when the image is inspected, then it runs as user 10001 under tini', async () => {
    const inspect = await engine.dockerOk([
      'image',
      'inspect',
      '--format',
      '{{.Config.User}} {{json .Config.Entrypoint}} {{.Size}}',
      IMAGE,
    ]);
    const [user, entrypoint, size] = inspect.stdout.trim().split(' ');
    expect(user).toBe('10001:10001');
    expect(entrypoint).toBe(
      JSON.stringify(['/usr/bin/tini', '--', 'node', ...NODE_FLAGS, '/app/apps/pictor/dist/main.js']),
    );
    process.stderr.write(`[image] ${IMAGE}: ${(Number(size) / 1e6).toFixed(0)} MB\n`);
  });

  it('when --target=migrate runs against PostgreSQL, then it exits 0 and the schema is in place', async () => {
    const db = await createTestDatabase(process.env.DATABASE_URL!);
    try {
      const result = await engine.docker(runArgs({ DATABASE_URL: db.url }, '--rm', IMAGE, '--target=migrate'), {
        timeoutMs: 180_000,
      });
      expect({ code: result.code, output: result.code === 0 ? '' : result.stdout + result.stderr }).toEqual({
        code: 0,
        output: '',
      });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        expect(rows[0]!.n).toBeGreaterThan(0);
        const images = await client.query("SELECT to_regclass('public.images') AS t");
        expect(images.rows[0]).toEqual({ t: 'images' });
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  }, 300_000);
});
