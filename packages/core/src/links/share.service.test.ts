import { randomBytes } from 'node:crypto';
import type { ImageRecord } from '../images/image.js';
import type { ImageService } from '../images/image.service.js';
import type { ShareLinkRecord, ShareLinkRepository, ShareTarget } from '../ports/share-link-repository.port.js';
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
});
