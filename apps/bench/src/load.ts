import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@pictor/test-harness';
import type { LoadResult } from './load/client.js';
import { CpuMeter } from './proc.js';
import type { WrkResult } from './wrk.js';

const CLIENT = fileURLToPath(new URL('./load/client.js', import.meta.url));
const MULTIPART_SERVER = fileURLToPath(new URL('./load/multipart-server.js', import.meta.url));

export type { LoadResult } from './load/client.js';

/** Throughput of one run with the CPU its servers spent on each operation. */
export interface Rate {
  requests: number;
  errors: number;
  rps: number;
  latencyMs: { p50: number; p99: number };
  /** CPU-ms per successful operation, per server process group, and `total`. */
  cpuMsPerOp: Record<string, number>;
}

/** Runs `work` while measuring the CPU of `groups`, and turns the result into a Rate. */
export async function withCpu(
  groups: Record<string, readonly number[]>,
  work: () => Promise<
    WrkResult | LoadResult | { requests: number; errors: number; rps: number; p50: number; p99: number }
  >,
): Promise<Rate> {
  const meter = new CpuMeter(groups).start();
  const r = await work();
  const used = meter.stop();
  let requests: number;
  let errors: number;
  let latencyMs: { p50: number; p99: number };
  if ('sent' in r) {
    requests = r.sent;
    errors = r.errors;
    latencyMs = { p50: r.latencyMs.p50, p99: r.latencyMs.p99 };
  } else if ('latencyMs' in r) {
    requests = r.requests;
    errors = r.errors;
    latencyMs = { p50: r.latencyMs.p50, p99: r.latencyMs.p99 };
  } else {
    requests = r.requests;
    errors = r.errors;
    latencyMs = { p50: r.p50, p99: r.p99 };
  }
  const ok = Math.max(1, requests - errors);
  const cpuMsPerOp = Object.fromEntries(Object.entries(used).map(([name, ms]) => [name, ms / ok]));
  cpuMsPerOp.total = Object.values(used).reduce((a, b) => a + b, 0) / ok;
  return { requests, errors, rps: r.rps, latencyMs, cpuMsPerOp };
}

/** Runs the bench's load client (load/client.ts) in its own process, pinned to `cpu` when given. */
export function runClient(mode: 'open-loop' | 'burst' | 's3-put', options: object, cpu?: string): Promise<LoadResult> {
  const args = [CLIENT, mode, JSON.stringify(options)];
  const [command, argv] = cpu ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { maxBuffer: 1 << 20, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`load client ${mode} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult);
    });
  });
}

/** The api's multipart parser alone in its own process (load/multipart-server.ts). */
export async function startMultipartServer(cpu?: string): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freePort();
  const args = [MULTIPART_SERVER];
  const [command, argv] = cpu ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`multipart server exited with ${code}`)));
  });
  // taskset execs node in place, so the pid is the server's.
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** A multipart/form-data body with one file part, as a browser or curl -F would send it. */
export async function writeMultipartBody(
  file: string,
  bytes: Buffer,
  filename: string,
  mime: string,
): Promise<{ file: string; contentType: string }> {
  const boundary = '----pictorbench7d3f0a9c';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${mime}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  await writeFile(file, Buffer.concat([head, bytes, tail]));
  return { file, contentType: `multipart/form-data; boundary=${boundary}` };
}
