import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoPath } from '@pictor/test-engines';

/**
 * The chart project's globalSetup, run as jest runs it but in a child process, so the
 * environment it sees (a machine without Go, an empty cache) is the test's to choose.
 */
function runSetup(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const setup = repoPath('packages/test-engines/src/jest-chart-setup.ts');
  const script = `import(${JSON.stringify(setup)}).then(async (m) => { await m.default(); console.log(process.env.PICTOR_HELM_BIN + ' ' + process.env.PICTOR_HADOLINT_BIN); })`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, tool);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${tool} is not on PATH`);
}

const withoutTools = (env: NodeJS.ProcessEnv) => {
  const { PICTOR_HELM_BIN: _helm, PICTOR_HADOLINT_BIN: _hadolint, ...rest } = env;
  return rest;
};

describe('provisioning of the chart tools', () => {
  it('when Go is missing on a fresh machine, then the run stops before any test, saying why, with a non-zero exit', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'pictor-tools-'));
    try {
      // A PATH with the shell tools tools.sh needs and nothing else (no Go, wherever it lives here).
      const bin = path.join(cache, 'bin');
      await mkdir(bin);
      for (const tool of ['bash', 'mkdir', 'flock']) await symlink(which(tool), path.join(bin, tool));
      const result = await runSetup({ ...withoutTools(process.env), PICTOR_TOOLS_DIR: cache, PATH: bin });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('go is not on PATH');
      expect(result.stderr).toContain("provisioning the chart's test tools failed (tools.sh exited 1)");
      expect(result.stdout).toBe('');
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('when the tools are in the cache, then the setup hands their paths to the tests', async () => {
    const result = await runSetup(withoutTools(process.env));
    expect(result.code).toBe(0);
    const [helm, hadolint] = result.stdout.trim().split(' ');
    expect(helm).toMatch(/\/helm-v4\.\d+\.\d+\/helm$/);
    expect(hadolint).toMatch(/\/hadolint-\d+\.\d+\.\d+\/hadolint$/);
  });
});
