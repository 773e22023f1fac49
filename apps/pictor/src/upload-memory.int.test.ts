import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { jpegWithGps } from '@pictor/test-harness/images';

/** The api bounds the upload bytes it holds in memory; uploads beyond the budget wait, never fail. */
let pictor: TestPictor;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpegWithGps(1200, 900);
  // Room for one of these uploads at a time.
  pictor = await startTestPictor({ UPLOAD_MEMORY_BYTES: String(photo.length + 4096) });
});

afterAll(async () => {
  await pictor.stop();
});

describe('when more uploads arrive at once than the upload memory budget holds', () => {
  it('then each is admitted in turn and every one is stored', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const body = new FormData();
        body.append('file', new Blob([new Uint8Array(photo)]), `photo${i}.jpg`);
        if (i % 2) return (await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body })).status;
        const raw = await fetch(`${pictor.url}/api/v1/images`, {
          method: 'POST',
          body: new Uint8Array(photo),
          headers: { 'Content-Type': 'image/jpeg' },
        });
        return raw.status;
      }),
    );
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await pictor.count('images')).toBe(6);
  });

  it('then a single upload larger than the whole budget is still accepted', async () => {
    const small = await startTestPictor({ UPLOAD_MEMORY_BYTES: '1024' });
    try {
      const res = await fetch(`${small.url}/api/v1/images`, {
        method: 'POST',
        body: new Uint8Array(photo),
        headers: { 'Content-Type': 'image/jpeg' },
      });
      expect(res.status).toBe(201);
    } finally {
      await small.stop();
    }
  });
});
