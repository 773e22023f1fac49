import { readdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engines, freshBucket } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { noisyJpeg } from '@pictor/test-harness/images';

/**
 * Direct links to clients that hang up early (curl piped into `head`, bots reading only the
 * headers): every such request must give back what it took, the object's file descriptor on
 * disk and the pooled socket on S3; otherwise a few thousand of them exhaust the process.
 */
const EARLY_CLOSES = 40;
/** No resized variants: only the display copy and the thumbnail are made, so the test waits less. */
const FAST = { VARIANT_WIDTHS: '' };

let photo: Buffer;

beforeAll(async () => {
  // Far larger than the loopback socket buffers, so the response is still being written when
  // the client goes away.
  photo = await noisyJpeg(3000, 2200);
});

async function openDescriptors(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

function agentSockets(): number {
  const count = (table: NodeJS.ReadOnlyDict<unknown[]>) =>
    Object.values(table).reduce((n, list) => n + (list?.length ?? 0), 0);
  return count(http.globalAgent.sockets) + count(http.globalAgent.freeSockets);
}

async function uploadAndWait(pictor: TestPictor): Promise<string> {
  const res = await fetch(`${pictor.url}/api/v1/images`, {
    method: 'POST',
    body: new Uint8Array(photo),
    headers: { 'Content-Type': 'image/jpeg' },
  });
  expect(res.status).toBe(201);
  const { images } = (await res.json()) as { images: { id: string; links: { direct: string } }[] };
  const image = images[0]!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${pictor.url}/api/v1/images/${image.id}`)).json()) as { status: string };
    if (body.status === 'ready') break;
    if (Date.now() > deadline) throw new Error(`image ${image.id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return new URL(image.links.direct).pathname;
}

/** Sends a GET, waits for the first bytes of the answer, then drops the connection. */
function getAndHangUp(port: number, pathname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function settled(read: () => Promise<number> | number, baseline: number): Promise<number> {
  // Closing is asynchronous on both sides: give it a moment, but never forever.
  const deadline = Date.now() + 5_000;
  let now = await read();
  while (now > baseline && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    now = await read();
  }
  return now;
}

async function expectNoLeak(pictor: TestPictor): Promise<void> {
  const pathname = await uploadAndWait(pictor);
  // One full read first, so pools and lazily opened files exist before the baseline.
  expect((await fetch(`${pictor.url}${pathname}`)).status).toBe(200);
  await getAndHangUp(pictor.handle.port!, pathname);
  await new Promise((r) => setTimeout(r, 300));
  const fdsBefore = await openDescriptors();
  const socketsBefore = agentSockets();

  for (let i = 0; i < EARLY_CLOSES; i += 1) await getAndHangUp(pictor.handle.port!, pathname);

  // A handful of descriptors come and go on their own (timers, log files, the database).
  expect(await settled(openDescriptors, fdsBefore + 5)).toBeLessThanOrEqual(fdsBefore + 5);
  expect(await settled(agentSockets, socketsBefore)).toBeLessThanOrEqual(socketsBefore);
  // And the link still works for the next client.
  const again = await fetch(`${pictor.url}${pathname}`);
  expect(Buffer.from(await again.arrayBuffer()).length).toBe(Number(again.headers.get('content-length')));
}

describe('when clients hang up while a direct link is being sent from disk', () => {
  let pictor: TestPictor;
  beforeAll(async () => {
    pictor = await startTestPictor(FAST);
  });
  afterAll(async () => {
    await pictor.stop();
  });

  it(`then ${EARLY_CLOSES} early closes leave the open file descriptors where they were`, async () => {
    await expectNoLeak(pictor);
  }, 120_000);
});

describe('when clients hang up while a direct link is being sent from S3 (MinIO)', () => {
  let pictor: TestPictor;
  beforeAll(async () => {
    const { s3 } = engines();
    pictor = await startTestPictor({
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: await freshBucket(),
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      S3_REGION: s3.region,
      ...FAST,
    });
  });
  afterAll(async () => {
    await pictor.stop();
  });

  it(`then ${EARLY_CLOSES} early closes leave the descriptors and the S3 client's sockets where they were`, async () => {
    await expectNoLeak(pictor);
  }, 120_000);
});
