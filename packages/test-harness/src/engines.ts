import { randomBytes } from 'node:crypto';
import { Client as MinioClient } from 'minio';
import { createTestDatabase, engineControl } from '@pictor/test-engines';

export type EngineName = 'postgres' | 'redis' | 'kafka' | 'minio';

/** Connection settings of the engines started by jest's globalSetup (@pictor/test-engines). */
export interface Engines {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  s3: { endpoint: string; accessKey: string; secretKey: string; region: string };
  nginxBin: string;
  statePath: string;
}

export function engines(): Engines {
  const env = process.env;
  const need = (name: string) => {
    const value = env[name];
    if (!value)
      throw new Error(
        `${name} is not set: integration tests need the engines started by @pictor/test-engines (jest globalSetup)`,
      );
    return value;
  };
  return {
    databaseUrl: need('DATABASE_URL'),
    redisUrl: need('REDIS_URL'),
    kafkaBrokers: need('KAFKA_BROKERS'),
    s3: {
      endpoint: need('S3_ENDPOINT'),
      accessKey: need('S3_ACCESS_KEY'),
      secretKey: need('S3_SECRET_KEY'),
      region: env.S3_REGION ?? 'us-east-1',
    },
    nginxBin: need('PICTOR_NGINX_BIN'),
    statePath: need('PICTOR_ENGINES_STATE'),
  };
}

/** Stops and restarts an engine (same port, same data) from inside a test. */
export function control(): {
  stop(name: EngineName, options?: { signal?: NodeJS.Signals }): Promise<void>;
  start(name: EngineName): Promise<void>;
} {
  return engineControl(engines().statePath);
}

/** A database of its own for one test file, migrated by whoever starts Pictor on it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return createTestDatabase(engines().databaseUrl);
}

/** A MinIO client of the engines' S3 endpoint (or the one given): path-style, plain HTTP. */
export function minioClient(s3: Engines['s3'] = engines().s3): MinioClient {
  const url = new URL(s3.endpoint);
  return new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    pathStyle: true,
  });
}

/** A bucket of its own whose `public/` objects anyone may read, as the chart's bucket job sets it up. */
export async function freshBucket(): Promise<string> {
  const { s3 } = engines();
  const client = minioClient(s3);
  const bucket = `pictor-${randomBytes(4).toString('hex')}`;
  await client.makeBucket(bucket, s3.region);
  await client.setBucketPolicy(
    bucket,
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${bucket}/public/*`],
        },
      ],
    }),
  );
  return bucket;
}

/** Environment for a Pictor process on the real engines. */
export function pictorEnv(
  databaseUrl: string,
  bucket: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const e = engines();
  return {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: e.s3.endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY: e.s3.accessKey,
    S3_SECRET_KEY: e.s3.secretKey,
    S3_REGION: e.s3.region,
    KAFKA_BROKERS: e.kafkaBrokers,
    REDIS_URL: e.redisUrl,
    RATE_LIMIT_UPLOADS: '0',
    RELAY_POLL_INTERVAL_MS: '500',
    ...extra,
  };
}
