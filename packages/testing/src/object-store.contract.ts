import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ObjectInfo, ObjectStore } from '@pictor/core';

export interface ObjectStoreContractFixture {
  store: ObjectStore;
  /** Releases what setup made (temporary directory, client). */
  teardown(): Promise<void>;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Dates made by Node's own fs come from another realm than jest's, so `instanceof` misleads. */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]' && !Number.isNaN((value as Date).getTime());
}

async function listKeys(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) out.push(info);
  return out;
}

/**
 * What every ObjectStore adapter owes its callers. `setup` runs before each test; it may hand out
 * the same bucket every time, because each test writes only under its own random prefix.
 */
export function describeObjectStoreContract(name: string, setup: () => Promise<ObjectStoreContractFixture>): void {
  describe(`${name} (ObjectStore contract)`, () => {
    let fixture: ObjectStoreContractFixture | undefined;
    let store: ObjectStore;
    let namespace: string;
    const key = (path: string): string => `${namespace}/${path}`;

    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
      namespace = `contract-${randomUUID()}`;
    });

    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('when an object is put as a stream, then get returns the same bytes, content type and size', async () => {
      const bytes = randomBytes(300_000 + 11);
      const put = await store.putStream(
        key('backups/a.dump'),
        Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
        'application/octet-stream',
      );
      expect(put).toMatchObject({
        key: key('backups/a.dump'),
        size: bytes.length,
        contentType: 'application/octet-stream',
      });
      const got = await store.get(key('backups/a.dump'));
      expect((await readAll(got!.body)).equals(bytes)).toBe(true);
    });

    it('when an object is put, then get returns the same bytes, content type, size and etag', async () => {
      // Larger than one stream chunk, so a reader that stops after the first chunk is caught.
      const bytes = randomBytes(200_000 + 7);
      const before = Date.now();
      const put = await store.put(key('public/abc.webp'), bytes, 'image/webp');

      expect(put).toMatchObject({ key: key('public/abc.webp'), size: bytes.length, contentType: 'image/webp' });
      const got = await store.get(key('public/abc.webp'));
      expect(got).not.toBeNull();
      expect((await readAll(got!.body)).equals(bytes)).toBe(true);
      expect(got).toMatchObject({
        key: key('public/abc.webp'),
        size: bytes.length,
        contentType: 'image/webp',
        etag: put.etag,
      });
      expect(isDate(got!.lastModified)).toBe(true);
      // Stores keep whole seconds; allow for that and for a little clock skew.
      expect(got!.lastModified.getTime()).toBeGreaterThan(before - 5_000);
      expect(got!.lastModified.getTime()).toBeLessThan(Date.now() + 5_000);
    });

    it('when the same bytes are put twice, then the etags match, and when the bytes differ, then they do not', async () => {
      const bytes = randomBytes(1024);
      const other = Buffer.from(bytes);
      other[0] = (other[0]! + 1) % 256;

      const first = await store.put(key('a.jpg'), bytes, 'image/jpeg');
      const second = await store.put(key('b.jpg'), bytes, 'image/jpeg');
      const third = await store.put(key('c.jpg'), other, 'image/jpeg');

      expect(first.etag).not.toBe('');
      expect(second.etag).toBe(first.etag);
      expect(third.etag).not.toBe(first.etag);
      expect((await store.stat(key('a.jpg')))?.etag).toBe(first.etag);
      expect((await store.stat(key('c.jpg')))?.etag).toBe(third.etag);
    });

    it('when a key does not exist, then get and stat return null', async () => {
      await store.put(key('public/present.png'), randomBytes(10), 'image/png');

      expect(await store.get(key('public/absent.png'))).toBeNull();
      expect(await store.get(key('public/absent.png'), { start: 0, end: 3 })).toBeNull();
      expect(await store.stat(key('public/absent.png'))).toBeNull();
    });

    it('when an object is stat-ed, then its size, content type and etag are those of the put', async () => {
      const bytes = randomBytes(4321);
      const put = await store.put(key('originals/xyz'), bytes, 'image/avif');

      const info = await store.stat(key('originals/xyz'));

      expect(info).toMatchObject({ key: key('originals/xyz'), size: 4321, contentType: 'image/avif', etag: put.etag });
      expect(isDate(info!.lastModified)).toBe(true);
    });

    it('when a range is asked for, then get returns exactly those bytes, both ends included', async () => {
      const bytes = randomBytes(1000);
      await store.put(key('public/ranged.gif'), bytes, 'image/gif');

      for (const range of [
        { start: 0, end: 0 },
        { start: 0, end: 99 },
        { start: 100, end: 199 },
        { start: 500, end: 999 },
        { start: 999, end: 999 },
      ]) {
        const got = await store.get(key('public/ranged.gif'), range);
        expect(got).not.toBeNull();
        const slice = await readAll(got!.body);
        expect(slice.length).toBe(range.end - range.start + 1);
        expect(slice.equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
        expect(got!.contentType).toBe('image/gif');
      }
    });

    it('when a key is put again, then readers get the new bytes, content type and etag', async () => {
      const first = await store.put(key('public/same.jpg'), randomBytes(3000), 'image/jpeg');
      const newer = randomBytes(1200);

      const second = await store.put(key('public/same.jpg'), newer, 'image/webp');

      const got = await store.get(key('public/same.jpg'));
      expect((await readAll(got!.body)).equals(newer)).toBe(true);
      expect(got).toMatchObject({ size: 1200, contentType: 'image/webp', etag: second.etag });
      expect(second.etag).not.toBe(first.etag);
      expect((await listKeys(store, key(''))).map((o) => o.key)).toEqual([key('public/same.jpg')]);
    });

    it('when several objects are deleted at once, with missing keys among them, then those objects are gone and the rest stay', async () => {
      const keys = ['public/d1.webp', 'public/d1/640.webp', 'public/d1/1280.webp', 'originals/d1'].map(key);
      for (const k of keys) await store.put(k, randomBytes(50), 'image/webp');
      await store.put(key('public/keep.webp'), randomBytes(50), 'image/webp');

      await store.delete([...keys, key('public/never-existed.webp'), key('nowhere/at/all')]);

      for (const k of keys) {
        expect(await store.stat(k)).toBeNull();
        expect(await store.get(k)).toBeNull();
      }
      expect((await listKeys(store, key(''))).map((o) => o.key)).toEqual([key('public/keep.webp')]);
    });

    it('when a key is deleted twice, or nothing is given, then delete resolves and the object stays gone', async () => {
      await store.put(key('public/twice.png'), randomBytes(20), 'image/png');

      await store.delete([key('public/twice.png')]);
      await expect(store.delete([key('public/twice.png')])).resolves.toBeUndefined();
      await expect(store.delete([])).resolves.toBeUndefined();

      expect(await store.stat(key('public/twice.png'))).toBeNull();
    });

    it('when a folder prefix is listed, then every object under it is listed once and nothing else', async () => {
      const inside = ['public/abc/640.webp', 'public/abc/1280.webp', 'public/abc/deep/er/x.avif'];
      const outside = ['public/abcd/640.webp', 'public/abc.webp', 'public/ab', 'originals/abc/640.webp'];
      const sizes = new Map<string, number>();
      for (const [i, path] of [...inside, ...outside].entries()) {
        sizes.set(key(path), 10 + i);
        await store.put(key(path), randomBytes(10 + i), 'image/webp');
      }

      const listed = await listKeys(store, key('public/abc/'));

      expect(listed.map((o) => o.key).sort()).toEqual(inside.map(key).sort());
      for (const info of listed) expect(info.size).toBe(sizes.get(info.key));
    });

    it('when a prefix ends inside a name, then every key starting with it is listed', async () => {
      for (const path of ['public/ab', 'public/abc.webp', 'public/abc/640.webp', 'public/abcd/1.webp', 'public/b.webp'])
        await store.put(key(path), randomBytes(5), 'image/webp');

      const listed = await listKeys(store, key('public/abc'));

      expect(listed.map((o) => o.key).sort()).toEqual(
        ['public/abc.webp', 'public/abc/640.webp', 'public/abcd/1.webp'].map(key).sort(),
      );
    });

    it('when nothing is stored under a prefix, then list yields nothing', async () => {
      await store.put(key('public/other/1.webp'), randomBytes(5), 'image/webp');

      expect(await listKeys(store, key('public/empty/'))).toEqual([]);
      expect(await listKeys(store, `${namespace}-absent/`)).toEqual([]);
    });

    it('when many objects share a prefix, then list yields each of them exactly once', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => key(`public/many/${String(i).padStart(2, '0')}.webp`));
      await Promise.all(keys.map((k) => store.put(k, randomBytes(8), 'image/webp')));

      const listed = (await listKeys(store, key('public/many/'))).map((o) => o.key);

      expect(listed).toHaveLength(keys.length);
      expect(new Set(listed)).toEqual(new Set(keys));
    });

    it('when keys sit in nested folders, then each one round-trips and deleting one leaves its neighbours', async () => {
      const deep = key('a/b/c/d/e/f.webp');
      const sibling = key('a/b/c/d/e/g.webp');
      const parentLevel = key('a/b/h.webp');
      for (const k of [deep, sibling, parentLevel]) await store.put(k, Buffer.from(k), 'image/webp');

      await store.delete([deep]);

      expect(await store.get(deep)).toBeNull();
      for (const k of [sibling, parentLevel]) {
        const got = await store.get(k);
        expect((await readAll(got!.body)).toString()).toBe(k);
      }
      expect((await listKeys(store, key('a/'))).map((o) => o.key).sort()).toEqual([parentLevel, sibling].sort());
    });

    it('when the storage is reachable, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
