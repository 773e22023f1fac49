import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SharpImageInspector } from '@pictor/imaging';
import { PgImageRepository, PgLifecycleRepository, PgPasteRepository } from '@pictor/sql';
import { openEmbeddedAdapters, type EmbeddedAdapters } from '@pictor/testing/embedded';
import type { ImageRecord } from '../images/image.js';
import { ImageService } from '../images/image.service.js';
import { storageKeys } from '../images/storage-keys.js';
import { newPasteId, pasteObjectKey } from '../pastes/paste.js';
import { PasteService } from '../pastes/paste.service.js';
import { newImageId } from '../shared/ids.js';
import { CleanupService, type CleanupSettings } from './cleanup.service.js';

// CleanupService on PGlite and the disk store. Images and pastes are made through their own
// services at a time in the past, so what cleanup finds is what uploads really leave.

/** A 16×12 RGB PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAMCAIAAADkharWAAABVUlEQVR42g3LIQHFIBRAUSJMEACJXADEIrwICAIgkTcAgggvwgQBkEgCIBaBCP8ff4wxXAZnuA2PQQzRkA0YmkENr2EYluEzHIMxlsviLLflsYglWrIFS7Oo5bUMy7J8lmP/wXN5nOf2PB7xRE/24Gke9bye4Vmez3P8PwSugAvcgScggRjIAQItoIE3MAIr8AVO+AfhEpxwC48gQhSygNAEFV5hCEv4hCP/kLgSLnEnnoQkYiInSLSEJt7ESKzElzjpHwpXwRXuwlOQQizkAoVW0MJbGIVV+Aqn/EPlqrjKXXkqUomVXKHSKlp5K6OyKl/l1H9QLsUpt/IookQlKyhNUeVVhrKUTzn6D52r4zp35+lIJ3Zyh07raOftjM7qfJ3T/2FyTdzknjwTmcRJnjBpE528kzFZk29y5j9sro3b3JtnI5u4yRs2baObdzM2a/NtzuYHM20MkLF8hv4AAAAASUVORK5CYII=',
  'base64',
);
const VARIANTS = { thumbnailSize: 8, widths: [] };
const HOUR = 3600_000;

let adapters: EmbeddedAdapters;
let images: PgImageRepository;
let lifecycle: PgLifecycleRepository;
let pastes: PgPasteRepository;
let inspector: SharpImageInspector;

beforeAll(async () => {
  adapters = await openEmbeddedAdapters();
  images = new PgImageRepository(adapters.pool);
  lifecycle = new PgLifecycleRepository(adapters.pool);
  pastes = new PgPasteRepository(adapters.pool);
  inspector = new SharpImageInspector({ maxPixels: 10_000_000, maxFrames: 100, allowedFormats: ['png'] });
});

afterAll(async () => {
  await adapters?.close();
});

function cleanup(settings: Partial<CleanupSettings> = {}, hooks: { onBatch?: (ids: readonly string[]) => void } = {}) {
  return new CleanupService({
    lifecycle,
    objects: adapters.objects,
    settings: { batchSize: 100, orphanGraceSeconds: 3600, variants: VARIANTS, ...settings },
    ...hooks,
  });
}

/** An image uploaded `ago` ms before now and processed (every planned output stored). */
async function uploadedImage(ago: number, expiresIn?: string): Promise<ImageRecord> {
  const at = new Date(Date.now() - ago);
  const service = new ImageService({
    images,
    objects: adapters.objects,
    cache: adapters.cache,
    inspector,
    settings: {
      expiry: { defaultSeconds: null, maxSeconds: null },
      variants: VARIANTS,
      serveWaitMs: 0,
      servePollMs: 10,
      cacheTtlSeconds: 60,
    },
    clock: () => at,
  });
  const [uploaded] = await service.upload([PNG], expiresIn ? { expiresIn } : {});
  const image = uploaded!.image;
  const variants = [];
  for (const output of service.plannedOutputs(image)) {
    await adapters.objects.put(output.key, Buffer.from(output.name), 'application/octet-stream');
    variants.push({ name: output.name, format: output.format, width: 1, height: 1, bytes: 1, key: output.key });
  }
  expect(await images.markReady(image.id, variants, null)).toBe(true);
  return image;
}

/** A paste written `ago` ms before now. */
async function writtenPaste(ago: number, expiresIn?: string): Promise<string> {
  const at = new Date(Date.now() - ago);
  const service = new PasteService({
    pastes,
    objects: adapters.objects,
    cache: adapters.cache,
    settings: { expiry: { defaultSeconds: null, maxSeconds: null }, maxBytes: 100_000, cacheTtlSeconds: 60 },
    clock: () => at,
  });
  const created = await service.create({ text: 'echo hello', ...(expiresIn ? { expiresIn } : {}) });
  return created.paste.id;
}

async function keysOf(id: string): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of [`public/${id}`, `private/${id}`, storageKeys.original(id), pasteObjectKey(id)]) {
    for await (const object of adapters.objects.list(prefix)) keys.push(object.key);
  }
  return keys.sort();
}

/** Stores an object and dates its file `ago` ms back, as if written then. */
async function storedAgo(key: string, ago: number): Promise<void> {
  await adapters.objects.put(key, Buffer.from('left behind'), 'application/octet-stream');
  const then = new Date(Date.now() - ago);
  await utimes(path.join(adapters.objectsRoot, 'objects', key), then, then);
}

describe('CleanupService on PGlite and the disk store', () => {
  it('when images and pastes have expired, then their rows and every object of theirs are deleted; unexpired ones stay whole', async () => {
    const expired = await uploadedImage(2 * HOUR, '1h');
    const living = await uploadedImage(2 * HOUR, '1d');
    const forever = await uploadedImage(2 * HOUR);
    const expiredPaste = await writtenPaste(2 * HOUR, '1h');
    const livingPaste = await writtenPaste(2 * HOUR, '1d');
    const livingKeys = await keysOf(living.id);
    expect(await keysOf(expired.id)).toHaveLength(livingKeys.length);
    expect(livingKeys).toContain(storageKeys.original(living.id));

    const report = await cleanup().run();

    expect([report.expired, report.expiredPastes]).toEqual([1, 1]);
    expect(await images.findById(expired.id)).toBeNull();
    expect(await keysOf(expired.id)).toEqual([]);
    expect(await pastes.findById(expiredPaste)).toBeNull();
    expect(await keysOf(expiredPaste)).toEqual([]);

    expect((await images.findById(living.id))?.status).toBe('ready');
    expect(await keysOf(living.id)).toEqual(livingKeys);
    expect((await images.findById(forever.id))?.status).toBe('ready');
    expect(await keysOf(forever.id)).toHaveLength(livingKeys.length);
    expect(await pastes.findById(livingPaste)).not.toBeNull();
    expect(await keysOf(livingPaste)).toEqual([pasteObjectKey(livingPaste)]);
  });

  it('when more images expired than one batch holds, then they go batch by batch until none is left', async () => {
    const expired: string[] = [];
    for (let i = 0; i < 7; i++) expired.push((await uploadedImage(2 * HOUR, '1h')).id);
    const batches: number[] = [];

    const deleted = await cleanup({ batchSize: 3 }, { onBatch: (ids) => batches.push(ids.length) }).purgeExpired();

    expect(deleted).toBe(7);
    expect(batches).toEqual([3, 3, 1]);
    for (const id of expired) {
      expect(await images.findById(id)).toBeNull();
      expect(await keysOf(id)).toEqual([]);
    }
  });

  it('when objects have no row, then those older than the grace period are removed with every output, and younger ones (an upload under way) are kept', async () => {
    const [oldOrphan, youngOrphan] = [newImageId(), newImageId()];
    await storedAgo(storageKeys.original(oldOrphan), 2 * HOUR);
    await storedAgo(storageKeys.display(oldOrphan, 'png'), 2 * HOUR);
    await storedAgo(storageKeys.variant(oldOrphan, 'thumb', 'webp'), 2 * HOUR);
    await storedAgo(storageKeys.private(storageKeys.display(oldOrphan, 'jpeg')), 2 * HOUR);
    await storedAgo(storageKeys.original(youngOrphan), 10 * 60_000);
    const [oldPaste, youngPaste] = [newPasteId(), newPasteId()];
    await storedAgo(pasteObjectKey(oldPaste), 2 * HOUR);
    await storedAgo(pasteObjectKey(youngPaste), 10 * 60_000);
    // An old original whose row exists is no orphan.
    const kept = await uploadedImage(2 * HOUR);
    await utimes(
      path.join(adapters.objectsRoot, 'objects', storageKeys.original(kept.id)),
      new Date(Date.now() - 2 * HOUR),
      new Date(Date.now() - 2 * HOUR),
    );
    const keptKeys = await keysOf(kept.id);

    const report = await cleanup().run();

    expect(report.orphans).toBe(2);
    expect(await keysOf(oldOrphan)).toEqual([]);
    expect(await keysOf(oldPaste)).toEqual([]);
    expect(await keysOf(youngOrphan)).toEqual([storageKeys.original(youngOrphan)]);
    expect(await keysOf(youngPaste)).toEqual([pasteObjectKey(youngPaste)]);
    expect(await keysOf(kept.id)).toEqual(keptKeys);
    expect((await images.findById(kept.id))?.status).toBe('ready');
  });

  it('when a pending row is older than the grace period and its original never arrived, then the row goes; a younger one stays', async () => {
    const at = (ago: number) => new Date(Date.now() - ago);
    const row = (id: string, createdAt: Date) => ({
      id,
      format: 'png' as const,
      width: 16,
      height: 12,
      bytes: PNG.length,
      frames: 1,
      hasAlpha: false,
      title: null,
      visibility: 'public' as const,
      watermark: null,
      expiresAt: null,
      deleteTokenHash: Buffer.alloc(32),
      createdAt,
      ownerId: null,
    });
    const [stale, fresh] = [newImageId(), newImageId()];
    await images.insertWithEvents([row(stale, at(2 * HOUR)), row(fresh, at(10 * 60_000))], []);

    const report = await cleanup().run();

    expect(report.stalePending).toBe(1);
    expect(await images.findById(stale)).toBeNull();
    expect((await images.findById(fresh))?.status).toBe('pending');
  });

  it('when the grace period is 0, then no object without a row is touched', async () => {
    const orphan = newImageId();
    await storedAgo(storageKeys.original(orphan), 48 * HOUR);

    const report = await cleanup({ orphanGraceSeconds: 0 }).run();

    expect([report.orphans, report.stalePending]).toEqual([0, 0]);
    expect(await keysOf(orphan)).toEqual([storageKeys.original(orphan)]);
  });
});
