// Go programs built from the Go module proxy into the cache (MinIO, mc, the Kubernetes control plane).

import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { Log } from './common.ts';
import { exists, isExecutable, run, runOk, which, type RunResult } from './process.ts';

/** Version of the Go main module a binary was built from (`go version -m`), or null. */
export async function goModuleVersion(binary: string): Promise<{ module: string; version: string } | null> {
  if (!which('go')) return null;
  const result = await run('go', ['version', '-m', binary], { timeoutMs: 60_000 }).catch(() => null);
  const match = result?.stdout.match(/^\s*mod\s+(\S+)\s+(\S+)/m);
  return match ? { module: match[1] as string, version: match[2] as string } : null;
}

/**
 * A Go program built once with `go install <module>@<version>` into the cache's bin/ (or copied
 * from GOPATH/bin when `go install` built the same version there).
 */
export async function provisionGoBinary(
  cache: string,
  log: Log,
  { name, module: MODULE, version: VERSION, label }: { name: string; module: string; version: string; label: string },
): Promise<string> {
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

/** `go …` at the lowest priority: the build shares the machine's cores with everything else. */
export async function goNice(
  args: string[],
  { cwd, env = {}, timeoutMs = 3_600_000 }: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runOk('nice', ['-n', '19', 'go', ...args], {
    cwd,
    env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
    timeoutMs,
  });
}
