import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

/** Readiness tells whether uploads can succeed, not only whether storage answers a ping. */
let pictor: TestPictor;

beforeAll(async () => {
  pictor = await startTestPictor();
});

afterAll(async () => {
  await pictor.stop();
});

describe('when objects can be read but not written', () => {
  it('then /readyz answers 503 naming the objects check, with the descriptors check still ok', async () => {
    // Root ignores read-only permissions, so the store's scratch folder becomes a file instead:
    // every write fails the way a read-only or full volume makes it fail.
    const scratch = path.join(pictor.dataDir, 'objects', 'tmp');
    await rm(scratch, { recursive: true, force: true });
    await writeFile(scratch, 'not a folder');
    const res = await fetch(`${pictor.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, string> };
    expect(body.checks.objects).toMatch(/^objects cannot be written/);
    expect(body.checks.descriptors).toBe('ok');
    expect(body.checks.database).toBe('ok');
  });
});
