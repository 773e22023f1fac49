import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  newImageId,
  storageKeys,
  TOPICS,
  type ImageRecord,
  type ImageRepository,
  type ListCursor,
  type NewImage,
  type OutboxEvent,
  type OutboxRepository,
  type PendingOutboxEvent,
  type VariantRecord,
} from '@pictor/core';

export interface ImageRepositoryContractFixture {
  /** Both repositories over the same database, whose images and outbox start empty. */
  images: ImageRepository;
  outbox: OutboxRepository;
  teardown(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
/** The "now" of listing: an hour after T0. */
const NOW = at(3600);

function newImage(overrides: Partial<NewImage> = {}): NewImage {
  return {
    id: newImageId(),
    format: 'jpeg',
    width: 4000,
    height: 3000,
    bytes: 2_400_000,
    frames: 1,
    hasAlpha: false,
    title: 'Harbour at dawn',
    visibility: 'public',
    watermark: null,
    expiresAt: null,
    deleteTokenHash: randomBytes(32),
    createdAt: at(0),
    ...overrides,
  };
}

function uploaded(imageId: string): OutboxEvent {
  return {
    topic: TOPICS.imageUploaded,
    key: imageId,
    payload: { imageId },
    headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  };
}

function variantsOf(id: string): VariantRecord[] {
  return [
    {
      name: 'display',
      format: 'jpeg',
      width: 4000,
      height: 3000,
      bytes: 2_100_000,
      key: storageKeys.display(id, 'jpeg'),
    },
    {
      name: 'w640',
      format: 'webp',
      width: 640,
      height: 480,
      bytes: 41_000,
      key: storageKeys.variant(id, 'w640', 'webp'),
    },
    {
      name: 'w640',
      format: 'avif',
      width: 640,
      height: 480,
      bytes: 30_500,
      key: storageKeys.variant(id, 'w640', 'avif'),
    },
  ];
}

/** Realm-independent: a driver may build its Dates outside jest's sandbox. */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]' && !Number.isNaN((value as Date).getTime());
}

const ids = (records: readonly { id: string }[]): string[] => records.map((r) => r.id);
const withoutId = ({ id: _id, ...event }: PendingOutboxEvent): OutboxEvent => event;

/**
 * What every ImageRepository and OutboxRepository pair owes its callers: atomic uploads with their
 * events, faithful rows, a public list that pages without gaps or repeats, state changes that
 * only move pending images, and an outbox that hands each event out until a publish succeeds.
 * `setup` runs before each test and must hand over empty tables.
 */
export function describeImageRepositoryContract(
  name: string,
  setup: () => Promise<ImageRepositoryContractFixture>,
): void {
  describe(`${name} (ImageRepository and OutboxRepository contract)`, () => {
    let fixture: ImageRepositoryContractFixture | undefined;
    let images: ImageRepository;
    let outbox: OutboxRepository;

    /** Drains with a publish that succeeds, keeping what it was handed. */
    const drain = async (limit = 100): Promise<{ count: number; events: PendingOutboxEvent[] }> => {
      const events: PendingOutboxEvent[] = [];
      const count = await outbox.drain(limit, (batch) => {
        events.push(...batch);
        return Promise.resolve();
      });
      return { count, events };
    };

    const insert = async (...records: NewImage[]): Promise<void> =>
      images.insertWithEvents(
        records,
        records.map((r) => uploaded(r.id)),
      );

    beforeEach(async () => {
      fixture = await setup();
      images = fixture.images;
      outbox = fixture.outbox;
    });

    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    describe('insertWithEvents', () => {
      it('when images are inserted with their events, then both rows and events are stored', async () => {
        const a = newImage();
        const b = newImage();
        const custom: OutboxEvent = {
          topic: 'pictor.contract.custom',
          key: a.id,
          payload: { nested: { list: [1, 'two', null], flag: true }, note: 'ünïcode ✓' },
          headers: { 'x-request-id': 'req-1' },
        };

        await images.insertWithEvents([a, b], [uploaded(a.id), uploaded(b.id), custom]);

        expect(await images.findById(a.id)).not.toBeNull();
        expect(await images.findById(b.id)).not.toBeNull();
        const { events } = await drain();
        expect(events.map(withoutId)).toEqual([uploaded(a.id), uploaded(b.id), custom]);
      });

      it('when a batch holds the same id twice, then it rejects and stores neither rows nor events', async () => {
        const a = newImage();
        const b = newImage();

        await expect(
          images.insertWithEvents([a, b, { ...a, title: 'again' }], [uploaded(a.id), uploaded(b.id)]),
        ).rejects.toThrow();

        expect(await images.findById(a.id)).toBeNull();
        expect(await images.findById(b.id)).toBeNull();
        expect((await outbox.backlog()).count).toBe(0);
        expect((await drain()).events).toEqual([]);
      });

      it('when a batch reuses an existing id, then it rejects, stores nothing of that batch and leaves the first row as it was', async () => {
        const first = newImage({ title: 'first' });
        await insert(first);
        const fresh = newImage();

        await expect(
          images.insertWithEvents([fresh, { ...first, title: 'second' }], [uploaded(fresh.id), uploaded(first.id)]),
        ).rejects.toThrow();

        expect(await images.findById(fresh.id)).toBeNull();
        expect((await images.findById(first.id))?.title).toBe('first');
        const { events } = await drain();
        expect(events.map(withoutId)).toEqual([uploaded(first.id)]);
      });
    });

    describe('findById', () => {
      it('when an image is read back, then every field is as inserted, dates as Date and the token hash as Buffer', async () => {
        // Above 2^31, so a bigint column that comes back as a string or wraps is caught.
        const image = newImage({
          bytes: 3_221_225_472,
          title: 'Zürich ☀ — at dawn',
          watermark: '© Ana',
          expiresAt: at(86_400),
          createdAt: new Date(T0 + 123),
        });
        await insert(image);

        const found = await images.findById(image.id);

        expect(found).toEqual({
          ...image,
          status: 'pending',
          placeholder: null,
          variants: [],
          failureReason: null,
          attempts: 0,
          processedAt: null,
          ownerId: null,
          ownerBlocked: false,
          views: 0,
        } satisfies ImageRecord);
        expect(isDate(found!.createdAt)).toBe(true);
        expect(found!.createdAt.getTime()).toBe(T0 + 123);
        expect(isDate(found!.expiresAt)).toBe(true);
        expect(found!.expiresAt!.getTime()).toBe(at(86_400).getTime());
        expect(Buffer.isBuffer(found!.deleteTokenHash)).toBe(true);
        expect(found!.deleteTokenHash.equals(image.deleteTokenHash)).toBe(true);
        expect(typeof found!.bytes).toBe('number');
      });

      it('when optional fields are empty, then they read back as null, and other kinds of image keep their shape', async () => {
        const image = newImage({
          format: 'gif',
          frames: 24,
          hasAlpha: true,
          visibility: 'unlisted',
          title: null,
          watermark: null,
          expiresAt: null,
        });
        await insert(image);

        const found = await images.findById(image.id);

        expect(found).toMatchObject({
          format: 'gif',
          frames: 24,
          hasAlpha: true,
          visibility: 'unlisted',
          title: null,
          watermark: null,
          expiresAt: null,
        });
      });

      it('when an id does not exist, then findById returns null', async () => {
        await insert(newImage());

        expect(await images.findById(newImageId())).toBeNull();
      });

      it('when an image is ready, then its variants, placeholder and processing time read back', async () => {
        const image = newImage();
        await insert(image);

        await images.markReady(image.id, variantsOf(image.id), 'data:image/webp;base64,UklGRg==');
        const found = await images.findById(image.id);

        expect(found).toMatchObject({
          status: 'ready',
          variants: variantsOf(image.id),
          placeholder: 'data:image/webp;base64,UklGRg==',
          failureReason: null,
        });
        expect(isDate(found!.processedAt)).toBe(true);
      });
    });

    describe('listPublic', () => {
      it('when listing, then public, visible images come newest first and unlisted, failed, deleting and expired ones are left out', async () => {
        const pendingOld = newImage({ createdAt: at(-300) });
        const readyNew = newImage({ createdAt: at(-100) });
        const expiresLater = newImage({ createdAt: at(-700), expiresAt: new Date(NOW.getTime() + 60_000) });
        const unlisted = newImage({ createdAt: at(-200), visibility: 'unlisted' });
        const failed = newImage({ createdAt: at(-400) });
        const deleting = newImage({ createdAt: at(-500) });
        const expiredNow = newImage({ createdAt: at(-600), expiresAt: NOW });
        const expiredBefore = newImage({ createdAt: at(-50), expiresAt: at(0) });
        await insert(pendingOld, readyNew, expiresLater, unlisted, failed, deleting, expiredNow, expiredBefore);
        await images.markReady(readyNew.id, variantsOf(readyNew.id), null);
        await images.markFailed(failed.id, 'corrupt image');
        await images.markDeleting(deleting.id);

        const listed = await images.listPublic({ limit: 50, now: NOW });

        expect(ids(listed)).toEqual([readyNew.id, pendingOld.id, expiresLater.id]);
        expect(listed[0]).toMatchObject({ status: 'ready', variants: variantsOf(readyNew.id) });
        // Expiry is judged against the `now` given, not the database clock.
        const earlier = await images.listPublic({ limit: 50, now: at(-1) });
        expect(ids(earlier)).toContain(expiredBefore.id);
        expect(ids(earlier)).toContain(expiredNow.id);
      });

      it('when paging with a cursor, then every image appears exactly once and in order, even when several share a createdAt', async () => {
        const tie = at(-100);
        const rows = [
          newImage({ createdAt: at(-10) }),
          newImage({ createdAt: tie }),
          newImage({ createdAt: tie }),
          newImage({ createdAt: tie }),
          newImage({ createdAt: tie }),
          newImage({ createdAt: at(-200) }),
          newImage({ createdAt: at(-300) }),
        ];
        await images.insertWithEvents(rows, []);

        const full = await images.listPublic({ limit: 100, now: NOW });
        expect(new Set(ids(full))).toEqual(new Set(ids(rows)));
        expect(full).toHaveLength(rows.length);
        for (let i = 1; i < full.length; i++)
          expect(full[i]!.createdAt.getTime()).toBeLessThanOrEqual(full[i - 1]!.createdAt.getTime());

        for (const limit of [1, 2, 3]) {
          const seen: string[] = [];
          let after: ListCursor | undefined;
          for (let page = 0; page <= rows.length; page++) {
            const batch = await images.listPublic({ limit, after, now: NOW });
            expect(batch.length).toBeLessThanOrEqual(limit);
            seen.push(...ids(batch));
            if (batch.length === 0) break;
            const last = batch[batch.length - 1]!;
            after = { createdAt: last.createdAt, id: last.id };
          }
          expect(seen).toEqual(ids(full));
        }
      });
    });

    describe('state changes', () => {
      it('when a pending image gets variants, then they are recorded and it stays pending', async () => {
        const image = newImage();
        await insert(image);

        expect(await images.recordVariants(image.id, variantsOf(image.id), 'data:image/webp;base64,AA==')).toBe(true);

        expect(await images.findById(image.id)).toMatchObject({
          status: 'pending',
          variants: variantsOf(image.id),
          placeholder: 'data:image/webp;base64,AA==',
          processedAt: null,
        });
      });

      it('when a pending image is marked ready, then it is ready and listed with its variants', async () => {
        const image = newImage();
        await insert(image);

        expect(await images.markReady(image.id, variantsOf(image.id), null)).toBe(true);

        const found = await images.findById(image.id);
        expect(found).toMatchObject({ status: 'ready', variants: variantsOf(image.id), placeholder: null });
        expect(isDate(found!.processedAt)).toBe(true);
      });

      it('when a pending image is marked failed, then it is failed with its reason', async () => {
        const image = newImage();
        await insert(image);

        expect(await images.markFailed(image.id, 'CORRUPT_IMAGE: truncated JPEG')).toBe(true);

        const found = await images.findById(image.id);
        expect(found).toMatchObject({ status: 'failed', failureReason: 'CORRUPT_IMAGE: truncated JPEG' });
        expect(isDate(found!.processedAt)).toBe(true);
      });

      it('when an image is no longer pending or is missing, then recordVariants, markReady and markFailed return false and change nothing', async () => {
        const ready = newImage();
        const failed = newImage();
        const deleting = newImage();
        await insert(ready, failed, deleting);
        await images.markReady(ready.id, variantsOf(ready.id), 'data:,ready');
        await images.markFailed(failed.id, 'first failure');
        await images.markDeleting(deleting.id);

        for (const id of [ready.id, failed.id, deleting.id]) {
          const before = await images.findById(id);
          expect(await images.recordVariants(id, [], 'data:,other')).toBe(false);
          expect(await images.markReady(id, [], 'data:,other')).toBe(false);
          expect(await images.markFailed(id, 'second failure')).toBe(false);
          expect(await images.findById(id)).toEqual(before);
        }
        const missing = newImageId();
        expect(await images.recordVariants(missing, [], null)).toBe(false);
        expect(await images.markReady(missing, [], null)).toBe(false);
        expect(await images.markFailed(missing, 'gone')).toBe(false);
        expect(await images.findById(missing)).toBeNull();
      });

      it('when attempts are counted, then each call returns the next count, and a missing row gives null', async () => {
        const image = newImage();
        await insert(image);

        expect(await images.countAttempt(image.id)).toBe(1);
        expect(await images.countAttempt(image.id)).toBe(2);
        expect(await images.countAttempt(image.id)).toBe(3);

        expect((await images.findById(image.id))?.attempts).toBe(3);
        expect(await images.countAttempt(newImageId())).toBeNull();
      });

      it('when an image is marked deleting, then the row comes back once, as it was, and later calls return null', async () => {
        const ready = newImage({ format: 'png', hasAlpha: true, width: 1200 });
        const pending = newImage();
        const failed = newImage();
        await insert(ready, pending, failed);
        await images.markReady(ready.id, variantsOf(ready.id), null);
        await images.markFailed(failed.id, 'broken');

        const claimed = await images.markDeleting(ready.id);

        expect(claimed).toMatchObject({
          id: ready.id,
          status: 'ready',
          format: 'png',
          hasAlpha: true,
          width: 1200,
          variants: variantsOf(ready.id),
        });
        expect(await images.markDeleting(ready.id)).toBeNull();
        expect((await images.findById(ready.id))?.status).toBe('deleting');
        expect((await images.markDeleting(pending.id))?.status).toBe('pending');
        expect((await images.markDeleting(failed.id))?.status).toBe('failed');
        expect(await images.markDeleting(newImageId())).toBeNull();
      });

      it('when two deletes race for one image, then exactly one of them claims it', async () => {
        const image = newImage();
        await insert(image);

        const claims = await Promise.all([images.markDeleting(image.id), images.markDeleting(image.id)]);

        expect(claims.filter((c) => c !== null)).toHaveLength(1);
      });

      it('when a visibility move is claimed, then a second claim is busy until the first finishes, gives up or goes stale', async () => {
        const image = newImage();
        await insert(image);

        const first = await images.claimVisibilityMove(image.id, 60);
        expect(first).toMatchObject({ id: image.id, visibility: image.visibility });
        expect(await images.claimVisibilityMove(image.id, 60)).toBe('busy');
        // A detail change that is not a move leaves the claim alone.
        await images.updateDetails(image.id, { title: 'renamed' });
        expect(await images.claimVisibilityMove(image.id, 60)).toBe('busy');
        // Finishing the move writes the visibility and ends the claim.
        expect(await images.updateDetails(image.id, { visibility: 'unlisted' }, { finishMove: true })).toMatchObject({
          visibility: 'unlisted',
          title: 'renamed',
        });
        expect(await images.claimVisibilityMove(image.id, 60)).toMatchObject({ visibility: 'unlisted' });
        await images.releaseVisibilityMove(image.id);
        expect(await images.claimVisibilityMove(image.id, 60)).not.toBe('busy');
        // A claim older than the stale limit is taken over (a crashed request's).
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await images.claimVisibilityMove(image.id, 0)).toMatchObject({ id: image.id });
        expect(await images.claimVisibilityMove(newImageId(), 60)).toBeNull();
        await images.markDeleting(image.id);
        expect(await images.claimVisibilityMove(image.id, 0)).toBeNull();
      });

      it('when two visibility moves race for one image, then exactly one of them claims it', async () => {
        const image = newImage();
        await insert(image);

        const claims = await Promise.all([
          images.claimVisibilityMove(image.id, 60),
          images.claimVisibilityMove(image.id, 60),
        ]);

        expect(claims.filter((c) => c !== 'busy' && c !== null)).toHaveLength(1);
        expect(claims.filter((c) => c === 'busy')).toHaveLength(1);
      });

      it('when an image is removed, then it is gone, its neighbours stay, and removing again is harmless', async () => {
        const gone = newImage();
        const kept = newImage();
        await insert(gone, kept);

        await images.remove(gone.id);
        await images.remove(gone.id);

        expect(await images.findById(gone.id)).toBeNull();
        expect(await images.markDeleting(gone.id)).toBeNull();
        expect(await images.countAttempt(gone.id)).toBeNull();
        expect(await images.findById(kept.id)).not.toBeNull();
      });
    });

    describe('outbox', () => {
      it('when draining, then events go out oldest first with their content, and only once', async () => {
        const [a, b, c] = [newImage(), newImage(), newImage()];
        await insert(a);
        await insert(b);
        await insert(c);

        const first = await drain(10);
        const second = await drain(10);

        expect(first.count).toBe(3);
        expect(first.events.map(withoutId)).toEqual([uploaded(a.id), uploaded(b.id), uploaded(c.id)]);
        expect(new Set(ids(first.events)).size).toBe(3);
        expect(second).toEqual({ count: 0, events: [] });
      });

      it('when publish throws, then drain rejects and the same events are handed out by the next drain', async () => {
        const [a, b] = [newImage(), newImage()];
        await insert(a, b);
        const attempted: string[] = [];

        await expect(
          outbox.drain(10, (events) => {
            attempted.push(...ids(events));
            return Promise.reject(new Error('bus unavailable'));
          }),
        ).rejects.toThrow('bus unavailable');

        expect(attempted).toHaveLength(2);
        expect((await outbox.backlog()).count).toBe(2);
        const retry = await drain(10);
        expect(retry.count).toBe(2);
        expect(ids(retry.events)).toEqual(attempted);
        expect((await outbox.backlog()).count).toBe(0);
      });

      it('when draining with a limit, then each drain hands out at most that many, oldest first', async () => {
        const rows = Array.from({ length: 5 }, () => newImage());
        for (const row of rows) await insert(row);

        const batches = [await drain(2), await drain(2), await drain(2), await drain(2)];

        expect(batches.map((b) => b.count)).toEqual([2, 2, 1, 0]);
        expect(batches.map((b) => b.events.map((e) => e.key))).toEqual([
          [rows[0]!.id, rows[1]!.id],
          [rows[2]!.id, rows[3]!.id],
          [rows[4]!.id],
          [],
        ]);
      });

      it('when two relays drain at once, then no event is published twice and none is lost', async () => {
        const rows = Array.from({ length: 6 }, () => newImage());
        for (const row of rows) await insert(row);
        const published: string[] = [];
        const slowPublish = async (events: readonly PendingOutboxEvent[]): Promise<void> => {
          await sleep(30);
          published.push(...events.map((e) => e.key));
        };

        const counts = await Promise.all([outbox.drain(4, slowPublish), outbox.drain(4, slowPublish)]);

        expect(new Set(published).size).toBe(published.length);
        expect(counts[0] + counts[1]).toBe(published.length);
        const rest = await drain();
        expect([...published, ...rest.events.map((e) => e.key)].sort()).toEqual(ids(rows).sort());
      });

      it('when events of still-pending images were sent, then requeuePending makes only those unsent again', async () => {
        const [pending, ready, failed] = [newImage(), newImage(), newImage()];
        await insert(pending, ready, failed);
        // Nothing was sent yet, so nothing is requeued (and nothing doubled).
        expect(await outbox.requeuePending()).toBe(0);
        expect((await outbox.backlog()).count).toBe(3);
        expect((await drain()).count).toBe(3);
        await images.markReady(ready.id, variantsOf(ready.id), null);
        await images.markFailed(failed.id, 'broken');

        expect(await outbox.requeuePending()).toBe(1);

        const again = await drain();
        expect(again.events.map(withoutId)).toEqual([uploaded(pending.id)]);
      });

      it('when events wait, then backlog counts them and gives the age of the oldest', async () => {
        expect(await outbox.backlog()).toEqual({ count: 0, oldestAgeSeconds: 0 });
        await insert(newImage());
        await insert(newImage());

        await sleep(1100);
        const waiting = await outbox.backlog();

        expect(waiting.count).toBe(2);
        expect(waiting.oldestAgeSeconds).toBeGreaterThanOrEqual(1);
        expect(waiting.oldestAgeSeconds).toBeLessThan(60);
        await drain(1);
        expect((await outbox.backlog()).count).toBe(1);
        await drain();
        expect(await outbox.backlog()).toEqual({ count: 0, oldestAgeSeconds: 0 });
      });

      it('when sent events are pruned, then only sent ones older than the threshold go, and unsent ones stay', async () => {
        const rows = [newImage(), newImage(), newImage()];
        for (const row of rows) await insert(row);
        await drain(2);

        expect(await outbox.pruneSent(3600)).toBe(0);
        await sleep(50);
        expect(await outbox.pruneSent(0)).toBe(2);

        // Pruned events are gone for good: even still-pending images cannot get them back.
        expect(await outbox.requeuePending()).toBe(0);
        expect((await outbox.backlog()).count).toBe(1);
        const rest = await drain();
        expect(rest.events.map(withoutId)).toEqual([uploaded(rows[2]!.id)]);
      });
    });
  });
}
