import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
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

describe('DiskObjectStore leftovers', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pictor-disk-leftovers-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function leftover(name: string, ageMs: number): Promise<void> {
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    const file = path.join(root, 'tmp', name);
    await writeFile(file, Buffer.alloc(1024));
    const when = new Date(Date.now() - ageMs);
    await utimes(file, when, when);
  }

  it('when an object is deleted while get answers (a concurrent move), then its body still reads whole', async () => {
    const store = await new DiskObjectStore(root).init();
    await store.put('public/AbCdEfGhIjKl.png', Buffer.from('the bytes'), 'image/png');
    // The other request deletes it between this one's look-up and its read.
    const racing = Object.create(store) as DiskObjectStore;
    racing.stat = async (key) => {
      const info = await store.stat(key);
      await store.delete([key]);
      return info;
    };
    const object = await racing.get('public/AbCdEfGhIjKl.png');
    const chunks: Buffer[] = [];
    for await (const chunk of object!.body) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('the bytes');
  });

  it('when a crash left temporary files, then the next start removes them but not a write still in flight', async () => {
    await leftover('a1b2c3', 10 * 60_000);
    await leftover('a1b2c3.meta', 10 * 60_000);
    await leftover('fresh', 0);
    await new DiskObjectStore(root).init();
    expect(await readdir(path.join(root, 'tmp'))).toEqual(['fresh']);
  });

  it('when cleanup sweeps with a grace, then only temporary files older than it go', async () => {
    const store = await new DiskObjectStore(root).init();
    await leftover('old', 2 * 3_600_000);
    await leftover('recent', 60_000);
    expect(await store.sweepLeftovers(3_600_000)).toBe(1);
    expect(await readdir(path.join(root, 'tmp'))).toEqual(['recent']);
  });

  it('when the last object of an image folder is deleted, then the folder goes too, and its parents stay', async () => {
    const store = await new DiskObjectStore(root).init();
    await store.put('public/Ab12Cd34Ef56/thumb.png', Buffer.from('x'), 'image/png');
    await store.put('public/Ab12Cd34Ef56/w640.png', Buffer.from('x'), 'image/png');
    await store.put('public/Zz12Cd34Ef56/thumb.png', Buffer.from('x'), 'image/png');
    await store.delete(['public/Ab12Cd34Ef56/thumb.png']);
    expect(await readdir(path.join(root, 'objects', 'public'))).toEqual(['Ab12Cd34Ef56', 'Zz12Cd34Ef56']);
    await store.delete(['public/Ab12Cd34Ef56/w640.png']);
    expect(await readdir(path.join(root, 'objects', 'public'))).toEqual(['Zz12Cd34Ef56']);
    expect(await readdir(path.join(root, 'meta', 'public'))).toEqual(['Zz12Cd34Ef56']);
    // A write into a folder just removed makes it again.
    await store.put('public/Ab12Cd34Ef56/thumb.png', Buffer.from('y'), 'image/png');
    expect((await store.stat('public/Ab12Cd34Ef56/thumb.png'))?.size).toBe(1);
  });
});
