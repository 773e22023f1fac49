import { describe, expect, it } from '@jest/globals';
import type { ObjectStore } from '@pictor/core';
import { descriptorHeadroom, descriptorUsage, objectsWritable } from './readiness.js';

function storeThat(put: () => Promise<void>): { store: ObjectStore; puts: () => number } {
  let count = 0;
  const store = {
    ping: () => Promise.resolve(),
    put: async () => {
      count += 1;
      await put();
      return { key: 'k', size: 1, contentType: 'text/plain', etag: '"x"', lastModified: new Date() };
    },
  } as unknown as ObjectStore;
  return { store, puts: () => count };
}

describe('objectsWritable', () => {
  it('when storage refuses writes, then readiness fails and says so', async () => {
    const { store } = storeThat(() => Promise.reject(new Error('EROFS: read-only file system')));
    await expect(objectsWritable(store)()).rejects.toThrow(/cannot be written: EROFS/);
  });

  it('when probed often, then the marker is written at most once per period', async () => {
    const { store, puts } = storeThat(() => Promise.resolve());
    const check = objectsWritable(store, 60_000);
    await Promise.all([check(), check(), check()]);
    await check();
    expect(puts()).toBe(1);
  });
});

describe('descriptorHeadroom', () => {
  it('when nearly every descriptor is open, then readiness fails naming the numbers', async () => {
    const check = descriptorHeadroom(() => Promise.resolve({ open: 990, limit: 1024 }));
    await expect(check()).rejects.toThrow('only 34 of 1024 file descriptors free');
  });

  it('when there is room, then readiness passes', async () => {
    await expect(descriptorHeadroom(() => Promise.resolve({ open: 100, limit: 1024 }))()).resolves.toBeUndefined();
  });

  it('when read from this process, then the numbers are real', async () => {
    const usage = await descriptorUsage();
    expect(usage!.open).toBeGreaterThan(2);
    expect(usage!.limit).toBeGreaterThan(usage!.open);
  });
});
