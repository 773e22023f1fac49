import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@pictor/test-harness';
import { waitFor } from './harness.js';
import { processTree, treeCpuMs } from './proc.js';

/** The peer of the processing measurement, pinned so every run compares with the same code. */
export const THUMBOR_VERSION = '7.8.0';
const PILLOW_VERSION = '12.3.0';
/** thumbor's worker processes: one per core of the project's 2-core machines. */
export const THUMBOR_PROCESSES = 2;

/** What the bench records of the peer beside its figures. */
export interface ThumborSettings {
  thumbor: string;
  pillow: string;
  /** Pillow's codecs: libjpeg-turbo, libwebp, libavif and the AV1 encoder under it. */
  codecs: Record<string, string>;
  /** Every setting of thumbor.conf that differs from thumbor's defaults. */
  config: Record<string, string | number | boolean | null>;
  processes: number;
}

/** A running thumbor: its URL, the pid whose process tree is its CPU, and the image directory. */
export interface Thumbor {
  url: string;
  pid: number;
  settings: ThumborSettings;
  /** Writes `bytes` where the file loader finds it as `name`. */
  addImage(name: string, bytes: Buffer): Promise<void>;
  /** CPU time of the parent and its worker processes so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function cacheDir(): string {
  return process.env.PICTOR_PEERS_CACHE ?? path.join(homedir(), '.cache', 'pictor', 'peers');
}

/**
 * A virtualenv with thumbor and Pillow from PyPI, made once in the cache directory (outside the
 * repository) with the machine's python3; a `.complete` marker is written after a successful
 * install, so an interrupted one is redone rather than reused.
 */
export function provisionThumbor(): string {
  const venv = path.join(cacheDir(), `thumbor-${THUMBOR_VERSION}-pillow-${PILLOW_VERSION}`);
  const marker = path.join(venv, '.complete');
  if (existsSync(marker)) return venv;
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheDir(), { recursive: true });
  try {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      path.join(venv, 'bin', 'pip'),
      ['install', '--quiet', `thumbor==${THUMBOR_VERSION}`, `Pillow==${PILLOW_VERSION}`],
      { stdio: 'inherit' },
    );
  } catch (error) {
    throw new Error(
      `cannot install thumbor ${THUMBOR_VERSION} into ${venv} (needs python3 with venv and PyPI): ${String(error)}`,
      { cause: error },
    );
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return venv;
}

function codecVersions(venv: string): Record<string, string> {
  const script = [
    'import json',
    'from PIL import features, _avif',
    'print(json.dumps({"libjpeg-turbo": features.version("libjpeg_turbo"), "libwebp": features.version("webp"),',
    ' "libavif": features.version("avif"), "avif codecs": _avif.codec_versions()}))',
  ].join('\n');
  const out = execFileSync(path.join(venv, 'bin', 'python'), ['-c', script], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

/**
 * Starts thumbor with its PIL engine, the file loader over a temporary directory, no storage of
 * originals and no result storage (every request decodes and encodes: the work the bench
 * measures), unsafe URLs allowed on loopback, and EXIF orientation applied as Pictor does.
 */
export async function startThumbor(): Promise<Thumbor> {
  const venv = provisionThumbor();
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-bench-thumbor-'));
  const images = path.join(dir, 'images');
  mkdirSync(images);
  const config: ThumborSettings['config'] = {
    ENGINE: 'thumbor.engines.pil',
    LOADER: 'thumbor.loaders.file_loader',
    FILE_LOADER_ROOT_PATH: images,
    STORAGE: 'thumbor.storages.no_storage',
    RESULT_STORAGE: null,
    ALLOW_UNSAFE_URL: true,
    RESPECT_ORIENTATION: true,
  };
  const conf = path.join(dir, 'thumbor.conf');
  const python = (value: string | number | boolean | null) =>
    value === null ? 'None' : typeof value === 'boolean' ? (value ? 'True' : 'False') : JSON.stringify(value);
  await writeFile(
    conf,
    Object.entries(config)
      .map(([key, value]) => `${key} = ${python(value)}\n`)
      .join(''),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(venv, 'bin', 'thumbor'),
    [`--ip=127.0.0.1`, `--port=${port}`, `--conf=${conf}`, `--processes=${THUMBOR_PROCESSES}`, '--log-level=error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('thumbor did not start');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('thumbor /healthcheck', async () => {
    if (child.exitCode !== null) throw new Error(`thumbor exited with ${child.exitCode}`);
    const res = await fetch(`${url}/healthcheck`).catch(() => undefined);
    return res?.ok ? true : undefined;
  });
  return {
    url,
    pid,
    settings: {
      thumbor: THUMBOR_VERSION,
      pillow: PILLOW_VERSION,
      codecs: codecVersions(venv),
      config: { ...config, FILE_LOADER_ROOT_PATH: '<temporary directory>' },
      processes: THUMBOR_PROCESSES,
    },
    addImage: (name, bytes) => writeFile(path.join(images, name), bytes),
    cpuMs: () => treeCpuMs([pid]),
    async stop() {
      // tornado's forked workers are children of the parent: signal the whole tree.
      for (const p of processTree([pid]).reverse()) {
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          // gone already
        }
      }
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
