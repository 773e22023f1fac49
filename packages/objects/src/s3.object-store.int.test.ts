import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeObjectStoreContract } from '@pictor/testing';
import { S3ObjectStore } from './s3.object-store.js';

function options(bucket: string) {
  const env = process.env;
  if (!env.S3_ENDPOINT) throw new Error('S3_ENDPOINT is not set: the engines did not start');
  return {
    endpoint: env.S3_ENDPOINT,
    bucket,
    accessKey: env.S3_ACCESS_KEY ?? '',
    secretKey: env.S3_SECRET_KEY ?? '',
    region: env.S3_REGION ?? 'us-east-1',
  };
}

// The same contract as the disk store, against MinIO; a fresh bucket per test, created by init().
describeObjectStoreContract('S3ObjectStore on MinIO', async () => {
  const store = await new S3ObjectStore(options(`contract-${randomBytes(5).toString('hex')}`)).init();
  return { store, teardown: () => store.close() };
});

describe('S3ObjectStore', () => {
  it('when init runs twice on the same bucket, then the second finds it and does not fail', async () => {
    const bucket = `twice-${randomBytes(5).toString('hex')}`;
    await new S3ObjectStore(options(bucket)).init();
    const again = await new S3ObjectStore(options(bucket)).init();
    await expect(again.ping()).resolves.toBeUndefined();
  });

  it('when an object is stored with caching metadata, then a presigned GET serves its bytes with that metadata', async () => {
    const store = await new S3ObjectStore(options(`presign-${randomBytes(5).toString('hex')}`)).init();
    await store.put('public/a.png', Buffer.from('png-bytes'), 'image/png', { cacheControl: 'public, no-cache' });
    const url = await store.presignGet('public/a.png', 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('png-bytes');
    expect(res.headers.get('cache-control')).toBe('public, no-cache');
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('when the endpoint does not answer, then ping fails', async () => {
    const store = new S3ObjectStore({ ...options('nothing'), endpoint: 'http://127.0.0.1:1' });
    await expect(store.ping()).rejects.toThrow();
  });
});
