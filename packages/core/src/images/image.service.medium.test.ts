import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SharpImageInspector } from '@pictor/imaging';
import { PgAccountRepository, PgImageRepository } from '@pictor/sql';
import { openEmbeddedAdapters, type EmbeddedAdapters } from '@pictor/testing/embedded';
import { newAccountId } from '../accounts/secrets.js';
import { isAppError } from '../errors/app-error.js';
import { isImageId, newImageId } from '../shared/ids.js';
import type { ImageRecord } from './image.js';
import { ImageService, type ImageServiceSettings } from './image.service.js';
import { buildLinks } from './links.js';
import { storageKeys } from './storage-keys.js';
import { TOPICS } from './topics.js';

// ImageService on PGlite, the disk store, the memory cache and sharp: what the fakes of
// image.service.test.ts cannot show (transactions, foreign keys, the bytes on disk, real sniffing).

/** A 16×12 RGB PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAMCAIAAADkharWAAABVUlEQVR42g3LIQHFIBRAUSJMEACJXADEIrwICAIgkTcAgggvwgQBkEgCIBaBCP8ff4wxXAZnuA2PQQzRkA0YmkENr2EYluEzHIMxlsviLLflsYglWrIFS7Oo5bUMy7J8lmP/wXN5nOf2PB7xRE/24Gke9bye4Vmez3P8PwSugAvcgScggRjIAQItoIE3MAIr8AVO+AfhEpxwC48gQhSygNAEFV5hCEv4hCP/kLgSLnEnnoQkYiInSLSEJt7ESKzElzjpHwpXwRXuwlOQQizkAoVW0MJbGIVV+Aqn/EPlqrjKXXkqUomVXKHSKlp5K6OyKl/l1H9QLsUpt/IookQlKyhNUeVVhrKUTzn6D52r4zp35+lIJ3Zyh07raOftjM7qfJ3T/2FyTdzknjwTmcRJnjBpE528kzFZk29y5j9sro3b3JtnI5u4yRs2baObdzM2a/NtzuYHM20MkLF8hv4AAAAASUVORK5CYII=',
  'base64',
);
const PUBLIC_URL = 'https://img.example';

const SETTINGS: ImageServiceSettings = {
  expiry: { defaultSeconds: null, maxSeconds: null },
  variants: { thumbnailSize: 8, widths: [] },
  serveWaitMs: 0,
  servePollMs: 10,
  cacheTtlSeconds: 300,
};

let adapters: EmbeddedAdapters;
let images: PgImageRepository;
let accounts: PgAccountRepository;
let inspector: SharpImageInspector;

beforeAll(async () => {
  adapters = await openEmbeddedAdapters();
  images = new PgImageRepository(adapters.pool);
  accounts = new PgAccountRepository(adapters.pool);
  inspector = new SharpImageInspector({ maxPixels: 10_000_000, maxFrames: 100, allowedFormats: ['png', 'jpeg'] });
});

afterAll(async () => {
  await adapters?.close();
});

/** An ImageService on the file's adapters; `clock` moves time when given. */
function service(options: { settings?: Partial<ImageServiceSettings>; clock?: () => Date } = {}): ImageService {
  return new ImageService({
    images,
    objects: adapters.objects,
    cache: adapters.cache,
    inspector,
    settings: { ...SETTINGS, ...options.settings },
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

async function newAccount(): Promise<string> {
  const id = newAccountId();
  const name = `u${id
    .slice(0, 12)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  const created = await accounts.create({
    id,
    username: name,
    email: `${name}@example.org`,
    passwordHash: 'unused',
    status: 'active',
    role: 'user',
    createdAt: new Date(),
  });
  expect(created).toBe('created');
  return id;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of adapters.objects.list(prefix)) keys.push(object.key);
  return keys.sort();
}

async function storedBytes(key: string): Promise<Buffer | null> {
  const object = await adapters.objects.get(key);
  return object ? Buffer.concat(await object.body.toArray()) : null;
}

async function outboxOf(key: string) {
  const { rows } = await adapters.pool.query<{
    topic: string;
    key: string;
    payload: Record<string, unknown>;
    headers: Record<string, string>;
  }>('SELECT topic, key, payload, headers FROM outbox WHERE key = $1 ORDER BY id', [key]);
  return rows;
}

async function counts() {
  const { rows } = await adapters.pool.query<{ images: number; outbox: number }>(
    'SELECT (SELECT count(*)::int FROM images) AS images, (SELECT count(*)::int FROM outbox) AS outbox',
  );
  return { ...rows[0]!, originals: (await keysUnder('originals/')).length };
}

/** What the worker does, without sharp's encoders: every planned output stored and recorded, status ready. */
async function markProcessed(svc: ImageService, image: ImageRecord): Promise<void> {
  const variants = [];
  for (const output of svc.plannedOutputs(image)) {
    const key = storageKeys.stored(image.visibility, output.key);
    await adapters.objects.put(key, Buffer.from(`${output.name}.${output.format}`), 'application/octet-stream');
    variants.push({ name: output.name, format: output.format, width: 1, height: 1, bytes: 1, key: output.key });
  }
  expect(await images.markReady(image.id, variants, null)).toBe(true);
}

const codeOf = (error: unknown) => (isAppError(error) ? [error.code, error.status] : error);

describe('ImageService uploads on the embedded adapters', () => {
  it('when a PNG is uploaded, then it gets an id and links, its original is stored byte for byte, and its row and image.uploaded event are committed', async () => {
    const [uploaded] = await service().upload([PNG], { title: 'Holiday' }, { requestId: 'req-1' });

    const image = uploaded!.image;
    expect(isImageId(image.id)).toBe(true);
    expect(uploaded!.deleteToken.length).toBeGreaterThan(20);
    expect([image.format, image.width, image.height, image.status]).toEqual(['png', 16, 12, 'pending']);
    expect(buildLinks(PUBLIC_URL, image).direct).toBe(`${PUBLIC_URL}/i/${image.id}.png`);
    expect(await storedBytes(storageKeys.original(image.id))).toEqual(PNG);
    const row = await images.findById(image.id);
    expect([row?.status, row?.title, row?.bytes]).toEqual(['pending', 'Holiday', PNG.length]);
    expect(await outboxOf(image.id)).toEqual([
      {
        topic: TOPICS.imageUploaded,
        key: image.id,
        payload: { imageId: image.id },
        headers: { 'x-request-id': 'req-1' },
      },
    ]);
  });

  it('when several files are uploaded at once, then each gets its row, its original and its event', async () => {
    const uploaded = await service().upload([PNG, PNG], {});

    expect(uploaded).toHaveLength(2);
    expect(new Set(uploaded.map((u) => u.image.id)).size).toBe(2);
    for (const { image } of uploaded) {
      expect((await images.findById(image.id))?.status).toBe('pending');
      expect(await storedBytes(storageKeys.original(image.id))).toEqual(PNG);
      expect((await outboxOf(image.id)).map((e) => e.topic)).toEqual([TOPICS.imageUploaded]);
    }
  });

  it('when the rows cannot be committed (an owner the database does not know: the account was deleted meanwhile), then 401 AUTHENTICATION_REQUIRED, and no row and no event remain and the stored original is removed again', async () => {
    const before = await counts();

    const error = await service()
      .upload([PNG], { ownerId: newAccountId() })
      .catch((e: unknown) => e);

    expect(codeOf(error)).toEqual(['AUTHENTICATION_REQUIRED', 401]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['text that only claims to be an image', Buffer.from('GIF89a? no, just text'), ['UNSUPPORTED_MEDIA_TYPE', 415]],
    ['a truncated PNG', PNG.subarray(0, 60), ['CORRUPT_IMAGE', 422]],
    ['an empty file', Buffer.alloc(0), ['EMPTY_FILE', 400]],
  ])(
    'when %s comes with a good PNG, then the upload is refused with its code and nothing is stored',
    async (_, bad, code) => {
      const before = await counts();

      const error = await service()
        .upload([PNG, bad], {})
        .catch((e: unknown) => e);

      expect(codeOf(error)).toEqual(code);
      expect(await counts()).toEqual(before);
    },
  );

  it('when a format is not among the allowed ones, then it is refused as 415 even though it is a valid image', async () => {
    const pngOnly = new ImageService({
      images,
      objects: adapters.objects,
      cache: adapters.cache,
      inspector: new SharpImageInspector({ maxPixels: 10_000_000, maxFrames: 100, allowedFormats: ['jpeg'] }),
      settings: SETTINGS,
    });
    const before = await counts();

    expect(codeOf(await pngOnly.upload([PNG], {}).catch((e: unknown) => e))).toEqual(['UNSUPPORTED_MEDIA_TYPE', 415]);
    expect(await counts()).toEqual(before);
  });

  it('when a public image is uploaded by a signed-in owner, then its follower notification is committed with it', async () => {
    const owner = await newAccount();

    const [uploaded] = await service().upload([PNG], { ownerId: owner, ownerUsername: 'alice', title: 'Hi' });

    const notification = await outboxOf(owner);
    expect(notification.map((e) => [e.topic, e.payload.type, (e.payload.data as { imageId: string }).imageId])).toEqual(
      [[TOPICS.notifications, 'image.published', uploaded!.image.id]],
    );
  });
});

describe('ImageService expiry on the embedded adapters', () => {
  const bounded = { expiry: { defaultSeconds: 3600, maxSeconds: 86_400 } };

  it.each([['2d'], ['never'], ['soon']])(
    'when expiresIn=%s is outside the policy (at most 1 day), then 400 VALIDATION_FAILED and nothing is stored',
    async (expiresIn) => {
      const before = await counts();

      const error = await service({ settings: bounded })
        .upload([PNG], { expiresIn })
        .catch((e: unknown) => e);

      expect(codeOf(error)).toEqual(['VALIDATION_FAILED', 400]);
      expect(await counts()).toEqual(before);
    },
  );

  it('when an upload asks for 1d, or nothing, then the row expires then, or after the default', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    const svc = service({ settings: bounded, clock: () => now });

    const [day] = await svc.upload([PNG], { expiresIn: '1d' });
    const [byDefault] = await svc.upload([PNG], {});

    expect((await images.findById(day!.image.id))?.expiresAt).toEqual(new Date('2026-12-02T12:00:00.000Z'));
    expect((await images.findById(byDefault!.image.id))?.expiresAt).toEqual(new Date('2026-12-01T13:00:00.000Z'));
  });

  it('when an image has expired, then it is no longer found nor listed, and its token still deletes what the cleanup has not removed yet', async () => {
    let now = new Date();
    const svc = service({ clock: () => now });
    const [uploaded] = await svc.upload([PNG], { expiresIn: '10m' });
    const { id } = uploaded!.image;
    await markProcessed(svc, uploaded!.image);
    expect((await svc.get(id)).status).toBe('ready');

    now = new Date(now.getTime() + 11 * 60_000);

    expect(codeOf(await svc.get(id).catch((e: unknown) => e))).toEqual(['IMAGE_NOT_FOUND', 404]);
    expect((await svc.list({ limit: 100 })).map((i) => i.id)).not.toContain(id);
    expect(await images.findById(id)).not.toBeNull();
    const wrong = await svc.delete(id, 'not-the-token').catch((e: unknown) => e);
    expect(codeOf(wrong)).toEqual(['INVALID_DELETE_TOKEN', 403]);
    expect(await images.findById(id)).not.toBeNull();

    await svc.delete(id, uploaded!.deleteToken);
    expect(await images.findById(id)).toBeNull();
    expect(await keysUnder(`public/${id}`)).toEqual([]);
    expect(await storedBytes(storageKeys.original(id))).toBeNull();
  });
});

describe('ImageService deletes on the embedded adapters', () => {
  it('when the delete token matches, then the row, the original and every output are gone, and so is the cached entry', async () => {
    const svc = service();
    const [uploaded] = await svc.upload([PNG], {});
    const { id } = uploaded!.image;
    await markProcessed(svc, uploaded!.image);
    await svc.get(id);
    expect(await adapters.cache.get(`image:${id}`)).toBeDefined();
    expect(await keysUnder(`public/${id}`)).not.toEqual([]);

    await svc.delete(id, uploaded!.deleteToken);

    expect(await images.findById(id)).toBeNull();
    expect(await keysUnder(`public/${id}`)).toEqual([]);
    expect(await storedBytes(storageKeys.original(id))).toBeNull();
    expect(await adapters.cache.get(`image:${id}`)).toBeUndefined();
    expect(codeOf(await svc.get(id).catch((e: unknown) => e))).toEqual(['IMAGE_NOT_FOUND', 404]);
  });

  it('when the token is wrong, then 403 INVALID_DELETE_TOKEN and the image stays; an unknown id gets the very same answer', async () => {
    const svc = service();
    const [uploaded] = await svc.upload([PNG], {});
    const { id } = uploaded!.image;
    const [other] = await svc.upload([PNG], {});

    const wrong = await svc.delete(id, other!.deleteToken).catch((e: unknown) => e);
    const unknown = await svc.delete(newImageId(), uploaded!.deleteToken).catch((e: unknown) => e);
    const malformed = await svc.delete('../etc/passwd', uploaded!.deleteToken).catch((e: unknown) => e);

    for (const error of [wrong, unknown, malformed]) expect(codeOf(error)).toEqual(['INVALID_DELETE_TOKEN', 403]);
    expect((wrong as Error).message).toBe((unknown as Error).message);
    expect((await images.findById(id))?.status).toBe('pending');
    expect(await storedBytes(storageKeys.original(id))).toEqual(PNG);
  });
});

describe('ImageService cache on the embedded adapters', () => {
  it('when a pending image is read, then it is not cached; once ready, it is, and an owner change drops the entry', async () => {
    const owner = await newAccount();
    const svc = service();
    const [uploaded] = await svc.upload([PNG], { ownerId: owner, title: 'before' });
    const { id } = uploaded!.image;

    await svc.get(id);
    expect(await adapters.cache.get(`image:${id}`)).toBeUndefined();

    await markProcessed(svc, uploaded!.image);
    await svc.get(id);
    expect(await adapters.cache.get(`image:${id}`)).toBeDefined();

    await svc.update(id, { accountId: owner, admin: false }, { title: 'after' });
    expect(await adapters.cache.get(`image:${id}`)).toBeUndefined();
    expect((await svc.get(id)).title).toBe('after');
  });

  it('when a cached image is deleted by its owner, then reads answer 404 at once', async () => {
    const owner = await newAccount();
    const svc = service();
    const [uploaded] = await svc.upload([PNG], { ownerId: owner });
    const { id } = uploaded!.image;
    await markProcessed(svc, uploaded!.image);
    await svc.get(id);

    await svc.deleteAsOwner(id, { accountId: owner, admin: false });

    expect(codeOf(await svc.get(id).catch((e: unknown) => e))).toEqual(['IMAGE_NOT_FOUND', 404]);
    expect(await keysUnder(`public/${id}`)).toEqual([]);
  });
});

describe('ImageService owner-only operations on the embedded adapters', () => {
  it('when a private image is uploaded without an owner, then 401 AUTHENTICATION_REQUIRED and nothing is stored', async () => {
    const before = await counts();

    const error = await service()
      .upload([PNG], { visibility: 'private' })
      .catch((e: unknown) => e);

    expect(codeOf(error)).toEqual(['AUTHENTICATION_REQUIRED', 401]);
    expect(await counts()).toEqual(before);
  });

  it('when someone else changes or deletes a public image, then 403 NOT_OWNER; an admin may', async () => {
    const [owner, stranger] = [await newAccount(), await newAccount()];
    const svc = service();
    const [uploaded] = await svc.upload([PNG], { ownerId: owner, title: 'mine' });
    const { id } = uploaded!.image;

    const changed = await svc
      .update(id, { accountId: stranger, admin: false }, { title: 'theirs' })
      .catch((e: unknown) => e);
    const deleted = await svc.deleteAsOwner(id, { accountId: stranger, admin: false }).catch((e: unknown) => e);

    expect([codeOf(changed), codeOf(deleted)]).toEqual([
      ['NOT_OWNER', 403],
      ['NOT_OWNER', 403],
    ]);
    expect((await images.findById(id))?.title).toBe('mine');
    expect((await svc.update(id, { accountId: stranger, admin: true }, { title: 'moderated' })).title).toBe(
      'moderated',
    );
  });

  it('when a ready image turns private, then its outputs move under private/ and only its owner finds it; back to public, they return', async () => {
    const [owner, stranger] = [await newAccount(), await newAccount()];
    const svc = service();
    const [uploaded] = await svc.upload([PNG], { ownerId: owner });
    const { id } = uploaded!.image;
    await markProcessed(svc, uploaded!.image);
    const publicKeys = await keysUnder(`public/${id}`);
    expect(publicKeys).toContain(`public/${id}.png`);

    await svc.update(id, { accountId: owner, admin: false }, { visibility: 'private' });

    expect(await keysUnder(`public/${id}`)).toEqual([]);
    expect(await keysUnder(`private/${id}`)).toEqual(
      publicKeys.map((key) => storageKeys.stored('private', key)).sort(),
    );
    expect((await svc.get(id, { accountId: owner })).visibility).toBe('private');
    for (const reader of [{}, { accountId: stranger }]) {
      expect(codeOf(await svc.get(id, reader).catch((e: unknown) => e))).toEqual(['IMAGE_NOT_FOUND', 404]);
    }
    // Refused on a private image, a stranger's change looks like a missing image.
    const changed = await svc
      .update(id, { accountId: stranger, admin: false }, { title: 'x' })
      .catch((e: unknown) => e);
    expect(codeOf(changed)).toEqual(['IMAGE_NOT_FOUND', 404]);

    await svc.update(id, { accountId: owner, admin: false }, { visibility: 'public' });

    expect(await keysUnder(`public/${id}`)).toEqual(publicKeys);
    expect(await keysUnder(`private/${id}`)).toEqual([]);
    expect((await svc.get(id)).visibility).toBe('public');
  });

  it('when an anonymous image is made private by an admin, then 409 PRIVATE_NEEDS_OWNER and nothing moves', async () => {
    const svc = service();
    const [uploaded] = await svc.upload([PNG], {});
    const { id } = uploaded!.image;
    await markProcessed(svc, uploaded!.image);
    const publicKeys = await keysUnder(`public/${id}`);

    const error = await svc
      .update(id, { accountId: await newAccount(), admin: true }, { visibility: 'private' })
      .catch((e: unknown) => e);

    expect(codeOf(error)).toEqual(['PRIVATE_NEEDS_OWNER', 409]);
    expect(await keysUnder(`public/${id}`)).toEqual(publicKeys);
    expect((await images.findById(id))?.visibility).toBe('public');
    // The claim was given up: a later change is not refused as busy.
    expect((await svc.update(id, { accountId: 'admin', admin: true }, { title: 'ok' })).title).toBe('ok');
  });

  it('when an image still being processed changes visibility, then 409 IMAGE_PROCESSING and the row stays', async () => {
    const owner = await newAccount();
    const svc = service();
    const [uploaded] = await svc.upload([PNG], { ownerId: owner });
    const { id } = uploaded!.image;

    const error = await svc
      .update(id, { accountId: owner, admin: false }, { visibility: 'private' })
      .catch((e: unknown) => e);

    expect(codeOf(error)).toEqual(['IMAGE_PROCESSING', 409]);
    expect((await images.findById(id))?.visibility).toBe('public');
  });
});
