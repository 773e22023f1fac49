// MinIO and its client `mc`: built from their Go modules, MinIO run as a single-drive server.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type * as MinioJs from 'minio';
import { requireLazily, type Log } from './common.ts';
import { provisionGoBinary } from './go.ts';
import type { ServerEngine } from './server.ts';
import type { EngineRecord } from './state.ts';

/** MinIO community edition: source only (repository archived Feb 2026), built with `go install`. */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** The MinIO client (`mc`), for replication between MinIO sites. */
export const MC_MODULE = 'github.com/minio/mc';
export const MC_VERSION = 'v0.0.0-20250313080218-cf909e1063a9';

export async function provisionMinio(cache: string, log: Log): Promise<string> {
  return provisionGoBinary(cache, log, { name: 'minio', module: MINIO_MODULE, version: MINIO_VERSION, label: 'MinIO' });
}

/** The MinIO client, which `--target=storage-setup` drives to set replication up between sites. */
export async function provisionMc(cache: string, log: Log): Promise<string> {
  return provisionGoBinary(cache, log, {
    name: 'mc',
    module: MC_MODULE,
    version: MC_VERSION,
    label: 'the MinIO client',
  });
}

function minioClient(record: EngineRecord): MinioJs.Client {
  const Minio = requireLazily('minio') as typeof MinioJs;
  return new Minio.Client({
    endPoint: '127.0.0.1',
    port: record.ports.api,
    useSSL: false,
    accessKey: record.start.env.MINIO_ROOT_USER,
    secretKey: record.start.env.MINIO_ROOT_PASSWORD,
    region: 'us-east-1',
  });
}

export const minioEngine: ServerEngine = {
  portsNeeded: 2,
  readyTimeoutMs: 60_000,
  ready: async (record) => {
    const response = await fetch(`http://127.0.0.1:${record.ports.api}/minio/health/ready`, {
      signal: AbortSignal.timeout(3000),
    });
    if (response.status !== 200) return false;
    const client = minioClient(record);
    const bucket = record.info?.bucket ?? 'pictor';
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, 'us-east-1');
    return true;
  },

  prepare({ dir, ports: [api, consolePort], paths }) {
    const home = join(dir, 'minio');
    const dataDir = join(home, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const logFile = join(home, 'minio.log');
    const env = {
      MINIO_ROOT_USER: 'pictor-test',
      MINIO_ROOT_PASSWORD: randomBytes(18).toString('hex'),
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: 'on',
    };
    const args = ['server', dataDir, '--address', `127.0.0.1:${api}`, '--console-address', `127.0.0.1:${consolePort}`];
    return Promise.resolve({
      name: 'minio',
      pid: null,
      ports: { api, console: consolePort },
      dataDir,
      logFile,
      processMatch: 'minio',
      start: { mode: 'spawn', command: paths.minio as string, args, env, cwd: home, outFile: logFile },
      info: { bucket: 'pictor', version: MINIO_VERSION },
    });
  },
};
