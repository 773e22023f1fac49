import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/**
 * What a careless or hostile client sends is the client's fault: a clear 4xx with a stable code,
 * never a 5xx that pages whoever is on call and tells the client to retry.
 */
let pictor: TestPictor;
let smallPng: Buffer;

beforeAll(async () => {
  pictor = await startTestPictor({ RATE_LIMIT_UPLOADS: '0' });
  smallPng = await png(32, 24, false);
});

afterAll(async () => {
  await pictor.stop();
});

async function answer(res: Response): Promise<{ status: number; code: string | undefined }> {
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = /\(([A-Z_]+), request/.exec(text)?.[1];
  }
  return { status: res.status, code };
}

const upload = (query: string, headers: Record<string, string> = {}) =>
  fetch(`${pictor.url}/api/v1/images${query}`, {
    method: 'POST',
    body: new Uint8Array(smallPng),
    headers: { 'Content-Type': 'image/png', ...headers },
  }).then(answer);

const form = (fields: Record<string, string>) => {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(smallPng)]), 'small.png');
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body }).then(answer);
};

describe('paths that do not decode', () => {
  it.each([
    ['GET', '/v/%ff'],
    ['GET', '/i/%ff.png'],
    ['GET', '/delete/%ff'],
    ['DELETE', '/api/v1/images/%ff'],
  ])('when %s %s arrives, then 400 MALFORMED_URL', async (method, path) => {
    expect(await answer(await fetch(`${pictor.url}${path}`, { method }))).toEqual({
      status: 400,
      code: 'MALFORMED_URL',
    });
  });
});

describe('bodies that cannot be read', () => {
  it('when a multipart part header has no colon, then 400 MALFORMED_MULTIPART', async () => {
    const body = `--b\r\nContent-Disposition form-data; name="file"\r\n\r\nxx\r\n--b--\r\n`;
    const res = await fetch(`${pictor.url}/api/v1/images`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
    });
    expect(await answer(res)).toEqual({ status: 400, code: 'MALFORMED_MULTIPART' });
  });

  const deleteForm = (body: string | Uint8Array, headers: Record<string, string>) =>
    fetch(`${pictor.url}/delete/AAAAAAAAAAAA`, { method: 'POST', body, headers }).then(answer);
  const urlencoded = 'application/x-www-form-urlencoded';

  it('when the delete form has more than 10 fields, then 413 TOO_MANY_FIELDS', async () => {
    const body = Array.from({ length: 11 }, (_, i) => `f${i}=x`).join('&');
    expect(await deleteForm(body, { 'Content-Type': urlencoded })).toEqual({ status: 413, code: 'TOO_MANY_FIELDS' });
  });

  it('when the delete form is over 4096 bytes, then 413 FORM_TOO_LARGE', async () => {
    expect(await deleteForm(`token=${'x'.repeat(5000)}`, { 'Content-Type': urlencoded })).toEqual({
      status: 413,
      code: 'FORM_TOO_LARGE',
    });
  });

  it('when the delete form is in koi8-r, then 415 UNSUPPORTED_CHARSET', async () => {
    expect(await deleteForm('token=x', { 'Content-Type': `${urlencoded}; charset=koi8-r` })).toEqual({
      status: 415,
      code: 'UNSUPPORTED_CHARSET',
    });
  });

  it.each(['gzip', 'br', 'x-made-up'])(
    'when the delete form says Content-Encoding %s (with a body that is no such thing), then 415 UNSUPPORTED_CONTENT_ENCODING',
    async (encoding) => {
      expect(await deleteForm('token=x', { 'Content-Type': urlencoded, 'Content-Encoding': encoding })).toEqual({
        status: 415,
        code: 'UNSUPPORTED_CONTENT_ENCODING',
      });
    },
  );

  it('when an upload says an unknown Content-Encoding, then 415 UNSUPPORTED_CONTENT_ENCODING', async () => {
    expect(await upload('', { 'Content-Encoding': 'x-made-up' })).toEqual({
      status: 415,
      code: 'UNSUPPORTED_CONTENT_ENCODING',
    });
  });

  it('when an undeclared method is used on an API path, then 405 with the methods allowed', async () => {
    const res = await fetch(`${pictor.url}/api/v1/limits`, { method: 'PUT' });
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await answer(res)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });
});

describe('text fields', () => {
  it.each([
    ['a NUL byte in the title', { title: 'holiday\u0000' }],
    ['a NUL byte in the watermark', { watermark: '\u0000' }],
    ['blank lines in the title', { title: 'holiday\n\n<img src=x onerror=alert(1)>' }],
    ['a right-to-left override in the title', { title: 'photo\u202Egnp.exe' }],
    ['a bidi isolate in the watermark', { watermark: '\u2066x\u2069' }],
    ['an unknown form field', { titel: 'typo' }],
  ])('when an upload carries %s, then 400 VALIDATION_FAILED and nothing is stored', async (_what, fields) => {
    const before = await pictor.count('images');
    expect(await form(fields)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await pictor.count('images')).toBe(before);
  });

  it('when the title is one line of any script, then it is kept as typed', async () => {
    const res = await fetch(`${pictor.url}/api/v1/images?title=${encodeURIComponent('  Закат · 夕日 🌅  ')}`, {
      method: 'POST',
      body: new Uint8Array(smallPng),
      headers: { 'Content-Type': 'image/png' },
    });
    expect(res.status).toBe(201);
    const { images } = (await res.json()) as { images: { title: string }[] };
    expect(images[0]!.title).toBe('Закат · 夕日 🌅');
  });
});

describe('expiresIn', () => {
  it.each(['280000y', '200000y', '101y', '0', '0s', '1M', '1MO', '1H', 'Never', '10000d'])(
    'when expiresIn is %p, then 400 VALIDATION_FAILED',
    async (value) => {
      expect(await upload(`?expiresIn=${encodeURIComponent(value)}`)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    },
  );

  it('when expiresIn is 100y, then it is accepted and expiresAt is an RFC 3339 time 100 years ahead', async () => {
    const res = await fetch(`${pictor.url}/api/v1/images?expiresIn=100y`, {
      method: 'POST',
      body: new Uint8Array(smallPng),
      headers: { 'Content-Type': 'image/png' },
    });
    expect(res.status).toBe(201);
    const { images } = (await res.json()) as { images: { expiresAt: string }[] };
    expect(images[0]!.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const years = (Date.parse(images[0]!.expiresAt) - Date.now()) / (365 * 86_400_000);
    expect(Math.round(years)).toBe(100);
  });

  it('when expiresIn is 1m, then the image expires in a minute (m is minutes, mo months)', async () => {
    const res = await fetch(`${pictor.url}/api/v1/images?expiresIn=1m`, {
      method: 'POST',
      body: new Uint8Array(smallPng),
      headers: { 'Content-Type': 'image/png' },
    });
    const { images } = (await res.json()) as { images: { expiresAt: string }[] };
    expect(Math.round((Date.parse(images[0]!.expiresAt) - Date.now()) / 1000)).toBeLessThanOrEqual(60);
  });
});

describe('list cursors', () => {
  const list = (cursor: string) =>
    fetch(`${pictor.url}/api/v1/images?cursor=${encodeURIComponent(cursor)}`).then(answer);

  it.each([
    ['an id holding NUL', `${Date.now().toString(36)}_AAAAAAAAAAA\u0000`],
    [
      'a date before year 0 (an old-style cursor)',
      Buffer.from('["-000001-01-01T00:00:00Z","x"]').toString('base64url'),
    ],
    ['garbage', 'not a cursor'],
  ])('when the cursor is %s, then 400 VALIDATION_FAILED', async (_what, cursor) => {
    expect(await list(cursor)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('when a cursor matches the documented pattern but names no image, then the list starts after it', async () => {
    const res = await fetch(`${pictor.url}/api/v1/images?cursor=${'zzzzzzzzz'}_AAAAAAAAAAAA`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { images: unknown[] };
    expect(page.images.length).toBeGreaterThan(0);
  });
});
