import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { moveForVisibility, planOutputs, storageKeys, type VariantSettings } from '@pictor/core';
import { DiskObjectStore } from './disk.object-store.js';

/**
 * Making an image private or public again moves its outputs between `public/` and `private/`,
 * on the disk adapter (the S3 one shares the same calls): nothing lost, nothing left behind, and
 * an interrupted move finished by repeating it.
 */
const variants: VariantSettings = { thumbnailSize: 256, widths: [640] };
const image = { id: 'AbCdEfGhIjKl', format: 'jpeg' as const, hasAlpha: false, width: 1600, expiresAt: null };

let root: string;
let store: DiskObjectStore;

async function keys(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of store.list(prefix)) found.push(object.key);
  return found.sort();
}

async function text(key: string): Promise<string | null> {
  const object = await store.get(key);
  if (!object) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'pictor-visibility-'));
  store = await new DiskObjectStore(root).init();
  for (const output of planOutputs(image, variants)) await store.put(output.key, Buffer.from(output.key), 'image/jpeg');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('moveForVisibility', () => {
  it('when an image becomes private, then every output is under private/ with its bytes and none is left under public/', async () => {
    const planned = planOutputs(image, variants).map((o) => o.key);
    expect(await moveForVisibility(store, image, variants, 'private')).toBe(planned.length);
    expect(await keys(`public/${image.id}`)).toEqual([]);
    for (const key of planned) expect(await text(storageKeys.private(key))).toBe(key);
  });

  it('when it becomes public again, then the outputs are back under their public names', async () => {
    await moveForVisibility(store, image, variants, 'private');
    await moveForVisibility(store, image, variants, 'unlisted');
    expect(await keys(`private/${image.id}`)).toEqual([]);
    for (const output of planOutputs(image, variants)) expect(await text(output.key)).toBe(output.key);
  });

  it('when a move is interrupted after its copies, then nothing is lost and repeating it finishes it', async () => {
    const failing = Object.create(store) as DiskObjectStore;
    let deletes = 0;
    failing.delete = async (list) => {
      if (++deletes > 2) throw new Error('storage went away');
      return store.delete(list);
    };
    await expect(moveForVisibility(failing, image, variants, 'private')).rejects.toThrow('storage went away');
    // Every output is somewhere: moved, or still in place (and perhaps copied too).
    for (const output of planOutputs(image, variants)) {
      const there = (await text(output.key)) ?? (await text(storageKeys.private(output.key)));
      expect(there).toBe(output.key);
    }
    await moveForVisibility(store, image, variants, 'private');
    expect(await keys(`public/${image.id}`)).toEqual([]);
    expect((await keys(`private/${image.id}`)).length).toBe(planOutputs(image, variants).length);
  });
});
