// Control of a running set from ANY process: the fault tests stop and restart engines from jest workers.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { launchAndWait } from './launch.ts';
import { withLock } from './lock.ts';
import type { ServerEngineName } from './names.ts';
import { exists, pidAlive, pidGone, portOpen, signalEngine, sleep, waitUntil, writeJsonAtomic } from './process.ts';
import { mainPort, ownsPid, readState, type EngineRecord } from './state.ts';

const STOP_TIMEOUT_MS = 20_000;

export interface EngineControl {
  statePath: string;
  /** The engine's process is alive and its main port accepts connections. */
  isRunning(name: ServerEngineName): Promise<boolean>;
  /**
   * SIGTERM (default): clean shutdown (PostgreSQL: fast shutdown); SIGKILL: kill the whole process
   * group (a crash). Resolves once the process is gone and its port closed.
   */
  stop(name: ServerEngineName, options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
  /** Starts it again on the same ports with the same data; resolves once it really answers. */
  start(name: ServerEngineName): Promise<void>;
}

/**
 * Stops, restarts and inspects the engines of a running set from ANY process (the state file
 * is the source of truth): used by fault tests in jest workers.
 */
export function engineControl(statePath: string): EngineControl {
  const lockPath = `${statePath}.lock`;

  /** Read-modify-write of one engine's record, serialised between processes. */
  const update = (name: ServerEngineName, change: (record: EngineRecord) => void): Promise<void> =>
    withLock(
      lockPath,
      () => undefined,
      () => {
        const state = readState(statePath);
        change(state.engines[name] as EngineRecord);
        writeJsonAtomic(statePath, state);
        return Promise.resolve();
      },
    );

  const recordOf = (name: ServerEngineName): EngineRecord => {
    const record = readState(statePath).engines[name];
    if (!record) throw new Error(`engine "${name}" is not part of ${statePath}`);
    return record;
  };

  return {
    statePath,

    async isRunning(name) {
      const record = recordOf(name);
      return Boolean(record.pid) && ownsPid(record) && (await portOpen(mainPort(record)));
    },

    /**
     * Stops an engine. SIGTERM (default) shuts it down cleanly (PostgreSQL: fast shutdown via
     * SIGINT, since a smart shutdown would wait for the tests' own connections); SIGKILL kills
     * its whole process group at once (a crash). Waits until the process is gone and the port closed.
     */
    async stop(name, { signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS } = {}) {
      const record = recordOf(name);
      const pid = record.pid;
      if (pid && ownsPid(record)) {
        if (signal === 'SIGKILL') signalEngine(pid, 'SIGKILL');
        else if (signal === 'SIGTERM' && name === 'postgres') signalEngine(pid, 'SIGINT', { group: false });
        else signalEngine(pid, signal, { group: false });
        try {
          await waitUntil(() => Promise.resolve(!pidAlive(pid)), {
            timeoutMs,
            intervalMs: 50,
            describe: () => `${name} (pid ${pid}) did not exit after ${signal}`,
          });
        } catch {
          signalEngine(pid, 'SIGKILL');
          await waitUntil(() => Promise.resolve(!pidAlive(pid)), {
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
