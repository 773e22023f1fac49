import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/**
 * Private items on a single machine (embedded database, objects on disk, no replicas): storage
 * there cannot presign, so the api hands the owner the bytes itself, privately; share links do
 * the same for anyone holding one.
 */
let pictor: TestPictor;
let owner: AccountsClient;
let imageId: string;

const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1', RATE_LIMIT_UPLOADS: '0' };

beforeAll(async () => {
  pictor = await startTestPictor(FAST_ARGON2);
  owner = new AccountsClient(pictor.url);
  expect((await owner.register('hermit', 'hermit@example.org', 'a long passphrase 1')).status).toBe(201);
  expect((await owner.login('hermit', 'a long passphrase 1')).status).toBe(200);
  const uploaded = await owner.upload(await png(40, 30), { visibility: 'private' });
  expect(uploaded.status).toBe(201);
  imageId = uploaded.body.images[0]!.id;
  for (let i = 0; i < 200; i++) {
    const image = await owner.request<{ status: string }>('GET', `/api/v1/images/${imageId}`);
    if (image.body.status === 'ready') break;
    await sleep(100);
  }
}, 120_000);

afterAll(async () => {
  await pictor?.stop();
});

describe('private items without replicas', () => {
  it('when the owner opens a private image, then the api answers the PNG itself with Cache-Control: private, no-store; others get 404', async () => {
    const own = await fetch(`${pictor.url}/i/${imageId}.png`, {
      headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      redirect: 'manual',
    });
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('private, no-store');
    const bytes = Buffer.from(await own.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await fetch(`${pictor.url}/i/${imageId}.png`)).status).toBe(404);
    // On disk, under private/ only.
    const keys = await pictor.objectKeys();
    expect(keys.filter((k) => k.startsWith(`public/${imageId}`))).toEqual([]);
    expect(keys).toContain(`private/${imageId}.png`);
  });

  it('when the owner shares it, then an anonymous visitor gets the same bytes from the share link', async () => {
    const made = await owner.request<{ url: string }>('POST', `/api/v1/images/${imageId}/shares`, {
      json: { expiresIn: '1h' },
    });
    expect(made.status).toBe(201);
    const opened = await fetch(made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url), { redirect: 'manual' });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('cache-control')).toBe('private, no-store');
    expect(opened.headers.get('content-type')).toBe('image/png');
    const own = await fetch(`${pictor.url}/i/${imageId}.png`, {
      headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(Buffer.from(await opened.arrayBuffer()).equals(Buffer.from(await own.arrayBuffer()))).toBe(true);
  });

  it('when the author opens a private paste’s raw text, then the api answers it privately; a stranger gets 404', async () => {
    const created = await owner.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'only mine', visibility: 'private' },
    });
    expect(created.status).toBe(201);
    const raw = await fetch(`${pictor.url}/p/${created.body.id}/raw`, {
      headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      redirect: 'manual',
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('cache-control')).toBe('private, no-store');
    expect(await raw.text()).toBe('only mine');
    expect((await fetch(`${pictor.url}/p/${created.body.id}/raw`)).status).toBe(404);
  });

  it('when the owner makes an image public and private again from many requests at once, then its objects always end under the prefix its row names', async () => {
    const uploaded = await owner.upload(await png(32, 24), { visibility: 'private' });
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.images[0]!.id;
    for (let i = 0; i < 200; i++) {
      const image = await owner.request<{ status: string }>('GET', `/api/v1/images/${id}`);
      if (image.body.status === 'ready') break;
      await sleep(100);
    }
    const statuses = new Set<number>();
    for (let round = 0; round < 6; round++) {
      const answers = await Promise.all(
        ['public', 'private', 'public', 'private'].map((visibility) =>
          owner.request<{ error?: { code: string } }>('PATCH', `/api/v1/images/${id}`, { json: { visibility } }),
        ),
      );
      for (const answer of answers) {
        statuses.add(answer.status);
        if (answer.status === 409) expect(answer.body.error?.code).toBe('VISIBILITY_CHANGE_IN_PROGRESS');
      }
      const row = await owner.request<{ visibility: string }>('GET', `/api/v1/images/${id}`);
      const keys = (await pictor.objectKeys()).filter((k) => k.includes(id));
      // The original stays under originals/ either way; the outputs are what the edge may serve.
      const [expected, wrong] = row.body.visibility === 'private' ? ['private/', 'public/'] : ['public/', 'private/'];
      expect(keys.filter((k) => k.startsWith(expected)).length).toBeGreaterThan(0);
      expect(keys.filter((k) => k.startsWith(wrong))).toEqual([]);
    }
    expect([...statuses].filter((s) => s !== 200 && s !== 409)).toEqual([]);
  });
});
