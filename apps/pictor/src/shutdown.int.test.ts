import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jpegWithGps } from '@pictor/test-harness/images';
import { spawnPictor } from '@pictor/test-harness/processes';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pictor-shutdown-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Sends a multipart upload in two halves with a pause between, so it is in flight for a while. */
function slowUpload(
  port: number,
  file: Buffer,
  pauseMs: number,
  midway: () => void,
): Promise<{ status: number; body: string }> {
  const boundary = 'pictor-boundary-1234';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, file, tail]);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/images',
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    setTimeout(() => {
      midway();
      setTimeout(() => req.end(body.subarray(half)), pauseMs);
    }, 100);
  });
}

describe('when pictor receives SIGTERM during an upload', () => {
  it('then the upload in flight completes, the process exits 0, and the image is processed after a restart', async () => {
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const first = await spawnPictor('all', env);
    const file = await jpegWithGps(1200, 900);
    let exited: Promise<number | null> | undefined;
    const result = await slowUpload(first.port!, file, 500, () => {
      exited = first.kill('SIGTERM');
    });
    expect(result.status).toBe(201);
    const { images } = JSON.parse(result.body) as { images: { id: string }[] };
    expect(await exited).toBe(0);
    await first.waitForLog((l) => l.msg === 'stopped');

    // New connections are refused once stopped; a restart picks up whatever was not processed.
    const second = await spawnPictor('all', env);
    try {
      const deadline = Date.now() + 20_000;
      let status = '';
      while (Date.now() < deadline && status !== 'ready') {
        const res = await fetch(`${second.url}/api/v1/images/${images[0]!.id}`);
        status = ((await res.json()) as { status: string }).status;
        if (status !== 'ready') await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe('ready');
    } finally {
      expect(await second.kill('SIGTERM')).toBe(0);
    }
  });
});
