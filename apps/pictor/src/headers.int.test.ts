import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/** Headers and pages a browser or a cache acts on. */
let plain: TestPictor;
let smallPng: Buffer;

beforeAll(async () => {
  plain = await startTestPictor({ RATE_LIMIT_UPLOADS: '0' });
  smallPng = await png(16, 16, false);
});

afterAll(async () => {
  await plain.stop();
});

describe('Strict-Transport-Security', () => {
  it('when PUBLIC_URL is plain HTTP, then no page sends HSTS', async () => {
    for (const path of ['/', '/api/v1/limits', '/api/docs/']) {
      const res = await fetch(`${plain.url}${path}`);
      expect([path, res.headers.get('strict-transport-security')]).toEqual([path, null]);
    }
  });

  it('when PUBLIC_URL is HTTPS, then pages send HSTS', async () => {
    const secure = await startTestPictor({ PUBLIC_URL: 'https://pictor.example' });
    try {
      const res = await fetch(`${secure.url}/api/v1/limits`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await secure.stop();
    }
  });
});

describe('the answers that carry delete tokens', () => {
  it('when an upload succeeds through the API, then its 201 is Cache-Control: no-store', async () => {
    const res = await fetch(`${plain.url}/api/v1/images`, {
      method: 'POST',
      body: new Uint8Array(smallPng),
      headers: { 'Content-Type': 'image/png' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('when an upload succeeds through the HTML form, then its 201 page is Cache-Control: no-store', async () => {
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(smallPng)]), 'a.png');
    const res = await fetch(`${plain.url}/upload`, { method: 'POST', body });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('pages', () => {
  it('when the API docs are framed by another site, then their CSP forbids it', async () => {
    const res = await fetch(`${plain.url}/api/docs/`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it.each([
    ['an unknown image', '/v/AAAAAAAAAAAA', 404, 'IMAGE_NOT_FOUND'],
    ['a link that does not decode', '/v/%ff', 400, 'MALFORMED_URL'],
    ['the delete page of an unknown image', '/delete/AAAAAAAAAAAA', 404, 'IMAGE_NOT_FOUND'],
  ])(
    'when the view of %s is asked for, then the answer is an HTML page with the status',
    async (_what, path, status, code) => {
      const res = await fetch(`${plain.url}${path}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('<h1>That did not work</h1>');
      expect(html).toContain(`(${code}, request `);
    },
  );
});

describe('direct links', () => {
  it('when the display copy is asked for under the variant form /i/<id>/display.<ext>, then 404: it has one address', async () => {
    const res = await fetch(`${plain.url}/api/v1/images`, {
      method: 'POST',
      body: new Uint8Array(smallPng),
      headers: { 'Content-Type': 'image/png' },
    });
    const { images } = (await res.json()) as { images: { id: string; links: { direct: string } }[] };
    const { id, links } = images[0]!;
    expect((await fetch(`${plain.url}${new URL(links.direct).pathname}`)).status).toBe(200);
    expect((await fetch(`${plain.url}/i/${id}/display.png`)).status).toBe(404);
  });
});

describe('/metrics', () => {
  it('when the public port listens on every interface and METRICS_HOST is left alone, then /metrics listens on loopback only', async () => {
    const open = await startTestPictor({ HOST: '0.0.0.0' });
    const port = open.handle.metricsPort;
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      // Listening sockets of this process's port, from the kernel's table: local address:port in hex.
      const table = await readFile('/proc/net/tcp', 'utf8');
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
      const listening = table
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
        .map((cols) => cols[1]!.split(':')[0]);
      expect(listening).toEqual(['0100007F']);
      expect(
        (await readFile('/proc/net/tcp6', 'utf8')).includes(`:${hexPort} 00000000000000000000000000000000:0000 0A`),
      ).toBe(false);
    } finally {
      await open.stop();
    }
  });
});
