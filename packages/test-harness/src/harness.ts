import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config, type SettingName } from '@pictor/config';
import { silentLogger } from '@pictor/observability';
import { startPictor, type PictorHandle } from '@pictor/pictor';

export interface TestPictor {
  url: string;
  config: Config;
  handle: PictorHandle;
  dataDir: string;
  /** Every object key in the store (the disk adapter's files). */
  objectKeys(): Promise<string[]>;
  /** Rows in a table. */
  count(table: 'images' | 'outbox'): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Boots a whole Pictor (`--target=all`, embedded adapters) in a fresh directory, on a free port,
 * or on `PORT` when given (set PUBLIC_URL to match when the links must work).
 */
export async function startTestPictor(env: Partial<Record<SettingName, string>> = {}): Promise<TestPictor> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pictor-test-'));
  const config = loadConfig(
    {},
    { PORT: '8080', HOST: '127.0.0.1', DATA_DIR: dataDir, RELAY_POLL_INTERVAL_MS: '200', ...env },
  );
  const handle = await startPictor(
    {
      ...config,
      http: { ...config.http, port: env.PORT ? config.http.port : 0 },
      metrics: { ...config.metrics, port: 0 },
    },
    silentLogger(),
  );
  const url = `http://127.0.0.1:${handle.port}`;
  return {
    url,
    config,
    handle,
    dataDir,
    async objectKeys() {
      const root = path.join(dataDir, 'objects', 'objects');
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort();
    },
    async count(table) {
      const { rows } = await handle.infrastructure.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]?.n ?? 0;
    },
    async stop() {
      await handle.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
