import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redisServerArgs } from '@pictor/test-engines';
import { freePort } from './processes.js';

export interface SentinelSet {
  /** `host:port` of the three Sentinels, as REDIS_SENTINELS takes them. */
  sentinels: string;
  name: string;
  /** Port of the Redis that is master now (asked of a Sentinel). */
  masterPort(): Promise<number>;
  /** The master port each Sentinel names now (`undefined` where one does not answer). */
  mastersByEverySentinel(): Promise<(number | undefined)[]>;
  /** SIGKILLs the Redis server on `port` (the master, in the failover test). */
  kill(port: number): void;
  stop(): Promise<void>;
}

const NAME = 'pictor-test';

/**
 * A Redis master, one replica and three Sentinels (quorum 2, down after 1 s) from the machine's
 * `redis-server` (Debian's package, provisioned by @pictor/test-engines), each on a free loopback port
 * with its own directory and writable configuration (Sentinels rewrite theirs).
 */
export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const start = async (port: number, args: string[]) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    children.set(port, child);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    for (let i = 0; ; i++) {
      try {
        await client.connect();
        await client.ping();
        break;
      } catch {
        client.disconnect();
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    client.disconnect();
  };
  const common = (port: number, name: string) => [...redisServerArgs(port, dir), '--dbfilename', `${name}.rdb`];
  const master = await freePort();
  const replica = await freePort();
  await start(master, common(master, 'master'));
  await start(replica, [...common(replica, 'replica'), '--replicaof', '127.0.0.1', String(master)]);
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = path.join(dir, `sentinel-${i}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n'),
    );
    await start(port, [conf, '--sentinel']);
    sentinelPorts.push(port);
  }
  const askSentinel = async (port = sentinelPorts[0]!): Promise<number> => {
    const sentinel = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    try {
      const answer = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', NAME)) as [string, string];
      return Number(answer[1]);
    } finally {
      sentinel.disconnect();
    }
  };
  return {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    name: NAME,
    masterPort: () => askSentinel(),
    mastersByEverySentinel: () => Promise.all(sentinelPorts.map((port) => askSentinel(port).catch(() => undefined))),
    kill(port) {
      children.get(port)?.kill('SIGKILL');
    },
    async stop() {
      for (const child of children.values()) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
