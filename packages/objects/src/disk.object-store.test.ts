import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { describeObjectStoreContract } from '@pictor/testing';
import { DiskObjectStore } from './disk.object-store.js';

describeObjectStoreContract('DiskObjectStore', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-disk-store-'));
  const store = await new DiskObjectStore(dir).init();
  return {
    store,
    async teardown() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('DiskObjectStore keys', () => {
  let parent: string;
  let store: DiskObjectStore;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'pictor-disk-keys-'));
    store = await new DiskObjectStore(path.join(parent, 'root')).init();
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('when a key climbs out with .. or is an absolute path, then every operation refuses it and nothing is written outside', async () => {
    const escapes = ['../escape', 'public/../../escape', '/tmp/escape', path.join(parent, 'escape'), './escape'];

    for (const key of escapes) {
      await expect(store.put(key, Buffer.from('x'), 'image/png')).rejects.toThrow(/Invalid object key/);
      await expect(store.get(key)).rejects.toThrow(/Invalid object key/);
      await expect(store.stat(key)).rejects.toThrow(/Invalid object key/);
      await expect(store.delete([key])).rejects.toThrow(/Invalid object key/);
    }

    expect((await readdir(parent)).sort()).toEqual(['root']);
  });
});
