import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { loadConfig, type Config } from '@pictor/config';
import { S3ObjectStore } from '@pictor/objects';
import { silentLogger } from '@pictor/observability';
import { runStorageSetup } from './targets/storage-setup.js';
import { startMinioSites, type MinioSite } from '@pictor/test-harness/minio-sites';

/** `--target=storage-setup` against three MinIO servers of this file's own: a primary and two replicas. */
const exec = promisify(execFile);
let sites: MinioSite[];
let running: { sites: MinioSite[]; stopAll(): Promise<void> };
let config: Config;
const bucket = 'pictor';

function mcPath(): string {
  const path = process.env.PICTOR_MC_BIN;
  if (!path) throw new Error('PICTOR_MC_BIN is unset: the test engines provision the MinIO client with MinIO');
  return path;
}

function envFor(primary: MinioSite, replicas: MinioSite[], extra: Record<string, string> = {}) {
  return {
    S3_ENDPOINT: primary.endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY: primary.accessKey,
    S3_SECRET_KEY: primary.secretKey,
    S3_REPLICAS: replicas
      .map((r, i) => `${r.name}=${r.endpoint} at=${i === 0 ? 'eu' : 'na'} access=${r.accessKey} secret=${r.secretKey}`)
      .join('; '),
    MINIO_CLIENT_PATH: mcPath(),
    STORAGE_SETUP_TIMEOUT_SECONDS: '60',
    ...extra,
  };
}

function store(site: MinioSite): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: site.endpoint,
    bucket,
    accessKey: site.accessKey,
    secretKey: site.secretKey,
    region: 'us-east-1',
  });
}

async function readAll(site: MinioSite, key: string): Promise<Buffer | null> {
  const got = await store(site).get(key);
  if (!got) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of got.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function replicationRules(site: MinioSite): Promise<unknown[]> {
  const { stdout } = await exec(mcPath(), ['--json', 'replicate', 'ls', `s/${bucket}`], {
    env: {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      MC_CONFIG_DIR: `/tmp/mc-${randomBytes(4).toString('hex')}`,
      MC_HOST_s: `http://${site.accessKey}:${site.secretKey}@127.0.0.1:${site.port}`,
    },
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as { rule?: unknown })
    .filter((entry) => entry.rule !== undefined);
}

beforeAll(async () => {
  running = await startMinioSites(['main', 'eu', 'us']);
  sites = running.sites;
  const [primary, eu, us] = sites as [MinioSite, MinioSite, MinioSite];
  config = loadConfig(envFor(primary, [eu, us]), { PICTOR_TARGET: 'storage-setup' });
}, 120_000);

afterAll(async () => {
  await running.stopAll();
});

describe('pictor --target=storage-setup', () => {
  it('when run on fresh servers, then the bucket exists everywhere and the probe reached every replica', async () => {
    const report = await runStorageSetup(config, silentLogger());
    expect(report.sites.map((s) => s.name).sort()).toEqual(['eu', 'us']);
    for (const site of sites)
      expect(
        await store(site)
          .ping()
          .then(() => true),
      ).toBe(true);
  }, 120_000);

  it('when an object is written to the primary afterwards, then both replicas serve the same bytes', async () => {
    const [primary, eu, us] = sites as [MinioSite, MinioSite, MinioSite];
    const body = randomBytes(4096);
    await store(primary).put('private/written-after-setup', body, 'application/octet-stream');
    for (const replica of [eu, us]) {
      expect(
        await eventually(
          async () => (await readAll(replica, 'private/written-after-setup'))?.equals(body) ?? false,
          30_000,
        ),
      ).toBe(true);
    }
  }, 90_000);

  it('when run a second time, then it succeeds and adds no second rule per replica', async () => {
    const [primary] = sites as [MinioSite];
    const before = await replicationRules(primary);
    expect(before).toHaveLength(2);
    await runStorageSetup(config, silentLogger());
    expect(await replicationRules(primary)).toHaveLength(2);
  }, 120_000);

  it('when a replica restarts, then replication still reaches it', async () => {
    const [primary, eu] = sites as [MinioSite, MinioSite];
    await eu.stop('SIGKILL');
    await eu.start();
    const body = randomBytes(1024);
    await store(primary).put('private/after-restart', body, 'application/octet-stream');
    expect(
      await eventually(async () => (await readAll(eu, 'private/after-restart'))?.equals(body) ?? false, 60_000),
    ).toBe(true);
  }, 120_000);

  it('when replication is left to the operator and nobody set it up, then storage-setup fails naming the replica', async () => {
    const [primary] = sites as [MinioSite];
    // A bucket of its own on the same servers, with no replication rule.
    const external = loadConfig(
      {
        ...envFor(primary, sites.slice(1)),
        S3_BUCKET: 'unreplicated',
        STORAGE_REPLICATION: 'external',
        STORAGE_SETUP_TIMEOUT_SECONDS: '2',
      },
      { PICTOR_TARGET: 'storage-setup' },
    );
    await expect(runStorageSetup(external, silentLogger())).rejects.toThrow(
      /replica (eu|us) did not receive the probe object within 2 s/,
    );
  }, 60_000);
});
