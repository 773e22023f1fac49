import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpWebhookSender } from './http.webhook-sender.js';

type Lookup = NonNullable<ConstructorParameters<typeof HttpWebhookSender>[0]>['lookup'];

/** A resolver that answers from a table the test may change between calls (DNS rebinding). */
function resolver(table: Record<string, string>): Lookup {
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const address = table[hostname];
    const all = (options as { all?: boolean }).all;
    if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    const family = address.includes(':') ? 6 : 4;
    return all ? callback(null, [{ address, family }]) : callback(null, address, family);
  }) as unknown as Lookup;
}

let server: http.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/landing' }).end();
    } else if (req.url === '/hang') {
      // never answers
    } else if (req.url === '/flood') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
      };
      res.on('drain', pump);
      pump();
    } else if (req.url === '/busy') {
      res.writeHead(429, { 'retry-after': '7' }).end();
    } else {
      res.writeHead(204).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpWebhookSender', () => {
  const strict = new HttpWebhookSender({
    lookup: resolver({ 'public.test': '93.184.216.34', 'inside.test': '10.1.2.3', 'meta.test': '169.254.169.254' }),
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://10.0.0.7/hook',
    'http://192.168.1.1/hook',
    'http://172.20.0.1/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://[::127.0.0.1]/hook',
    'http://[2002:7f00:1::]/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
    'http://[64:ff9b:1::a00:1]/hook',
    'http://0.0.0.0/hook',
    'http://inside.test/hook',
    'http://meta.test/hook',
    'ftp://public.test/hook',
    'http://user:secret@public.test/hook',
    'not a url',
  ])('when a webhook URL is %s, then it is refused with WEBHOOK_URL_FORBIDDEN', async (url) => {
    await expect(strict.check(url)).rejects.toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', status: 422 });
  });

  it('when a URL resolves to a public address, then it is accepted', async () => {
    await expect(strict.check('https://public.test/hook')).resolves.toBeUndefined();
  });

  it('when a URL is a public IPv6 or IPv4-mapped public address, then it is accepted', async () => {
    await expect(strict.check('http://[2606:4700::1111]/hook')).resolves.toBeUndefined();
    await expect(strict.check('http://[::ffff:93.184.216.34]/hook')).resolves.toBeUndefined();
  });

  it('when a name rebinds to loopback after it was checked, then the request is refused before connecting', async () => {
    const table: Record<string, string> = { 'rebind.test': '93.184.216.34' };
    const port = (server.address() as AddressInfo).port;
    const sender = new HttpWebhookSender({ lookup: resolver(table) });
    await sender.check(`http://rebind.test:${port}/hook`);
    table['rebind.test'] = '127.0.0.1';
    const before = seen.length;
    await expect(sender.post(`http://rebind.test:${port}/rebound`, {}, '{}')).rejects.toMatchObject({
      code: 'WEBHOOK_URL_FORBIDDEN',
    });
    expect(seen.length).toBe(before);
  });

  describe('with loopback allowed (WEBHOOK_ALLOWED_CIDRS)', () => {
    const sender = new HttpWebhookSender({
      allowedCidrs: ['127.0.0.1/32'],
      timeoutMs: 500,
      maxResponseBytes: 1024 * 1024,
    });

    it('when the receiver redirects, then the redirect is reported, not followed', async () => {
      const answer = await sender.post(`${base}/redirect`, {}, '{}');
      expect(answer.status).toBe(302);
      expect(seen).not.toContain('/landing');
    });

    it('when the receiver hangs, then the request fails after the timeout', async () => {
      const started = Date.now();
      await expect(sender.post(`${base}/hang`, {}, '{}')).rejects.toThrow(/no answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('when the receiver streams without end, then the read stops at the bound', async () => {
      const answer = await sender.post(`${base}/flood`, {}, '{}');
      expect(answer.status).toBe(200);
    });

    it('when the receiver answers 429 with Retry-After, then the delay is passed on', async () => {
      expect(await sender.post(`${base}/busy`, {}, '{}')).toEqual({ status: 429, retryAfterMs: 7000 });
    });
  });
});
