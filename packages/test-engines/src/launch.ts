// Launching a recorded server engine and waiting until it really answers.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { kafkaEngine } from './kafka.ts';
import { minioEngine } from './minio.ts';
import type { ServerEngineName } from './names.ts';
import { postgresEngine } from './postgres.ts';
import { logTails, pidAlive, run, waitUntil } from './process.ts';
import { redisEngine } from './redis.ts';
import type { ServerEngine } from './server.ts';
import { mainPort, type EngineRecord } from './state.ts';

export const SERVERS: Record<ServerEngineName, ServerEngine> = {
  postgres: postgresEngine,
  redis: redisEngine,
  kafka: kafkaEngine,
  minio: minioEngine,
};

/** Launches an engine from its recorded command. Returns its pid. */
async function launch(record: EngineRecord): Promise<number> {
  const { mode, command, args, env, cwd, pidFile, outFile } = record.start;
  const fullEnv = { ...process.env, ...env };
  if (mode === 'spawn') {
    const out = fs.openSync(outFile as string, 'a');
    try {
      const child = spawn(command, args, { env: fullEnv, cwd, detached: true, stdio: ['ignore', out, out] });
      await new Promise((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      return child.pid as number;
    } finally {
      fs.closeSync(out);
    }
  }
  if (pidFile) fs.rmSync(pidFile, { force: true });
  const result = await run(command, args, { env: fullEnv, cwd, timeoutMs: SERVERS[record.name].readyTimeoutMs });
  if (result.code !== 0) {
    throw new Error(
      `${record.name}: \`${[command, ...args].join(' ')}\` failed (exit ${result.code}):\n` +
        `${result.stdout}${result.stderr}\n${logTails([record.logFile])}`,
    );
  }
  const pid = await waitUntil(
    () => {
      const text = fs.readFileSync(pidFile as string, 'utf8');
      const value = Number(text.split('\n')[0]?.trim());
      return Promise.resolve(value > 0 ? value : 0);
    },
    {
      timeoutMs: 10_000,
      intervalMs: 50,
      describe: () => `${record.name}: no pid in ${pidFile}\n${logTails([record.logFile])}`,
    },
  );
  return pid;
}

/** Launches a recorded engine and waits until it really answers. Returns the new pid. */
export async function launchAndWait(record: EngineRecord): Promise<{ pid: number; ms: number }> {
  const started = Date.now();
  const pid = await launch(record);
  record.pid = pid;
  const logs = [record.logFile, ...(record.extraLogs ?? [])];
  await waitUntil(() => SERVERS[record.name].ready(record), {
    timeoutMs: SERVERS[record.name].readyTimeoutMs,
    intervalMs: record.name === 'kafka' ? 500 : 100,
    abort: () => (pidAlive(pid) ? null : `${record.name} (pid ${pid}) exited while starting`),
    describe: (error) =>
      `${record.name} on port ${mainPort(record)} is not ready` +
      `${error ? ` (last error: ${(error as Error).message ?? error})` : ''}\n${logTails(logs)}`,
  });
  return { pid, ms: Date.now() - started };
}
