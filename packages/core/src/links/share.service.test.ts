import { randomBytes } from 'node:crypto';
import type { ImageRecord } from '../images/image.js';
import type { ImageService } from '../images/image.service.js';
import type { ShareLinkRecord, ShareLinkRepository, ShareTarget } from '../ports/share-link-repository.port.js';
import { ERRORS } from '../errors/errors.js';
import type { PasteRecord } from '../pastes/paste.js';
import type { PasteService, Reader } from '../pastes/paste.service.js';
import { ShareService } from './share.service.js';

class MemoryShareLinks implements ShareLinkRepository {
  readonly rows = new Map<string, ShareLinkRecord & { tokenHash: Buffer }>();
  lookups = 0;
  create(link: Omit<ShareLinkRecord, 'createdAt' | 'revokedAt'> & { tokenHash: Buffer }) {
    const row = { ...link, createdAt: new Date(), revokedAt: null };
    this.rows.set(link.id, row);
    return Promise.resolve(row);
  }
  findByTokenHash(tokenHash: Buffer) {
    this.lookups++;
    return Promise.resolve([...this.rows.values()].find((r) => r.tokenHash.equals(tokenHash)) ?? null);
  }
  revoke(target: ShareTarget, id: string, at: Date) {
    const row = this.rows.get(id);
    if (!row || row.target.kind !== target.kind || row.target.id !== target.id) return Promise.resolve(false);
    row.revokedAt = at;
    return Promise.resolve(true);
  }
}

const image = (ownerId: string | null) => ({ id: 'img000000001', ownerId }) as ImageRecord;

function setup(ownerId: string | null = 'alice') {
  const clock = { now: new Date('2026-12-01T12:00:00Z') };
  const links = new MemoryShareLinks();
  const images = {
    get: (id: string) =>
      id === 'img000000001'
        ? Promise.resolve(image(ownerId))
        : Promise.reject(Object.assign(new Error('gone'), { code: 'IMAGE_NOT_FOUND' })),
  } as unknown as ImageService;
  const service = new ShareService({ images, links, signingKey: randomBytes(32), clock: () => clock.now });
  return { service, links, clock };
}

const alice = { accountId: 'alice', admin: false };

describe('ShareService', () => {
  test('when the owner shares an image, then the token opens it and only its hash is stored', async () => {
    const { service, links } = setup();
    const { token, link } = await service.create('img000000001', alice, 3600);
    expect(link.expiresAt.toISOString()).toBe('2026-12-01T13:00:00.000Z');
    expect((await service.open(token)).id).toBe('img000000001');
    expect(JSON.stringify([...links.rows.values()])).not.toContain(token.split('.')[0]);
  });

  test('when someone else, or anyone for an anonymous upload, asks for a link, then NOT_OWNER', async () => {
    await expect(setup().service.create('img000000001', { accountId: 'bob', admin: false }, 60)).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
    await expect(setup(null).service.create('img000000001', alice, 60)).rejects.toMatchObject({ code: 'NOT_OWNER' });
    expect((await setup().service.create('img000000001', { accountId: 'root', admin: true }, 60)).token).toBeTruthy();
  });

  test('when a token is forged, then it is refused as IMAGE_NOT_FOUND without any lookup', async () => {
    const { service, links } = setup();
    const { token } = await service.create('img000000001', alice, 3600);
    const forged = `${token.split('.')[0]}.${'A'.repeat(22)}`;
    await expect(service.open(forged)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    await expect(service.open('garbage')).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect(links.lookups).toBe(0);
  });

  test('when the link has expired, then IMAGE_NOT_FOUND, and a second before it still opens', async () => {
    const { service, clock } = setup();
    const { token } = await service.create('img000000001', alice, 60);
    clock.now = new Date(clock.now.getTime() + 59_000);
    await expect(service.open(token)).resolves.toBeTruthy();
    clock.now = new Date(clock.now.getTime() + 1_000);
    await expect(service.open(token)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });

  test('when the owner revokes the link, then IMAGE_NOT_FOUND; a stranger may not revoke it', async () => {
    const { service } = setup();
    const { token, link } = await service.create('img000000001', alice, 3600);
    await expect(service.revoke('img000000001', link.id, { accountId: 'bob', admin: false })).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
    await expect(service.open(token)).resolves.toBeTruthy();
    await service.revoke('img000000001', link.id, alice);
    await expect(service.open(token)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    await expect(service.revoke('img000000001', 'nope', alice)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('of pastes', () => {
    /** Pastes as PasteService.peek answers them: a private one for its author or a trusted caller only. */
    function withPastes(pastes: Record<string, Partial<PasteRecord>>) {
      const clock = { now: new Date('2026-12-01T12:00:00Z') };
      const links = new MemoryShareLinks();
      const peek = (id: string, reader: Omit<Reader, 'preview'> = {}) => {
        const paste = pastes[id];
        if (!paste || (paste.visibility === 'private' && !reader.trusted && reader.accountId !== paste.ownerId)) {
          return Promise.reject(ERRORS.pasteNotFound());
        }
        return Promise.resolve({ id, burnAfterReading: false, ...paste } as PasteRecord);
      };
      const images = { get: () => Promise.reject(ERRORS.imageNotFound()) } as unknown as ImageService;
      const service = new ShareService({
        images,
        pastes: { peek } as unknown as PasteService,
        links,
        signingKey: randomBytes(32),
        clock: () => clock.now,
      });
      return { service, links, clock };
    }
    const target = (id: string) => ({ kind: 'paste' as const, id });

    test('when the author shares a private paste, then anyone holding the token opens it, until it is revoked', async () => {
      const { service } = withPastes({ aZ3k9QpL: { ownerId: 'alice', visibility: 'private' } });
      const { token, link } = await service.createFor(target('aZ3k9QpL'), alice, 3600);
      const opened = await service.openItem(token);
      expect(opened.kind === 'paste' && opened.paste.id).toBe('aZ3k9QpL');
      // An image link it is not.
      await expect(service.open(token)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
      await service.revokeFor(target('aZ3k9QpL'), link.id, alice);
      await expect(service.openItem(token)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    });

    test('when someone else asks to share a private paste, then it is missing for them, as everywhere', async () => {
      const { service } = withPastes({ aZ3k9QpL: { ownerId: 'alice', visibility: 'private' } });
      await expect(service.createFor(target('aZ3k9QpL'), { accountId: 'bob', admin: false }, 60)).rejects.toMatchObject(
        { code: 'PASTE_NOT_FOUND' },
      );
      await expect(service.createFor(target('aZ3k9QpL'), { accountId: 'root', admin: true }, 60)).rejects.toMatchObject(
        { code: 'PASTE_NOT_FOUND' },
      );
    });

    test('when a paste is deleted once read, then it is not shared', async () => {
      const { service } = withPastes({ aZ3k9QpL: { ownerId: 'alice', visibility: 'public', burnAfterReading: true } });
      await expect(service.createFor(target('aZ3k9QpL'), alice, 60)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });

    test('when the shared paste is gone, then its link answers like any link that does not open', async () => {
      const pastes: Record<string, Partial<PasteRecord>> = { aZ3k9QpL: { ownerId: 'alice', visibility: 'public' } };
      const { service } = withPastes(pastes);
      const { token } = await service.createFor(target('aZ3k9QpL'), alice, 60);
      delete pastes.aZ3k9QpL;
      await expect(service.openItem(token)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    });
  });
});
