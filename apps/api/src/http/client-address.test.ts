import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { clientAddress, trustProxies } from './client-address.js';

/** A real server on loopback: the peer address is the test's own socket. */
async function serve(trusted: string[]): Promise<Server> {
  const app = express();
  app.set('trust proxy', trustProxies(trusted));
  app.get('/', (req, res) => {
    res.send(clientAddress(req));
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function ask(server: Server, forwardedFor?: string, localAddress = '127.0.0.1'): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('clientAddress behind trusted proxies', () => {
  let trusting: Server;
  let trustingNobody: Server;
  beforeAll(async () => {
    trusting = await serve(['127.0.0.1', '10.0.0.0/8']);
    trustingNobody = await serve([]);
  });
  afterAll(async () => {
    await new Promise((r) => trusting.close(r));
    await new Promise((r) => trustingNobody.close(r));
  });

  test('when a trusted proxy forwards a client, then the right-most untrusted hop is the client', async () => {
    expect(await ask(trusting, '81.2.69.160')).toBe('81.2.69.160');
    expect(await ask(trusting, '203.0.113.9, 81.2.69.160, 10.0.0.5')).toBe('81.2.69.160');
  });

  test('when the peer is not a trusted proxy, then X-Forwarded-For is ignored', async () => {
    expect(await ask(trusting, '81.2.69.160', '127.0.0.2')).toBe('127.0.0.2');
    expect(await ask(trustingNobody, '81.2.69.160')).toBe('127.0.0.1');
  });

  test('when X-Forwarded-For holds garbage, then the last well-formed hop before it is the client', async () => {
    expect(await ask(trusting, 'evil, <script>')).toBe('127.0.0.1');
    expect(await ask(trusting, 'garbage, 81.2.69.160')).toBe('81.2.69.160');
  });

  test('when X-Forwarded-For holds a thousand addresses, then one answer comes back quickly', async () => {
    const hops = Array.from({ length: 1000 }, (_, i) => `198.51.100.${i % 250}`).join(', ');
    const started = Date.now();
    expect(await ask(trusting, hops)).toBe('198.51.100.249');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
