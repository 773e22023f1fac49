import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { NODE_FLAGS } from '@pictor/pictor';
import { repoPath } from '@pictor/test-engines';

const MAIN = repoPath('apps/pictor/dist/main.js');

/** Distinct free loopback ports: all are held at once, then released together. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer().listen(0, '127.0.0.1'));
  await Promise.all(servers.map((server) => once(server, 'listening')));
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A free loopback port (bound then released). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/** Appends every line a child writes (stdout and stderr), parsed when JSON, to `lines`. */
function collectLines(
  child: ChildProcess,
  lines: Record<string, unknown>[],
  onLines: () => void = () => undefined,
): void {
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        lines.push({ msg: text, raw: true });
      }
    }
    onLines();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
}

export interface PictorProcess {
  target: string;
  port: number | undefined;
  url: string | undefined;
  /** Where its /metrics answers (METRICS_PORT, on loopback). */
  metricsPort: number;
  child: ChildProcess;
  /** Every line the process wrote, parsed when JSON. */
  lines: Record<string, unknown>[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the built `pictor` binary (apps/pictor/dist/main.js) as its own process with one target,
 * as Kubernetes would, and resolves once it is ready (the api answers /readyz; the relay and the
 * worker log that they started).
 */
export async function spawnPictor(
  target: 'all' | 'api' | 'relay' | 'worker' | 'notifier' | 'migrate',
  env: Record<string, string>,
): Promise<PictorProcess> {
  // Both ports chosen here, distinct: a metrics port left to the kernel (0) could be the very
  // port just released for PORT, and then the HTTP server could not bind it.
  const [metricsPort, httpPort] = (await freePorts(2)) as [number, number];
  const port = target === 'api' || target === 'all' ? httpPort : undefined;
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN, `--target=${target}`], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      ...(port ? { PORT: String(port) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  collectLines(child, lines, () => {
    for (const waiter of waiters) waiter();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(predicate);
        if (hit) {
          cleanup();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${target}: no such log line within ${timeoutMs} ms; last lines:\n${lines
              .slice(-15)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
          ),
        );
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(
          new Error(
            `${target} exited; last lines:\n${lines
              .slice(-15)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
          ),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', onExit);
      };
      waiters.add(check);
      child.once('exit', onExit);
      check();
    });

  const handle: PictorProcess = {
    target,
    port,
    url: port ? `http://127.0.0.1:${port}` : undefined,
    metricsPort,
    child,
    lines,
    waitForLog,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  const readyMessage = {
    all: 'listening',
    api: 'listening',
    relay: 'relay started',
    worker: 'worker started',
    notifier: 'notifier started',
    migrate: 'migrations applied',
  }[target];
  await waitForLog((l) => l.msg === readyMessage, 60_000);
  return handle;
}

/** Runs a one-shot target (cleanup, backup, restore) of the built binary to its end. */
export function runPictorOnce(
  target: 'cleanup' | 'backup' | 'restore' | 'migrate',
  env: Record<string, string>,
  args: string[] = [],
): { code: number | null; lines: Record<string, unknown>[]; child: ChildProcess; done: Promise<void> } {
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN, `--target=${target}`, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = {
    code: null as number | null,
    lines: [] as Record<string, unknown>[],
    child,
    done: Promise.resolve(),
  };
  collectLines(child, result.lines);
  result.done = once(child, 'exit').then(([code]) => {
    result.code = code as number | null;
  });
  return result;
}
