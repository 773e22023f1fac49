import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEdge } from '@pictor/test-harness/edge';
import { engines } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/**
 * What one anonymous client could do to every other client's uploads: compressed bodies that
 * inflate past the memory budget, bodies trickling in at one byte a second, rotating
 * X-Forwarded-For to escape the rate limit.
 */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
let smallPng: Buffer;

beforeAll(async () => {
  smallPng = await png(64, 48, false);
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string } } & Record<string, unknown>;
  ms: number;
}

/**
 * A raw HTTP request whose body is written by `write` (which may trickle, or never end), sent
 * from `localAddress` (all of 127.0.0.0/8 is this machine), answered as soon as the server answers.
 */
function request(
  base: string,
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    localAddress?: string;
    write?: (req: http.ClientRequest) => void;
  },
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${options.path ?? '/api/v1/images'}`,
      {
        method: options.method ?? 'POST',
        headers: options.headers ?? {},
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Date.now() - started });
          req.destroy();
        });
      },
    );
    req.on('error', reject);
    if (options.write) options.write(req);
    else req.end();
  });
}

function multipartHead(boundary: string): Buffer {
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
}

describe('upload bodies', () => {
  let pictor: TestPictor;
  beforeAll(async () => {
    pictor = await startTestPictor({
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      // Room for one small upload and a little more.
      UPLOAD_MEMORY_BYTES: String(256 * 1024),
      UPLOAD_BODY_TIMEOUT_MS: '1500',
      RATE_LIMIT_UPLOADS: '0',
    });
  });
  afterAll(async () => {
    await pictor.stop();
  });

  it('when an upload comes gzip-compressed, then 415 UNSUPPORTED_CONTENT_ENCODING and nothing is stored, raw or multipart', async () => {
    // 24 KiB that would inflate to 24 MiB.
    const bomb = gzipSync(Buffer.alloc(24 * 1024 * 1024));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(pictor.url, {
          headers: {
            'Content-Type': i % 2 ? 'image/png' : 'multipart/form-data; boundary=x',
            'Content-Encoding': 'gzip',
            'Content-Length': String(bomb.length),
          },
          write: (req) => req.end(bomb),
        }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(415);
      expect(answer.body.error?.code).toBe('UNSUPPORTED_CONTENT_ENCODING');
    }
    expect(await pictor.count('images')).toBe(0);
  });

  it.each([
    ['a chunked body', 'image/png', Buffer.alloc(0)],
    ['a multipart file', 'multipart/form-data; boundary=b', multipartHead('b')],
  ])(
    'when %s goes past MAX_UPLOAD_BYTES, then 413 FILE_TOO_LARGE comes at that byte, before the body ends',
    async (_kind, contentType, head) => {
      const answer = await request(pictor.url, {
        headers: { 'Content-Type': contentType },
        write: (req) => {
          // More than the limit, then the body stays open: only an answer at the limit can come.
          if (head.length > 0) req.write(head);
          req.write(Buffer.alloc(MAX_UPLOAD_BYTES + 64 * 1024));
        },
      });
      expect(answer.status).toBe(413);
      expect(answer.body.error?.code).toBe('FILE_TOO_LARGE');
    },
  );

  /** The base URL the clients use, and how to let it go. */
  type Front = { url: string; stop(): Promise<void> };
  const fronts: [string, () => Promise<Front>][] = [
    ['directly', () => Promise.resolve({ url: pictor.url, stop: () => Promise.resolve() })],
    [
      'through the edge',
      async () =>
        startEdge({
          nginxBin: engines().nginxBin,
          apiPort: pictor.handle.port!,
          s3Endpoint: engines().s3.endpoint,
          bucket: 'unused-by-uploads',
        }),
    ],
  ];

  it.each(fronts)(
    'when a client trickles its body at one byte a second %s, then a small upload from another client is not held up',
    async (_how, open) => {
      const front = await open();
      let trickle: NodeJS.Timeout | undefined;
      const slow = request(front.url, {
        headers: { 'Content-Type': 'multipart/form-data; boundary=s', 'Content-Length': String(100_000_000) },
        write: (req) => {
          req.write(multipartHead('s'));
          trickle = setInterval(() => req.write(Buffer.from([0x89])), 1000);
        },
      }).catch(() => undefined);
      try {
        await new Promise((r) => setTimeout(r, 300));
        const body = new FormData();
        body.append('file', new Blob([new Uint8Array(smallPng)]), 'small.png');
        const started = Date.now();
        const res = await fetch(`${front.url}/api/v1/images`, { method: 'POST', body });
        expect(res.status).toBe(201);
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        clearInterval(trickle);
        await slow;
        await front.stop();
      }
    },
  );

  it('when a body goes silent for UPLOAD_BODY_TIMEOUT_MS, then 408 BODY_TIMEOUT and the connection is closed', async () => {
    const answer = await request(pictor.url, {
      headers: { 'Content-Type': 'image/png', 'Content-Length': String(smallPng.length) },
      write: (req) => {
        req.write(smallPng.subarray(0, 10));
      },
    });
    expect(answer.status).toBe(408);
    expect(answer.body.error?.code).toBe('BODY_TIMEOUT');
    expect(answer.headers.connection).toBe('close');
    expect(answer.ms).toBeGreaterThanOrEqual(1400);
    expect(answer.ms).toBeLessThan(5000);
  });

  it('when one client opens many large uploads at once, then another client still gets its small upload through', async () => {
    const greedy = Array.from({ length: 6 }, () =>
      request(pictor.url, {
        headers: { 'Content-Type': 'image/png', 'Content-Length': String(MAX_UPLOAD_BYTES) },
        // Half a body each, then silence (until the body timeout): together far over the budget.
        write: (req) => req.write(Buffer.alloc(MAX_UPLOAD_BYTES / 2)),
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const small = await request(pictor.url, {
      localAddress: '127.0.0.2',
      headers: { 'Content-Type': 'image/png', 'Content-Length': String(smallPng.length) },
      write: (req) => req.end(smallPng),
    });
    expect(small.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
    const answers = await Promise.all(greedy);
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(408));
  });
});

describe('rate limits and X-Forwarded-For', () => {
  const upload = (pictor: TestPictor, xff?: string) =>
    request(pictor.url, {
      headers: { 'Content-Type': 'image/png', ...(xff ? { 'X-Forwarded-For': xff } : {}) },
      write: (req) => req.end(Buffer.from('not an image')),
    }).then((a) => a.status);

  it('when no proxy is trusted and a client rotates X-Forwarded-For, then it still meets the rate limit', async () => {
    const pictor = await startTestPictor({ RATE_LIMIT_UPLOADS: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push(await upload(pictor, `198.51.100.${i}, 127.0.0.1`));
      expect(statuses.slice(0, 3)).toEqual([415, 415, 415]);
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
    } finally {
      await pictor.stop();
    }
  });

  it('when the edge is trusted, then the right-most untrusted hop is the client and garbage hops are ignored', async () => {
    const pictor = await startTestPictor({ RATE_LIMIT_UPLOADS: '3', TRUSTED_PROXIES: '127.0.0.1/32' });
    try {
      // A client that writes its own XFF: the edge appends the real address, which is what counts.
      const rotating = [];
      for (let i = 0; i < 4; i += 1) rotating.push(await upload(pictor, `10.0.0.${i}, 203.0.113.7`));
      expect(rotating).toEqual([415, 415, 415, 429]);
      // Another real client behind the same edge has a budget of its own.
      expect(await upload(pictor, '203.0.113.8')).toBe(415);
      // Hops that are not addresses fall back to the last well-formed one: the edge itself.
      const garbage = [];
      for (let i = 0; i < 4; i += 1) garbage.push(await upload(pictor, `not-an-ip-${i}`));
      expect(garbage).toEqual([415, 415, 415, 429]);
    } finally {
      await pictor.stop();
    }
  });
});
