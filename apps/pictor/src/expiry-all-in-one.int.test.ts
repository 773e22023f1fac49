import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/** `--target=all` on the embedded stack (PGlite, disk): the in-process cleanup schedule. */
let pictor: TestPictor;

beforeAll(async () => {
  pictor = await startTestPictor({ CLEANUP_INTERVAL_SECONDS: '1', EXPIRY_MAX: '1w', EXPIRY_DEFAULT: '1d' });
});

afterAll(async () => {
  await pictor.stop();
});

describe('expiry in all-in-one mode', () => {
  it('when an upload expires, then the in-process cleanup deletes its files and row within the interval', async () => {
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(await png(300, 200))]), 'a.png');
    body.append('expiresIn', '3s');
    const res = await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body });
    expect(res.status).toBe(201);
    const { id, expiresAt } = ((await res.json()) as { images: { id: string; expiresAt: string }[] }).images[0]!;
    const mine = async () => (await pictor.objectKeys()).filter((key) => key.includes(id));
    for (let deadline = Date.now() + 2_500; (await mine()).length < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await mine()).length).toBeGreaterThan(1);

    // Expiry + one interval + one run.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 2_500));
    expect(await mine()).toEqual([]);
    expect(await pictor.count('images')).toBe(0);
  }, 30_000);

  it('when a maximum expiry is configured, then only choices within it are offered and longer ones are refused', async () => {
    const limits = (await (await fetch(`${pictor.url}/api/v1/limits`)).json()) as {
      expiryChoices: string[];
      expiryDefault: string;
    };
    expect(limits).toMatchObject({ expiryChoices: ['10m', '1h', '1d', '1w'], expiryDefault: '1d' });

    for (const expiresIn of ['never', '2w']) {
      const body = new FormData();
      body.append('file', new Blob([new Uint8Array(await png(50, 50))]), 'a.png');
      body.append('expiresIn', expiresIn);
      const res = await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body });
      expect([expiresIn, res.status]).toEqual([expiresIn, 400]);
    }
  });
});
