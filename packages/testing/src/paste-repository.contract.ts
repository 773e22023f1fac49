import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  PASTE_TOPICS,
  newAccountId,
  newImageId,
  newPasteId,
  type ImageRepository,
  type AccountRepository,
  type NewPaste,
  type OutboxRepository,
  type PasteRepository,
  type PendingOutboxEvent,
  type ViewCountRepository,
} from '@pictor/core';

export interface PasteRepositoryContractFixture {
  /** Repositories over one database whose pastes, outbox and accounts start empty. */
  pastes: PasteRepository;
  outbox: OutboxRepository;
  accounts: AccountRepository;
  /** View totals, on the same database. */
  views: ViewCountRepository;
  /** Images on the same database: "most viewed" lists pastes and images together. */
  images: ImageRepository;
  teardown(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const NOW = at(3600);

function newPaste(overrides: Partial<NewPaste> = {}): NewPaste {
  return {
    id: newPasteId(),
    title: 'build log',
    slugBase: null,
    language: null,
    visibility: 'public',
    burnAfterReading: false,
    bytes: 120,
    createdAt: at(0),
    expiresAt: null,
    deleteTokenHash: randomBytes(32),
    ownerId: null,
    ...overrides,
  };
}

const created = (id: string) => ({
  topic: PASTE_TOPICS.created,
  key: id,
  payload: { pasteId: id },
  headers: {},
});

/** The contract every PasteRepository adapter must keep. */
export function describePasteRepositoryContract(
  name: string,
  setup: () => Promise<PasteRepositoryContractFixture>,
): void {
  describe(name, () => {
    let fx: PasteRepositoryContractFixture;
    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      await fx.teardown();
    });

    async function author(username: string): Promise<string> {
      const id = newAccountId();
      const result = await fx.accounts.create({
        id,
        username,
        email: `${username}@example.test`,
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        status: 'active',
        role: 'user',
        createdAt: at(0),
      });
      expect(result).toBe('created');
      return id;
    }

    async function drainedTopics(): Promise<PendingOutboxEvent[]> {
      const seen: PendingOutboxEvent[] = [];
      await fx.outbox.drain(100, (events) => {
        seen.push(...events);
        return Promise.resolve();
      });
      return seen;
    }

    it('when a paste is inserted, then its row reads back and its created event is in the outbox', async () => {
      const paste = newPaste({ language: 'python', burnAfterReading: true, expiresAt: at(7200) });
      const stored = await fx.pastes.insertWithEvent(paste, created(paste.id));
      expect(stored).toMatchObject({
        id: paste.id,
        status: 'active',
        title: 'build log',
        slug: null,
        language: 'python',
        burnAfterReading: true,
        bytes: 120,
        ownerId: null,
        ownerUsername: null,
        ownerBlocked: false,
      });
      expect(stored.expiresAt?.toISOString()).toBe(at(7200).toISOString());
      expect(Buffer.compare(stored.deleteTokenHash, paste.deleteTokenHash)).toBe(0);
      const events = await drainedTopics();
      expect(events.map((e) => [e.topic, e.key])).toEqual([[PASTE_TOPICS.created, paste.id]]);
    });

    it('when the outbox insert fails, then no paste row is left behind', async () => {
      const paste = newPaste();
      await expect(
        fx.pastes.insertWithEvent(paste, { ...created(paste.id), topic: null as unknown as string }),
      ).rejects.toThrow();
      expect(await fx.pastes.findById(paste.id)).toBeNull();
    });

    it('when a paste is inserted with further events, then all of them are in the outbox, in order', async () => {
      const owner = await author('ada');
      const paste = newPaste({ ownerId: owner, slugBase: 'notes' });
      const notify = { topic: 'pictor.notifications', key: owner, payload: { type: 'paste.published' }, headers: {} };
      await fx.pastes.insertWithEvent(paste, created(paste.id), notify);
      const events = await drainedTopics();
      expect(events.map((e) => [e.topic, e.key])).toEqual([
        [PASTE_TOPICS.created, paste.id],
        ['pictor.notifications', owner],
      ]);
    });

    it('when a further event cannot be written, then neither the paste nor its created event is kept', async () => {
      const paste = newPaste();
      await expect(
        fx.pastes.insertWithEvent(paste, created(paste.id), {
          ...created(paste.id),
          topic: null as unknown as string,
        }),
      ).rejects.toThrow();
      expect(await fx.pastes.findById(paste.id)).toBeNull();
      expect(await drainedTopics()).toEqual([]);
    });

    it('when an author makes two pastes with the same title, then the second slug gets -2', async () => {
      const owner = await author('ada');
      const first = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'build-log' }), created('a'));
      const second = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'build-log' }), created('b'));
      expect([first.slug, second.slug]).toEqual(['build-log', 'build-log-2']);
      expect(second.ownerUsername).toBe('ada');
      const other = await author('grace');
      const theirs = await fx.pastes.insertWithEvent(newPaste({ ownerId: other, slugBase: 'build-log' }), created('c'));
      expect(theirs.slug).toBe('build-log');
    });

    it('when many pastes with one title are made at once, then every slug is distinct', async () => {
      const owner = await author('ada');
      const made = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'notes' }), created(String(i))),
        ),
      );
      expect(new Set(made.map((p) => p.slug)).size).toBe(6);
    });

    it('when a slug is reserved, then the paste gets it with a suffix', async () => {
      const owner = await author('ada');
      const paste = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'raw' }), created('r'));
      expect(paste.slug).toBe('raw-2');
    });

    it('when a paste is renamed, then its new slug answers and the old one redirects to it', async () => {
      const owner = await author('ada');
      const paste = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'draft' }), created('d'));
      const renamed = await fx.pastes.updateDetails(paste.id, { title: 'Final notes', slugBase: 'final-notes' });
      expect(renamed?.slug).toBe('final-notes');
      expect(await fx.pastes.findBySlug('ada', 'final-notes')).toMatchObject({
        paste: { id: paste.id },
        redirected: false,
      });
      expect(await fx.pastes.findBySlug('ada', 'draft')).toMatchObject({ paste: { id: paste.id }, redirected: true });
      // The old slug stays this paste's: a new paste titled "draft" does not take it over.
      const next = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'draft' }), created('e'));
      expect(next.slug).toBe('draft-2');
      expect(await fx.pastes.findBySlug('grace', 'draft')).toBeNull();
    });

    it('when two callers claim one paste at once, then exactly one gets it', async () => {
      const paste = await fx.pastes.insertWithEvent(newPaste({ burnAfterReading: true }), created('x'));
      const claims = await Promise.all(Array.from({ length: 8 }, () => fx.pastes.claimForDeletion(paste.id)));
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      expect((await fx.pastes.findById(paste.id))?.status).toBe('deleting');
      await fx.pastes.remove(paste.id);
      expect(await fx.pastes.findById(paste.id)).toBeNull();
    });

    it('when listing, then only public, readable pastes come, newest first, page by page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const p = newPaste({ createdAt: at(i) });
        ids.push(p.id);
        await fx.pastes.insertWithEvent(p, created(p.id));
      }
      await fx.pastes.insertWithEvent(newPaste({ visibility: 'unlisted', createdAt: at(10) }), created('u'));
      await fx.pastes.insertWithEvent(newPaste({ expiresAt: at(60), createdAt: at(11) }), created('x'));
      const burnt = await fx.pastes.insertWithEvent(newPaste({ createdAt: at(12) }), created('b'));
      await fx.pastes.claimForDeletion(burnt.id);
      const first = await fx.pastes.listPublic({ limit: 3, now: NOW });
      expect(first.map((p) => p.id)).toEqual([ids[4], ids[3], ids[2]]);
      const last = first.at(-1)!;
      const second = await fx.pastes.listPublic({
        limit: 3,
        now: NOW,
        after: { createdAt: last.createdAt, id: last.id },
      });
      expect(second.map((p) => p.id)).toEqual([ids[1], ids[0]]);
    });

    it("when an author's pastes are listed, then unlisted ones come only for the author", async () => {
      const owner = await author('ada');
      const open = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'a' }), created('1'));
      const hidden = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'b', visibility: 'unlisted', createdAt: at(5) }),
        created('2'),
      );
      await fx.pastes.insertWithEvent(newPaste(), created('3'));
      const publicOnly = await fx.pastes.listByOwner(owner, { limit: 10, now: NOW, includeUnlisted: false });
      expect(publicOnly.map((p) => p.id)).toEqual([open.id]);
      const all = await fx.pastes.listByOwner(owner, { limit: 10, now: NOW, includeUnlisted: true });
      expect(all.map((p) => p.id)).toEqual([hidden.id, open.id]);
      expect((await fx.pastes.idsOwnedBy(owner)).sort()).toEqual([open.id, hidden.id].sort());
    });

    it('when views are added in batches, then the totals grow and unknown ids are skipped', async () => {
      const a = await fx.pastes.insertWithEvent(newPaste(), created('a'));
      const b = await fx.pastes.insertWithEvent(newPaste(), created('b'));
      expect(a.views).toBe(0);
      await fx.views.add(
        'paste',
        new Map([
          [a.id, 3],
          [b.id, 1],
          ['ZZZZZZZZ', 5],
        ]),
      );
      await fx.views.add('paste', new Map([[a.id, 2]]));
      expect((await fx.pastes.findById(a.id))?.views).toBe(5);
      expect((await fx.pastes.findById(b.id))?.views).toBe(1);
    });

    it("when an author's most viewed items are asked for, then their live pastes come most viewed first, others' and gone ones never", async () => {
      const owner = await author('grace');
      const other = await author('linus');
      const low = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'low', title: 'low' }),
        created('1'),
      );
      const high = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'high', title: 'high' }),
        created('2'),
      );
      const unseen = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'unseen', title: null, createdAt: at(60) }),
        created('3'),
      );
      const expired = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'expired', expiresAt: at(1800) }),
        created('4'),
      );
      const deleting = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'deleting' }),
        created('5'),
      );
      const theirs = await fx.pastes.insertWithEvent(newPaste({ ownerId: other, slugBase: 'theirs' }), created('6'));
      await fx.views.add(
        'paste',
        new Map([
          [low.id, 2],
          [high.id, 9],
          [expired.id, 50],
          [deleting.id, 40],
          [theirs.id, 30],
        ]),
      );
      expect(await fx.pastes.claimForDeletion(deleting.id)).not.toBeNull();
      const top = await fx.views.mostViewedOf(owner, 10, NOW);
      expect(top.map((i) => [i.kind, i.id, i.title, i.views])).toEqual([
        ['paste', high.id, 'high', 9],
        ['paste', low.id, 'low', 2],
        ['paste', unseen.id, null, 0],
      ]);
      expect(top[0]!.createdAt.toISOString()).toBe(at(0).toISOString());
      expect((await fx.views.mostViewedOf(owner, 1, NOW)).map((i) => i.id)).toEqual([high.id]);
    });

    it('when an owner has images and pastes, then most viewed mixes them by views, leaving out failed, deleting and expired images', async () => {
      const owner = await author('hedy');
      const image = (overrides: { expiresAt?: Date | null; title?: string }) => ({
        id: newImageId(),
        format: 'png' as const,
        width: 10,
        height: 10,
        bytes: 100,
        frames: 1,
        hasAlpha: false,
        title: overrides.title ?? 'photo',
        visibility: 'public' as const,
        watermark: null,
        expiresAt: overrides.expiresAt ?? null,
        deleteTokenHash: randomBytes(32),
        createdAt: at(0),
        ownerId: owner,
      });
      const [photo, failed, deleting, expired] = [
        image({ title: 'photo' }),
        image({ title: 'failed' }),
        image({ title: 'deleting' }),
        image({ title: 'expired', expiresAt: at(1800) }),
      ];
      await fx.images.insertWithEvents([photo, failed, deleting, expired], []);
      await fx.images.markFailed(failed.id, 'CORRUPT_IMAGE');
      await fx.images.markDeleting(deleting.id);
      const paste = await fx.pastes.insertWithEvent(
        newPaste({ ownerId: owner, slugBase: 'p', title: 'paste' }),
        created('1'),
      );
      await fx.views.add(
        'image',
        new Map([
          [photo.id, 7],
          [failed.id, 70],
          [deleting.id, 70],
          [expired.id, 70],
        ]),
      );
      await fx.views.add('paste', new Map([[paste.id, 4]]));
      expect((await fx.images.findById(photo.id))?.views).toBe(7);
      const top = await fx.views.mostViewedOf(owner, 10, NOW);
      expect(top.map((i) => [i.kind, i.id, i.title, i.views])).toEqual([
        ['image', photo.id, 'photo', 7],
        ['paste', paste.id, 'paste', 4],
      ]);
    });

    it('when the author is blocked, then their pastes read as blocked and leave the lists', async () => {
      const owner = await author('ada');
      const paste = await fx.pastes.insertWithEvent(newPaste({ ownerId: owner, slugBase: 'a' }), created('1'));
      await fx.accounts.update(owner, { status: 'blocked' });
      expect((await fx.pastes.findById(paste.id))?.ownerBlocked).toBe(true);
      expect(await fx.pastes.listPublic({ limit: 10, now: NOW })).toEqual([]);
    });
  });
}
