// Redis: Debian's redis-server, daemonised, no persistence.

import * as fs from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { which } from './process.ts';
import type { DebianRequirement, ServerEngine } from './server.ts';

export const REDIS_DEBIAN: DebianRequirement[] = [
  { engine: 'redis', packages: ['redis-server'], find: () => which('redis-server') !== null, what: 'Redis' },
];

/**
 * The arguments every test Redis starts with: loopback only, the given port, no persistence (the
 * tests want a fresh server), and a directory of its own. The engines' Redis and the Sentinel
 * test's master and replica share them.
 */
export function redisServerArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
}

/** Sends raw RESP commands over a socket and returns the raw reply. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error('redis: no reply'));
    });
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const bulk = reply.match(/^\$(\d+)\r\n/);
      if ((bulk && reply.length >= bulk[0].length + Number(bulk[1]) + 2) || (!bulk && reply.endsWith('\r\n'))) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  });
}

export const redisEngine: ServerEngine = {
  portsNeeded: 1,
  readyTimeoutMs: 20_000,
  ready: async (record) => (await redisCommand(record.ports.redis as number, 'PING')).startsWith('+PONG'),

  prepare({ dir, ports: [port], paths }) {
    const home = join(dir, 'redis');
    fs.mkdirSync(home, { recursive: true });
    const pidFile = join(home, 'redis.pid');
    const logFile = join(home, 'redis.log');
    const args = [...redisServerArgs(port, home), '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', logFile];
    return Promise.resolve({
      name: 'redis',
      pid: null,
      ports: { redis: port },
      dataDir: home,
      logFile,
      processMatch: 'redis-server',
      start: { mode: 'daemon', command: paths.redisServer as string, args, env: {}, cwd: home, pidFile },
    });
  },
};
