import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { animatedGif, png } from '@pictor/test-harness/images';

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

interface UploadedDto {
  id: string;
  format: string;
  width: number;
  height: number;
  title: string | null;
  links: { direct: string };
}

interface Sent {
  status: number;
  headers: Headers;
  body: unknown;
}

interface Leftovers {
  objectKeys: string[];
  images: number;
  outbox: number;
  tmpFiles: string[];
}

const MAX_UPLOAD_BYTES = 2_000_000;
const BOUNDARY = 'pictor-hostile-7d1f0a';
const HTML = '<!doctype html><html><body><script>fetch("/steal?c=" + document.cookie)</script></body></html>';
const SVG_WITH_SCRIPT =
  '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(document.domain)</script>' +
  '<rect width="100" height="100" fill="red"/></svg>';

let pictor: TestPictor;
let smallPng: Buffer;

beforeAll(async () => {
  pictor = await startTestPictor({
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_FILES_PER_UPLOAD: '3',
    MAX_IMAGE_PIXELS: '4000000',
    MAX_IMAGE_FRAMES: '10',
    // Every case here must meet validation, not the rate limiter.
    RATE_LIMIT_UPLOADS: '0',
    VARIANT_WIDTHS: '320',
    THUMBNAIL_SIZE: '64',
  });
  smallPng = await png(120, 90, false);
});

afterAll(async () => {
  await pictor.stop();
});

/** Noise keeps encoders from shrinking a file to its header, so cutting it loses real data. */
function noise(width: number, height: number): Sharp {
  const bytes = Buffer.alloc(width * height * 3);
  let state = 1;
  for (let i = 0; i < bytes.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return sharp(bytes, { raw: { width, height, channels: 3 } });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, decodable all-black 1-bit PNG: 20000×20000 (400 MP) deflates to about 50 kB. */
function blackPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth; colour type 0 (greyscale), no interlace
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

interface FilePart {
  bytes: Buffer | string;
  name?: string;
  type?: string;
}

function form(files: FilePart[], fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [i, file] of files.entries()) {
    const bytes = typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes);
    body.append('file', new Blob([bytes], { type: file.type ?? 'application/octet-stream' }), file.name ?? `f${i}`);
  }
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

async function send(body: FormData | Uint8Array | string, headers: Record<string, string> = {}): Promise<Sent> {
  const res = await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** A multipart body written by hand, for what FormData would refuse to send. */
function multipart(parts: { headers: string[]; body: Buffer | string }[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const filePart = (bytes: Buffer | string, name = 'photo.png') => ({
  headers: [`Content-Disposition: form-data; name="file"; filename="${name}"`, 'Content-Type: image/png'],
  body: bytes,
});
const fieldPart = (name: string, value: string) => ({
  headers: [`Content-Disposition: form-data; name="${name}"`],
  body: value,
});

/** Posts exact bytes with node:http: no client fixes up the framing. */
function sendRaw(body: Buffer, contentType: string): Promise<Sent> {
  const url = new URL('/api/v1/images', pictor.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function leftovers(): Promise<Leftovers> {
  const tmp = path.join(pictor.dataDir, 'objects', 'tmp');
  const tmpFiles = (await readdir(tmp, { recursive: true }).catch(() => [])).map(String);
  return {
    objectKeys: await pictor.objectKeys(),
    images: await pictor.count('images'),
    outbox: await pictor.count('outbox'),
    tmpFiles,
  };
}

/**
 * Sends a request that must be refused and checks the whole promise: the documented status and
 * code, a request id to quote, and nothing left behind (objects, rows, events, temporary files).
 */
async function expectRefused(status: number, code: string, sending: () => Promise<Sent>): Promise<ErrorBody> {
  const before = await leftovers();
  expect(before.tmpFiles).toEqual([]);
  const res = await sending();
  expect({ status: res.status, code: (res.body as Partial<ErrorBody> | undefined)?.error?.code }).toEqual({
    status,
    code,
  });
  const body = res.body as ErrorBody;
  expect(body.error.requestId).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
  expect(res.headers.get('x-request-id')).toBe(body.error.requestId);
  expect(await leftovers()).toEqual(before);
  return body;
}

async function expectAccepted(res: Sent): Promise<UploadedDto[]> {
  expect(res.status).toBe(201);
  const images = (res.body as { images: UploadedDto[] }).images;
  // Later cases compare the store before and after: let the worker finish with these first.
  for (const image of images) await waitUntilProcessed(image.id);
  return images;
}

async function waitUntilProcessed(id: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = (await (await fetch(`${pictor.url}/api/v1/images/${id}`)).json()) as { status: string };
    if (status !== 'pending') return;
    if (Date.now() > deadline) throw new Error(`image ${id} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hostile uploads: spoofed types', () => {
  it('when a PNG is sent as photo.jpg with Content-Type image/jpeg, then it is stored as the PNG it is', async () => {
    const [image] = await expectAccepted(
      await send(form([{ bytes: smallPng, name: 'photo.jpg', type: 'image/jpeg' }])),
    );
    expect(image).toMatchObject({ format: 'png', width: 120, height: 90 });
    expect(image!.links.direct).toMatch(/\.png$/);
  });

  it('when HTML is sent as page.png with Content-Type image/png, then 415 and nothing is stored', async () => {
    await expectRefused(415, 'UNSUPPORTED_MEDIA_TYPE', () =>
      send(form([{ bytes: HTML, name: 'page.png', type: 'image/png' }])),
    );
  });

  it('when an SVG with a script is sent as logo.png with Content-Type image/png, then 415 and nothing is stored', async () => {
    await expectRefused(415, 'UNSUPPORTED_MEDIA_TYPE', () =>
      send(form([{ bytes: SVG_WITH_SCRIPT, name: 'logo.png', type: 'image/png' }])),
    );
  });

  it('when HTML is posted as a raw body with Content-Type image/png, then 415 and nothing is stored', async () => {
    await expectRefused(415, 'UNSUPPORTED_MEDIA_TYPE', () =>
      send(new TextEncoder().encode(HTML), { 'Content-Type': 'image/png' }),
    );
  });
});

describe('hostile uploads: broken images and bombs', () => {
  it('when a JPEG is cut in half, then 422 CORRUPT_IMAGE and nothing is stored', async () => {
    const jpeg = await noise(400, 300).jpeg().toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expectRefused(422, 'CORRUPT_IMAGE', () => send(form([{ bytes: cut, name: 'cut.jpg', type: 'image/jpeg' }])));
  });

  it('when a 50 kB PNG declares 20000×20000 pixels, then 422 PIXEL_LIMIT_EXCEEDED and nothing is stored', async () => {
    const bomb = blackPng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(MAX_UPLOAD_BYTES);
    await expectRefused(422, 'PIXEL_LIMIT_EXCEEDED', () => send(form([{ bytes: bomb, name: 'bomb.png' }])));
  });

  it('when a GIF has more frames than MAX_IMAGE_FRAMES, then 422 FRAME_LIMIT_EXCEEDED and nothing is stored', async () => {
    const gif = await animatedGif(16, 16, 12);
    await expectRefused(422, 'FRAME_LIMIT_EXCEEDED', () => send(form([{ bytes: gif, name: 'frames.gif' }])));
  });

  it('when an animation has few frames but their pixels together exceed the limit, then 422 PIXEL_LIMIT_EXCEEDED', async () => {
    const gif = await animatedGif(700, 700, 9); // 9 frames ≤ 10, 4.41 MP > 4 MP
    expect(gif.length).toBeLessThan(MAX_UPLOAD_BYTES);
    await expectRefused(422, 'PIXEL_LIMIT_EXCEEDED', () => send(form([{ bytes: gif, name: 'long.gif' }])));
  });
});

describe('hostile uploads: size and count limits', () => {
  it('when a file has zero bytes, then 400 EMPTY_FILE and nothing is stored', async () => {
    await expectRefused(400, 'EMPTY_FILE', () => send(form([{ bytes: Buffer.alloc(0), name: 'empty.png' }])));
  });

  it('when a raw body has zero bytes, then 400 EMPTY_FILE and nothing is stored', async () => {
    await expectRefused(400, 'EMPTY_FILE', () => send(new Uint8Array(0), { 'Content-Type': 'image/png' }));
  });

  it('when a file is over MAX_UPLOAD_BYTES, then 413 FILE_TOO_LARGE and nothing is stored', async () => {
    const large = await noise(1000, 1000).png().toBuffer();
    expect(large.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    await expectRefused(413, 'FILE_TOO_LARGE', () => send(form([{ bytes: large, name: 'large.png' }])));
  });

  it('when a raw body is over MAX_UPLOAD_BYTES, then 413 FILE_TOO_LARGE and nothing is stored', async () => {
    const large = await noise(1000, 1000).png().toBuffer();
    await expectRefused(413, 'FILE_TOO_LARGE', () => send(new Uint8Array(large), { 'Content-Type': 'image/png' }));
  });

  it('when more files than MAX_FILES_PER_UPLOAD are sent, then 413 TOO_MANY_FILES and nothing is stored', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ bytes: smallPng, name: `p${i}.png` }));
    await expectRefused(413, 'TOO_MANY_FILES', () => send(form(files)));
  });

  it('when files come with a flood of small text fields, then 413 TOO_MANY_PARTS and nothing is stored', async () => {
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x']));
    await expectRefused(413, 'TOO_MANY_PARTS', () => send(form([{ bytes: smallPng }, { bytes: smallPng }], fields)));
  });

  it('when a body holds a flood of parts that are neither files nor fields, then 413 TOO_MANY_PARTS', async () => {
    const anonymous = Array.from({ length: 50 }, () => ({ headers: ['Content-Type: text/plain'], body: 'x' }));
    const body = multipart([filePart(smallPng), ...anonymous]);
    await expectRefused(413, 'TOO_MANY_PARTS', () => sendRaw(body, `multipart/form-data; boundary=${BOUNDARY}`));
  });
});

describe('hostile uploads: malformed multipart bodies', () => {
  it('when the Content-Type names no boundary, then 400 MALFORMED_MULTIPART and nothing is stored', async () => {
    await expectRefused(400, 'MALFORMED_MULTIPART', () =>
      sendRaw(multipart([filePart(smallPng)]), 'multipart/form-data'),
    );
  });

  it('when the boundary in the header is not the one in the body, then 400 MALFORMED_MULTIPART', async () => {
    await expectRefused(400, 'MALFORMED_MULTIPART', () =>
      sendRaw(multipart([filePart(smallPng)]), 'multipart/form-data; boundary=some-other-boundary'),
    );
  });

  it('when the body is cut off inside a file part, then 400 MALFORMED_MULTIPART and nothing is stored', async () => {
    const whole = multipart([fieldPart('title', 'cut'), filePart(smallPng)]);
    const cut = whole.subarray(0, whole.length - Math.floor(smallPng.length / 2));
    await expectRefused(400, 'MALFORMED_MULTIPART', () => sendRaw(cut, `multipart/form-data; boundary=${BOUNDARY}`));
  });

  it('when the body is not multipart at all, then 400 MALFORMED_MULTIPART and nothing is stored', async () => {
    await expectRefused(400, 'MALFORMED_MULTIPART', () =>
      sendRaw(Buffer.from(HTML), `multipart/form-data; boundary=${BOUNDARY}`),
    );
  });
});

describe('hostile uploads: no file or bad options', () => {
  it('when a form has fields but no file, then 400 NO_FILE and nothing is stored', async () => {
    await expectRefused(400, 'NO_FILE', () => send(form([], { title: 'nothing attached' })));
  });

  it('when a JSON body is posted, then 400 NO_FILE and nothing is stored', async () => {
    await expectRefused(400, 'NO_FILE', () =>
      send(JSON.stringify({ file: smallPng.toString('base64') }), { 'Content-Type': 'application/json' }),
    );
  });

  it.each([
    { option: 'visibility', value: 'secret' },
    { option: 'expiresIn', value: 'forever' },
  ])('when $option is $value, then 400 VALIDATION_FAILED and nothing is stored', async ({ option, value }) => {
    const body = await expectRefused(400, 'VALIDATION_FAILED', () =>
      send(form([{ bytes: smallPng }], { [option]: value })),
    );
    expect(body.error.message).toContain(option);
  });
});

describe('hostile uploads: a valid file next to a hostile one', () => {
  it.each([
    { name: 'HTML', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', make: () => Buffer.from(HTML) },
    {
      name: 'a truncated JPEG',
      status: 422,
      code: 'CORRUPT_IMAGE',
      make: async () => {
        const jpeg = await noise(300, 200).jpeg().toBuffer();
        return jpeg.subarray(0, Math.floor(jpeg.length / 2));
      },
    },
    { name: 'a pixel bomb', status: 422, code: 'PIXEL_LIMIT_EXCEEDED', make: () => blackPng(20_000, 20_000) },
    { name: 'an empty file', status: 400, code: 'EMPTY_FILE', make: () => Buffer.alloc(0) },
  ])(
    'when the second file is $name, then the whole request is refused and not even the valid file is stored',
    async ({ status, code, make }) => {
      const hostile = await make();
      await expectRefused(status, code, () => send(form([{ bytes: smallPng }, { bytes: hostile }])));
    },
  );
});

describe('hostile uploads: file names', () => {
  it('when a valid PNG is named ../../etc/passwd.png, then it is stored and no key holds any part of that name', async () => {
    const before = new Set(await pictor.objectKeys());
    const [image] = await expectAccepted(
      await send(form([{ bytes: smallPng, name: '../../etc/passwd.png', type: 'image/png' }])),
    );
    expect(image).toMatchObject({ format: 'png', title: null });
    const keys = await pictor.objectKeys();
    const added = keys.filter((k) => !before.has(k));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((k) => k.includes(image!.id))).toBe(true);
    for (const key of keys) {
      expect(key).not.toMatch(/passwd|\.\./);
      expect(key.split('/')).not.toContain('etc');
    }
  });
});
