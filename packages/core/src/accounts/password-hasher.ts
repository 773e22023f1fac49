import { argon2, randomBytes, timingSafeEqual, type Argon2Parameters } from 'node:crypto';

/** Argon2id cost; defaults per the OWASP Password Storage cheat sheet (m=19 MiB, t=2, p=1). */
export interface Argon2Settings {
  memoryKiB: number;
  passes: number;
  parallelism: number;
  /** Hashes computed at once by this process; each holds `memoryKiB` and a libuv thread. */
  maxConcurrent: number;
}

export const OWASP_ARGON2: Argon2Settings = { memoryKiB: 19_456, passes: 2, parallelism: 1, maxConcurrent: 4 };

const SALT_BYTES = 16;
const TAG_BYTES = 32;
const PHC = /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,4}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{16,128})$/;

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export interface VerifyResult {
  ok: boolean;
  /** The hash was made with other settings than today's: store a new one while the password is at hand. */
  needsRehash: boolean;
}

/**
 * Argon2id through Node's own `crypto.argon2` (OpenSSL), written and read as the standard PHC
 * string, so hashes move to and from other Argon2 implementations. Concurrency is capped: a burst
 * of sign-ins waits in line instead of taking all memory and every libuv thread.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Compared against when an account does not exist, so unknown accounts cost the same time. */
  private dummy: Promise<string> | undefined;

  constructor(private readonly settings: Argon2Settings = OWASP_ARGON2) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const { memoryKiB: m, passes: t, parallelism: p } = this.settings;
    const tag = await this.derive(password, salt, m, t, p);
    return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(tag)}`;
  }

  async verify(password: string, encoded: string): Promise<VerifyResult> {
    const match = PHC.exec(encoded);
    if (!match) return { ok: false, needsRehash: false };
    const [m, t, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const salt = Buffer.from(match[4]!, 'base64');
    const expected = Buffer.from(match[5]!, 'base64');
    const actual = await this.derive(password, salt, m, t, p, expected.length);
    const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
    const { memoryKiB, passes, parallelism } = this.settings;
    return { ok, needsRehash: ok && (m !== memoryKiB || t !== passes || p !== parallelism) };
  }

  /** Spends the time of a verification and fails: the answer for an account that does not exist. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(password, await this.dummy);
    return false;
  }

  private async derive(password: string, salt: Buffer, m: number, t: number, p: number, tagLength = TAG_BYTES) {
    await this.acquire();
    try {
      const parameters: Argon2Parameters = {
        message: Buffer.from(password, 'utf8'),
        nonce: salt,
        memory: m,
        passes: t,
        parallelism: p,
        tagLength,
      };
      return await new Promise<Buffer>((resolve, reject) => {
        argon2('argon2id', parameters, (error, key) => (error ? reject(error) : resolve(key)));
      });
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.settings.maxConcurrent) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
