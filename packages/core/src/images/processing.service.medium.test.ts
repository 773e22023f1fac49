import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import sharp from 'sharp';
import { MemoryCache } from '@pictor/cache';
import { SharpImageInspector, SharpImageProcessor } from '@pictor/imaging';
import { DiskObjectStore } from '@pictor/objects';
import {
  createPool,
  migrate,
  PgImageRepository,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type Pool,
} from '@pictor/sql';
import { jpegWithGps } from '@pictor/testing/images';
import { isAppError } from '../errors/app-error.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { IMAGE_FORMATS } from './image.js';
import { imageCacheKey, ImageService } from './image.service.js';
import { ProcessingService } from './processing.service.js';
import { storageKeys } from './storage-keys.js';
import { planOutputs, type VariantSettings } from './variant-plan.js';

// ProcessingService alone on the embedded adapters: PGlite, a disk object store, the real sharp
// pipeline and the in-memory cache. Images come in through ImageService's upload, as users' do.

const VARIANTS: VariantSettings = { thumbnailSize: 64, widths: [320] };
// PGlite's start and the migrations take a few seconds on a busy machine; so can AVIF encodes.
jest.setTimeout(30_000);

let server: EmbeddedPostgres;
let pool: Pool;
let root: string;
let disk: DiskObjectStore;
/** What the service stores through; a test may act between a write and its return. */
let afterPut: ((key: string) => Promise<void>) | undefined;
let cache: MemoryCache;
let images: PgImageRepository;
let uploads: ImageService;
let processing: ProcessingService;

beforeAll(async () => {
  server = await startEmbeddedPostgres(undefined);
  // The embedded server takes one connection.
  pool = createPool({ connectionString: server.connectionString, max: 1 });
  await migrate(pool);
  root = await mkdtemp(path.join(tmpdir(), 'pictor-processing-'));
  disk = await new DiskObjectStore(root).init();
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  await pool.query('TRUNCATE images, outbox CASCADE');
  afterPut = undefined;
  const stored: ObjectStore = disk;
  const objects: ObjectStore = Object.create(disk) as ObjectStore;
  objects.put = async (key, body, contentType, options) => {
    const info = await stored.put(key, body, contentType, options);
    await afterPut?.(key);
    return info;
  };
  cache = new MemoryCache();
  images = new PgImageRepository(pool);
  uploads = new ImageService({
    images,
    objects,
    cache,
    inspector: new SharpImageInspector({ maxPixels: 50_000_000, maxFrames: 100, allowedFormats: IMAGE_FORMATS }),
    settings: {
      expiry: { defaultSeconds: null, maxSeconds: null },
      variants: VARIANTS,
      serveWaitMs: 0,
      servePollMs: 10,
      cacheTtlSeconds: 60,
    },
  });
  processing = new ProcessingService({
    images,
    objects,
    cache,
    processor: new SharpImageProcessor(
      { displayQuality: 85, jpegQuality: 80, webpQuality: 75, avifQuality: 50, avifEffort: 2 },
      50_000_000,
    ),
    variants: VARIANTS,
  });
});

async function upload(bytes: Buffer) {
  const [uploaded] = await uploads.upload([bytes], {});
  return uploaded!;
}

async function begin(id: string) {
  const attempt = await processing.begin(id);
  if (!attempt.image) throw new Error(`image ${id} is not pending (${attempt.status})`);
  return attempt;
}

async function read(key: string): Promise<Buffer> {
  const object = await disk.get(key);
  if (!object) throw new Error(`${key} is not stored`);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every stored key that names the image, originals excluded. */
async function outputsOf(id: string): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of ['public/', 'private/', 'withheld/']) {
    for await (const object of disk.list(prefix)) if (object.key.includes(id)) keys.push(object.key);
  }
  return keys.sort();
}

describe('ProcessingService on PGlite, disk storage and sharp', () => {
  it('when a JPEG upload is processed, then it is ready with every planned output stored and recorded', async () => {
    const { image } = await upload(await jpegWithGps(800, 600));
    const { attempt, image: pending } = await begin(image.id);
    expect(attempt).toBe(1);

    expect(await processing.process(pending)).toBe('ready');

    const ready = await images.findById(image.id);
    const planned = planOutputs(image, VARIANTS);
    expect(ready?.status).toBe('ready');
    expect(ready?.placeholder).toEqual(expect.any(String));
    expect(ready?.variants.map((v) => v.key).sort()).toEqual(planned.map((p) => p.key).sort());
    expect(await outputsOf(image.id)).toEqual(planned.map((p) => p.key).sort());
    for (const variant of ready?.variants ?? []) {
      const bytes = await read(variant.key);
      expect(bytes.length).toBe(variant.bytes);
      const metadata = await sharp(bytes).metadata();
      expect([metadata.width, metadata.format === 'heif' ? 'avif' : metadata.format]).toEqual([
        variant.width,
        variant.format,
      ]);
    }
    // Processed once: a second attempt finds it ready and leaves it alone.
    expect(await processing.begin(image.id)).toEqual({ status: 'ready' });
  });

  it('when a photo carries EXIF with a GPS position, then no stored output carries EXIF', async () => {
    const original = await jpegWithGps(800, 600);
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const { image } = await upload(original);

    await processing.process((await begin(image.id)).image);

    const keys = await outputsOf(image.id);
    expect(keys.length).toBeGreaterThan(1);
    for (const key of keys) expect((await sharp(await read(key)).metadata()).exif).toBeUndefined();
  });

  it('when the image is deleted while it is processed, then nothing of it is left in storage', async () => {
    const { image, deleteToken } = await upload(await jpegWithGps(800, 600));
    const pending = (await begin(image.id)).image;
    // The owner deletes it right after the first variant is written, before any is recorded.
    afterPut = async (key) => {
      if (key !== storageKeys.variant(image.id, 'thumb', 'jpeg')) return;
      afterPut = undefined;
      await uploads.delete(image.id, deleteToken);
    };

    expect(await processing.process(pending)).toBe('discarded');

    expect(await images.findById(image.id)).toBeNull();
    expect(await outputsOf(image.id)).toEqual([]);
    expect(await disk.stat(storageKeys.original(image.id))).toBeNull();
  });

  it('when the original cannot be decoded, then processing fails for good and the image is failed with the reason', async () => {
    const { image } = await upload(await jpegWithGps(800, 600));
    // Accepted at upload, then unreadable: the bytes stored are not the ones inspected.
    await disk.put(storageKeys.original(image.id), Buffer.from('not a JPEG at all'), 'image/jpeg');
    const pending = (await begin(image.id)).image;

    const error = await processing.process(pending).catch((e: unknown) => e);

    expect(isAppError(error) && [error.code, error.retryable]).toEqual(['PROCESSING_FAILED', false]);
    await processing.fail(image.id, (error as Error).message);
    const failed = await images.findById(image.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.failureReason).toMatch(/^The image could not be processed: /);
    expect(await outputsOf(image.id)).toEqual([]);
  });

  it('when an image is settled (ready or failed), then its cached row is dropped', async () => {
    const first = (await upload(await jpegWithGps(400, 300))).image;
    const second = (await upload(await jpegWithGps(400, 300))).image;
    await cache.set(imageCacheKey(first.id), 'a stale row', 60);
    await cache.set(imageCacheKey(second.id), 'a stale row', 60);

    const pending = (await begin(first.id)).image;
    await processing.settle(pending, await processing.process(pending));
    await processing.fail(second.id, 'The image could not be processed: test');

    expect(await cache.get(imageCacheKey(first.id))).toBeUndefined();
    expect(await cache.get(imageCacheKey(second.id))).toBeUndefined();
  });
});
