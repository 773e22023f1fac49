import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Docker engine of its own: private socket, data and state in a temporary directory. */
export interface DockerEngine {
  dir: string;
  /** Runs the Docker client (BuildKit on) against this engine. */
  docker(args: string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Like docker() but throws with the output's tail unless it exits 0. */
  dockerOk(args: string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  stop(): Promise<void>;
}

function runCommand(bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Debian's dockerd as the project's machines allow it: vfs storage (no overlay mounts in
 * a container), no iptables, no masquerading and no bridge, on a private socket. Containers and
 * builds use the host's network (`--network host`), on loopback ports. The paths come from the
 * engines' provisioning (PICTOR_DOCKERD_BIN, PICTOR_DOCKER_BIN); `stop()` ends the daemon (and
 * the containerd it started) and removes every image and layer it made.
 */
export async function startDockerEngine(options: { dockerd?: string; docker?: string } = {}): Promise<DockerEngine> {
  const dockerd = options.dockerd ?? process.env.PICTOR_DOCKERD_BIN;
  const client = options.docker ?? process.env.PICTOR_DOCKER_BIN;
  if (!dockerd || !client) {
    throw new Error(
      'PICTOR_DOCKERD_BIN and PICTOR_DOCKER_BIN are not set: the engines provision docker.io (docs/TEST-ENGINES.md)',
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-docker-'));
  const socket = path.join(dir, 'docker.sock');
  const log = openSync(path.join(dir, 'dockerd.log'), 'a');
  const daemon = spawn(
    dockerd,
    [
      '--storage-driver',
      'vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '-H',
      `unix://${socket}`,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'dockerd.pid'),
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: '1',
    DOCKER_CONFIG: path.join(dir, 'client'),
  };
  const docker: DockerEngine['docker'] = (args, { timeoutMs } = {}) => runCommand(client, args, env, timeoutMs);
  const engine: DockerEngine = {
    dir,
    docker,
    async dockerOk(args, runOptions) {
      const result = await docker(args, runOptions);
      if (result.code !== 0) {
        throw new Error(
          `docker ${args.join(' ')} exited ${result.code}:\n${(result.stdout + result.stderr).slice(-6000)}`,
        );
      }
      return result;
    },
    async stop() {
      if (daemon.exitCode === null && daemon.pid) {
        process.kill(daemon.pid, 'SIGTERM');
        await Promise.race([exited, sleep(30_000)]);
        // Whatever is left of the group (containerd, shims) goes too.
        try {
          process.kill(-daemon.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // dockerd leaves its network namespace (and, after a crash, layers) mounted under its dirs.
      const mounts = (await readFile('/proc/mounts', 'utf8').catch(() => ''))
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((mount) => mount.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const mount of mounts) await runCommand('umount', ['--lazy', mount], process.env, 30_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await docker(['version'], { timeoutMs: 10_000 })).code === 0) return engine;
    if (daemon.exitCode !== null || Date.now() > deadline) {
      const tail = (await readFile(path.join(dir, 'dockerd.log'), 'utf8').catch(() => '')).slice(-4000);
      await engine.stop();
      throw new Error(`dockerd did not start (exit ${String(daemon.exitCode)}):\n${tail}`);
    }
    await sleep(300);
  }
}
