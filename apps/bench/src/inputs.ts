import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export interface BenchInput {
  name: string;
  bytes: Buffer;
}

const PACKAGE = 'plasma-workspace-wallpapers';
/** Four photographs at 4 MP, and two large (14.7 MP) images, from the package. */
const PICKS = [
  'FallenLeaf/contents/images/2560x1600.jpg',
  'Autumn/contents/images/2560x1600.jpg',
  'ColdRipple/contents/images/2560x1600.jpg',
  'Path/contents/images/2560x1600.jpg',
  'Volna/contents/images/5120x2880.jpg',
  'Shell/contents/images/5120x2880.jpg',
];

/**
 * Real photographs from Debian's plasma-workspace-wallpapers, fetched with `apt-get download`
 * and unpacked (not installed) into the cache directory once.
 */
export async function photographs(): Promise<BenchInput[]> {
  const root = wallpapers();
  const inputs: BenchInput[] = [];
  for (const pick of PICKS) {
    const file = path.join(root, pick);
    if (!existsSync(file)) throw new Error(`${pick} is missing from ${PACKAGE}`);
    inputs.push({ name: pick.replace('/contents/images/', '/'), bytes: await readFile(file) });
  }
  if (inputs.length === 0) throw new Error(`no photographs found under ${root}`);
  return inputs;
}

function cacheDir(): string {
  return process.env.PICTOR_BENCH_CACHE ?? path.join(homedir(), '.cache', 'pictor', 'bench-inputs');
}

/** The package's wallpapers directory, fetched and unpacked on first use. */
function wallpapers(): string {
  const cache = cacheDir();
  const root = path.join(cache, 'x', 'usr', 'share', 'wallpapers');
  if (!existsSync(root)) {
    mkdirSync(cache, { recursive: true });
    if (!readdirSync(cache).some((f) => f.startsWith(PACKAGE) && f.endsWith('.deb'))) {
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cache, stdio: 'inherit' });
    }
    const deb = readdirSync(cache).find((f) => f.startsWith(PACKAGE) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${PACKAGE} produced no .deb in ${cache}`);
    execFileSync('dpkg', ['-x', path.join(cache, deb), path.join(cache, 'x')], { stdio: 'inherit' });
  }
  return root;
}

/** Upload inputs of the engine measurements, made from the photographs (see uploadInputs). */
export interface UploadInputs {
  /** ~200 KB JPEGs: the four 4 MP photographs at 1280 px wide. */
  small: BenchInput[];
  /** ~2 MB JPEGs: the four 4 MP photographs at full size, the two large ones at 4000 px wide. */
  medium: BenchInput[];
  /** One ~20 MB JPEG (the memory measurement): a large photograph at 7680 px wide, 4:4:4. */
  large: BenchInput;
  /** A real PNG from the same package (artwork, 1080×1920). */
  png: BenchInput;
  /** An animated GIF of 12 frames cut from a photograph (480×300). */
  animated: BenchInput;
}

const SMALL_BYTES = 200 * 1024;
const MEDIUM_BYTES = 2 * 1024 * 1024;
const LARGE_BYTES = 20 * 1024 * 1024;

/**
 * Re-encodes `source` at `width` with the JPEG quality whose size comes closest to `target`
 * (bisection over 50–100). Cached by name and sharp version, so every run uploads the same bytes.
 */
async function jpegNear(
  name: string,
  source: Buffer,
  width: number | undefined,
  target: number,
  options: { chromaSubsampling?: string } = {},
): Promise<BenchInput> {
  const dir = path.join(cacheDir(), 'derived', `sharp-${sharp.versions.sharp ?? 'x'}`);
  const file = path.join(dir, `${name.replaceAll('/', '_')}.jpg`);
  if (existsSync(file)) return { name, bytes: await readFile(file) };
  const encode = (quality: number) =>
    sharp(source)
      .resize(width ? { width } : undefined)
      .jpeg({ quality, ...options })
      .toBuffer();
  let low = 50;
  let high = 100;
  let best = await encode(high);
  while (high - low > 1) {
    const middle = Math.round((low + high) / 2);
    const bytes = await encode(middle);
    if (Math.abs(bytes.length - target) < Math.abs(best.length - target)) best = bytes;
    if (bytes.length > target) high = middle;
    else low = middle;
  }
  mkdirSync(dir, { recursive: true });
  await writeFile(file, best);
  return { name, bytes: best };
}

export async function uploadInputs(): Promise<UploadInputs> {
  const root = wallpapers();
  const photos = await photographs();
  const small: BenchInput[] = [];
  const medium: BenchInput[] = [];
  for (const photo of photos) {
    const meta = await sharp(photo.bytes).metadata();
    const base = photo.name.replace(/\/\d+x\d+\.jpg$/, '');
    if ((meta.width ?? 0) <= 2560) small.push(await jpegNear(`${base}@1280~200KB`, photo.bytes, 1280, SMALL_BYTES));
    medium.push(
      await jpegNear(
        `${base}@${Math.min(meta.width ?? 0, 4000)}~2MB`,
        photo.bytes,
        (meta.width ?? 0) > 4000 ? 4000 : undefined,
        MEDIUM_BYTES,
      ),
    );
  }
  const volna = photos.find((p) => p.name.startsWith('Volna'))!;
  const large = await jpegNear('Volna@7680~20MB', volna.bytes, 7680, LARGE_BYTES, { chromaSubsampling: '4:4:4' });
  const png = {
    name: 'Altai/1080x1920.png',
    bytes: await readFile(path.join(root, 'Altai/contents/images/1080x1920.png')),
  };
  const path0 = photos[3] ?? photos[0]!;
  const frames = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      sharp(path0.bytes)
        .extract({ left: i * 120, top: i * 60, width: 960, height: 600 })
        .resize(480, 300)
        .png()
        .toBuffer(),
    ),
  );
  const animated = {
    name: `${path0.name.replace(/\/.*/, '')}: 12 frames 480x300.gif`,
    bytes: await sharp(frames, { join: { animated: true } })
      .gif({ delay: 100 })
      .toBuffer(),
  };
  return { small, medium, large, png, animated };
}
