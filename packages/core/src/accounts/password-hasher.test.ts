import { describe, expect, it } from '@jest/globals';
import { hash as rsHash, verify as rsVerify } from '@node-rs/argon2';
import { OWASP_ARGON2, PasswordHasher } from './password-hasher.js';

// Cheap settings keep the unit tests fast; one test uses the OWASP defaults.
const fast = { memoryKiB: 1024, passes: 1, parallelism: 1, maxConcurrent: 2 };

describe('PasswordHasher', () => {
  it('when a password is hashed with the defaults, then the PHC string carries the OWASP parameters and verifies', async () => {
    const hasher = new PasswordHasher(OWASP_ARGON2);
    const encoded = await hasher.hash('correct horse battery staple');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hasher.verify('correct horse battery staple', encoded)).toEqual({ ok: true, needsRehash: false });
    expect((await hasher.verify('correct horse battery stapl', encoded)).ok).toBe(false);
  });

  it('when a hash is made here, then another Argon2 implementation verifies it, and the other way round', async () => {
    const hasher = new PasswordHasher(fast);
    const ours = await hasher.hash('ünïcode pässwörd ✓');
    expect(await rsVerify(ours, 'ünïcode pässwörd ✓')).toBe(true);
    expect(await rsVerify(ours, 'unicode password')).toBe(false);
    const theirs = await rsHash('ünïcode pässwörd ✓', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect((await hasher.verify('ünïcode pässwörd ✓', theirs)).ok).toBe(true);
  });

  it('when the settings changed since the hash was made, then a right password asks for a rehash', async () => {
    const old = await new PasswordHasher(fast).hash('an old secret phrase');
    const today = new PasswordHasher({ ...fast, memoryKiB: 2048 });
    expect(await today.verify('an old secret phrase', old)).toEqual({ ok: true, needsRehash: true });
    expect(await today.verify('a wrong secret phrase', old)).toEqual({ ok: false, needsRehash: false });
  });

  it('when the stored value is not a PHC string, then nothing verifies', async () => {
    const hasher = new PasswordHasher(fast);
    expect((await hasher.verify('x', 'plaintext')).ok).toBe(false);
    expect((await hasher.verify('x', '$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA')).ok).toBe(false);
  });

  it('when an account is unknown, then the dummy verification takes about as long as a real one', async () => {
    const hasher = new PasswordHasher({ ...fast, memoryKiB: 19_456, passes: 1 });
    const real = await hasher.hash('the real password');
    await hasher.verifyDummy('warm up');
    const time = async (action: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await action();
      return Number(process.hrtime.bigint() - start);
    };
    // Interleaved, and compared by median, so a busy machine slows both sides alike.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time(() => hasher.verify('a wrong guess', real)));
      unknown.push(await time(() => hasher.verifyDummy('a wrong guess')));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('when more hashes are asked for than the cap, then at most the cap run at once and all finish', async () => {
    const hasher = new PasswordHasher({ ...fast, maxConcurrent: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`password number ${i}`)));
    expect(new Set(results).size).toBe(6);
    // The internal gauge is back to zero once the burst is done.
    expect((hasher as unknown as { running: number }).running).toBe(0);
  });
});
