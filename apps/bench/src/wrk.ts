import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's wrk and the LuaJIT it links to, unpacked (not installed) once into the tools cache. */
const PACKAGES = ['wrk', 'libluajit-5.1-2'];

export interface Wrk {
  bin: string;
  env: NodeJS.ProcessEnv;
  version: string;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * wrk from the PATH, or from Debian's package fetched with `apt-get download` and unpacked with
 * `dpkg -x` into ~/.cache/pictor/tools (no root needed, nothing installed).
 */
export function provisionWrk(): Wrk {
  const installed = onPath('wrk');
  if (installed) return { bin: installed, env: process.env, version: wrkVersion(installed, process.env) };
  const root = path.join(
    process.env.PICTOR_TOOLS_CACHE ?? path.join(homedir(), '.cache', 'pictor', 'tools'),
    'wrk-debian',
  );
  const bin = path.join(root, 'usr', 'bin', 'wrk');
  const env = { ...process.env, LD_LIBRARY_PATH: path.join(root, 'usr', 'lib', 'x86_64-linux-gnu') };
  if (!existsSync(bin)) {
    const staging = `${root}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    process.stderr.write(`[bench] fetching ${PACKAGES.join(', ')} with apt-get download\n`);
    execFileSync('apt-get', ['download', ...PACKAGES], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] });
    for (const deb of readdirSync(staging).filter((f) => f.endsWith('.deb'))) {
      execFileSync('dpkg', ['-x', path.join(staging, deb), path.join(staging, 'x')]);
    }
    rmSync(root, { recursive: true, force: true });
    renameSync(path.join(staging, 'x'), root);
    rmSync(staging, { recursive: true, force: true });
  }
  return { bin, env, version: wrkVersion(bin, env) };
}

function wrkVersion(bin: string, env: NodeJS.ProcessEnv): string {
  try {
    execFileSync(bin, ['-v'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // `wrk -v` prints its version and usage, then exits 1.
    const out = String((error as { stdout?: string }).stdout ?? '');
    return out.split('\n')[0]?.trim() ?? 'wrk';
  }
  return 'wrk';
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  bytes: number;
  /** Socket errors and non-2xx/3xx answers. */
  errors: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

/** Reports the run as one JSON line that runWrk() parses (latencies in µs). */
const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"errors":%.0f,' ..
    '"mean":%.1f,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.status + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

/** Lua for a POST of a prebuilt body (a multipart form, say) read from a file. */
export function postFileScript(file: string, contentType: string): string {
  return `
local f = assert(io.open(${JSON.stringify(file)}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = ${JSON.stringify(contentType)}
`;
}

/** Lua that requests the paths of a file in order, each once until the list is exhausted. */
export function pathsScript(file: string): string {
  return `
local paths = {}
for line in io.lines(${JSON.stringify(file)}) do paths[#paths + 1] = line end
local sent = 0
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[((sent - 1) % #paths) + 1])
end
`;
}

/**
 * Runs wrk (one thread, pinned to `cpu` with taskset when given) and returns its figures. Bounded:
 * `durationS` plus a margin, then the process is killed.
 */
export async function runWrk(
  wrk: Wrk,
  options: { url: string; connections: number; durationS: number; script?: string; cpu?: string; timeoutS?: number },
): Promise<WrkResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-wrk-'));
  try {
    const script = path.join(dir, 'run.lua');
    await writeFile(script, `${options.script ?? ''}\n${REPORT}`);
    const args = [
      '-t1',
      `-c${options.connections}`,
      `-d${options.durationS}s`,
      `--timeout`,
      `${options.timeoutS ?? 10}s`,
      '-s',
      script,
      options.url,
    ];
    const [command, argv] = options.cpu ? ['taskset', ['-c', options.cpu, wrk.bin, ...args]] : [wrk.bin, args];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        command,
        argv,
        { env: wrk.env, timeout: (options.durationS + 30) * 1000, maxBuffer: 1 << 20 },
        (error, out, err) => (error ? reject(new Error(`wrk failed: ${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (!line) throw new Error(`wrk printed no report:\n${stdout}`);
    const r = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
    const durationS = r.duration_us! / 1e6;
    return {
      requests: r.requests!,
      durationS,
      rps: r.requests! / durationS,
      bytes: r.bytes!,
      errors: r.errors!,
      latencyMs: {
        mean: r.mean! / 1000,
        p50: r.p50! / 1000,
        p90: r.p90! / 1000,
        p99: r.p99! / 1000,
        max: r.max! / 1000,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `lines` to a file, one a line (for pathsOnceScript). */
export function writeLines(file: string, lines: readonly string[]): void {
  writeFileSync(file, `${lines.join('\n')}\n`);
}
