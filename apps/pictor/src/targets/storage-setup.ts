import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '@pictor/config';
import type { Logger } from '@pictor/observability';
import { S3ObjectStore } from '@pictor/objects';

const exec = promisify(execFile);

/** Where storage-setup's probe objects go: outside `public/`, so the edge never serves them. */
export const PROBE_PREFIX = 'system/replication-probe/';

interface Site {
  name: string;
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

export interface StorageSetupReport {
  sites: { name: string; replicatedInMs: number }[];
}

/** `http://user:secret@host:port`, the form `mc` takes in MC_HOST_<alias> and --remote-bucket. */
function withCredentials(site: Site, path = ''): string {
  const url = new URL(site.endpoint);
  url.username = encodeURIComponent(site.accessKey);
  url.password = encodeURIComponent(site.secretKey);
  url.pathname = path;
  return url.toString().replace(/\/$/, '');
}

/**
 * `--target=storage-setup`, idempotent: creates the bucket on the primary and on every replica,
 * then (STORAGE_REPLICATION=minio) turns versioning on and adds a bucket replication rule from the
 * primary to each replica that has none yet, through the MinIO client. Finally writes a probe object
 * to the primary and waits until every replica serves it, or fails after STORAGE_SETUP_TIMEOUT_SECONDS.
 * Pictor never copies objects itself: the engine replicates.
 */
export async function runStorageSetup(config: Config, logger: Logger): Promise<StorageSetupReport> {
  const s3 = config.s3;
  if (!s3) throw new Error('storage-setup needs the primary S3 (S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY)');
  const primary: Site = { name: 'primary', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey };
  const replicas: Site[] = config.replicas.sites.map((r) => ({
    name: r.name,
    endpoint: r.endpoint,
    accessKey: r.accessKey ?? s3.accessKey,
    secretKey: r.secretKey ?? s3.secretKey,
  }));
  const stores = new Map(
    [primary, ...replicas].map((site) => [
      site.name,
      new S3ObjectStore({ ...site, bucket: s3.bucket, region: s3.region }),
    ]),
  );
  for (const [name, store] of stores) {
    await store.init();
    logger.info('bucket ready', { site: name, bucket: s3.bucket });
  }

  if (config.storageSetup.replication === 'minio' && replicas.length > 0) {
    const home = await mkdtemp(join(tmpdir(), 'pictor-mc-'));
    try {
      const mc = async (args: string[]) => {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, MC_CONFIG_DIR: join(home, '.mc') };
        for (const site of [primary, ...replicas])
          env[`MC_HOST_${site.name.replace(/-/g, '_')}`] = withCredentials(site);
        const { stdout } = await exec(config.storageSetup.mcPath, ['--no-color', '--json', ...args], {
          env,
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        return stdout;
      };
      const alias = (site: Site) => `${site.name.replace(/-/g, '_')}/${s3.bucket}`;
      for (const site of [primary, ...replicas]) await mc(['version', 'enable', alias(site)]);
      const existing = await mc(['replicate', 'status', alias(primary)]).catch(() => '');
      for (const [index, replica] of replicas.entries()) {
        const host = new URL(replica.endpoint).host;
        if (
          existing.includes(`"${host}"`) ||
          existing.includes(`//${host}`) ||
          existing.includes(`${host}/${s3.bucket}`)
        ) {
          logger.info('replication already set up', { site: replica.name });
          continue;
        }
        await mc([
          'replicate',
          'add',
          alias(primary),
          '--remote-bucket',
          withCredentials(replica, `/${s3.bucket}`),
          '--replicate',
          'delete,delete-marker,existing-objects',
          '--priority',
          String(index + 1),
        ]);
        logger.info('replication set up', { from: 'primary', to: replica.name });
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  const report: StorageSetupReport = { sites: [] };
  if (replicas.length === 0) return report;
  const key = `${PROBE_PREFIX}${new Date().toISOString()}-${randomBytes(6).toString('hex')}`;
  const body = randomBytes(32);
  const primaryStore = stores.get('primary')!;
  const started = Date.now();
  await primaryStore.put(key, body, 'application/octet-stream');
  try {
    const deadline = started + config.storageSetup.timeoutMs;
    await Promise.all(
      replicas.map(async (replica) => {
        const store = stores.get(replica.name)!;
        for (;;) {
          const got = await store.get(key).catch(() => null);
          if (got) {
            const chunks: Buffer[] = [];
            for await (const chunk of got.body) chunks.push(chunk as Buffer);
            if (Buffer.concat(chunks).equals(body)) break;
          }
          if (Date.now() > deadline) {
            throw new Error(
              `replica ${replica.name} did not receive the probe object within ${config.storageSetup.timeoutMs / 1000} s: check replication from the primary to ${replica.endpoint}`,
            );
          }
          await new Promise((r) => setTimeout(r, 250));
        }
        const replicatedInMs = Date.now() - started;
        report.sites.push({ name: replica.name, replicatedInMs });
        logger.info('replica verified', { site: replica.name, replicatedInMs });
      }),
    );
  } finally {
    await primaryStore.delete([key]).catch((error: unknown) => logger.warn('probe not deleted', { key, error }));
  }
  return report;
}
