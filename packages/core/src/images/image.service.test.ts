import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import type { Cache } from '../ports/cache.port.js';
import type { ImageInspector } from '../ports/image-inspector.port.js';
import type { ImageRepository } from '../ports/image-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { newImageId } from '../shared/ids.js';
import type { ImageRecord, Visibility } from './image.js';
import { ImageService } from './image.service.js';

/** A service whose database fails every list with `error`. */
function serviceWhoseDatabaseFails(error: Error): ImageService {
  const images = { listPublic: () => Promise.reject(error) } as unknown as ImageRepository;
  return new ImageService({
    images,
    objects: {} as ObjectStore,
    cache: {} as Cache,
    inspector: {} as ImageInspector,
    settings: {} as ConstructorParameters<typeof ImageService>[0]['settings'],
  });
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('ImageService and its dependencies', () => {
  it('when the database cannot be reached, then the answer is 503 DEPENDENCY_UNAVAILABLE (retry later)', async () => {
    const error = await serviceWhoseDatabaseFails(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))
      .list({ limit: 10 })
      .catch((e: unknown) => e);
    expect(isAppError(error) && [error.code, error.status, error.retryable]).toEqual([
      'DEPENDENCY_UNAVAILABLE',
      503,
      true,
    ]);
  });

  it('when the database refuses a value (a date out of range), then it is not called an outage but passed on as the bug it is', async () => {
    const refusal = withCode('date/time field value out of range', '22008');
    const error = await serviceWhoseDatabaseFails(refusal)
      .list({ limit: 10 })
      .catch((e: unknown) => e);
    expect(error).toBe(refusal);
  });
});

/**
 * One ready PNG owned by `owner`, its display copy stored under the prefix of its visibility, in
 * memory; `gate` (when set) holds every object read until it is opened.
 */
function oneImage(visibility: Visibility) {
  const id = newImageId();
  const stored = new Map<string, Buffer>([
    [`${visibility === 'private' ? 'private' : 'public'}/${id}.png`, Buffer.from('png')],
  ]);
  let row: ImageRecord = {
    id,
    status: 'ready',
    format: 'png',
    width: 10,
    height: 10,
    bytes: 3,
    frames: 1,
    hasAlpha: false,
    title: null,
    visibility,
    watermark: null,
    placeholder: null,
    variants: [],
    failureReason: null,
    attempts: 1,
    createdAt: new Date(),
    expiresAt: null,
    processedAt: new Date(),
    deleteTokenHash: Buffer.alloc(32),
    ownerId: 'owner',
    ownerBlocked: false,
    views: 0,
  };
  let moveClaimed = false;
  const control: { gate?: Promise<void> } = {};
  const images = {
    findById: () => Promise.resolve({ ...row }),
    claimVisibilityMove: () => {
      if (moveClaimed) return Promise.resolve('busy' as const);
      moveClaimed = true;
      return Promise.resolve({ ...row });
    },
    releaseVisibilityMove: () => {
      moveClaimed = false;
      return Promise.resolve();
    },
    updateDetails: (_id: string, changes: Partial<ImageRecord>, options: { finishMove?: boolean } = {}) => {
      row = { ...row, ...changes };
      if (options.finishMove) moveClaimed = false;
      return Promise.resolve({ ...row });
    },
  } as unknown as ImageRepository;
  const objects = {
    async get(key: string) {
      await control.gate;
      const body = stored.get(key);
      return body ? { key, size: body.length, contentType: 'image/png', body: Readable.from([body]) } : null;
    },
    put(key: string, body: Buffer) {
      stored.set(key, body);
      return Promise.resolve({ key, size: body.length, contentType: 'image/png' });
    },
    delete(keys: readonly string[]) {
      for (const key of keys) stored.delete(key);
      return Promise.resolve();
    },
    async *list() {},
  } as unknown as ObjectStore;
  const service = new ImageService({
    images,
    objects,
    cache: { delete: () => Promise.resolve() } as unknown as Cache,
    inspector: {} as ImageInspector,
    settings: { variants: { thumbnailSize: 0, widths: [] } } as unknown as ConstructorParameters<
      typeof ImageService
    >[0]['settings'],
  });
  return { id, service, stored, control, row: () => row };
}

const OWNER = { accountId: 'owner', admin: false };

describe('ImageService visibility changes', () => {
  it('when an opposite change arrives while a move runs, then it is refused with 409 VISIBILITY_CHANGE_IN_PROGRESS and row and objects stay in step', async () => {
    const { id, service, stored, control, row } = oneImage('private');
    let open!: () => void;
    control.gate = new Promise((resolve) => (open = resolve));

    const toPublic = service.update(id, OWNER, { visibility: 'public' });
    await new Promise((resolve) => setImmediate(resolve));
    const toPrivate = await service.update(id, OWNER, { visibility: 'private' }).catch((e: unknown) => e);
    open();
    await toPublic;

    expect(isAppError(toPrivate) && [toPrivate.code, toPrivate.status]).toEqual(['VISIBILITY_CHANGE_IN_PROGRESS', 409]);
    expect(row().visibility).toBe('public');
    expect([...stored.keys()]).toEqual([`public/${id}.png`]);
    // Once the first move is done, the second one goes through and moves the objects back.
    await service.update(id, OWNER, { visibility: 'private' });
    expect(row().visibility).toBe('private');
    expect([...stored.keys()]).toEqual([`private/${id}.png`]);
  });

  it('when a move fails, then its claim is given up and the next change is not refused as busy', async () => {
    const { id, service, control, row } = oneImage('private');
    control.gate = Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    control.gate.catch(() => undefined);

    const failed = await service.update(id, OWNER, { visibility: 'public' }).catch((e: unknown) => e);
    expect(isAppError(failed) && failed.code).toBe('DEPENDENCY_UNAVAILABLE');
    delete control.gate;
    await service.update(id, OWNER, { visibility: 'public' });
    expect(row().visibility).toBe('public');
  });
});
