import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

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
  const cache = process.env.PICTOR_BENCH_CACHE ?? path.join(homedir(), '.cache', 'pictor', 'bench-inputs');
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
  const inputs: BenchInput[] = [];
  for (const pick of PICKS) {
    const file = path.join(root, pick);
    if (!existsSync(file)) throw new Error(`${pick} is missing from ${PACKAGE}`);
    inputs.push({ name: pick.replace('/contents/images/', '/'), bytes: await readFile(file) });
  }
  if (inputs.length === 0) throw new Error(`no photographs found under ${root}`);
  return inputs;
}
