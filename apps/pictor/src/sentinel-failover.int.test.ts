import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { startSentinelSet, type SentinelSet } from '@pictor/test-harness/sentinel';

// The cache behind Redis Sentinel: a master, a replica and three Sentinels (Debian's redis-server)
// on loopback. The master is killed while pastes are read and written.
let database: { url: string; drop(): Promise<void> };
let sentinel: SentinelSet;
let pictor: TestPictor;

beforeAll(async () => {
  database = await freshDatabase();
  sentinel = await startSentinelSet();
  const env = pictorEnv(database.url, await freshBucket(), {
    REDIS_SENTINELS: sentinel.sentinels,
    REDIS_SENTINEL_NAME: sentinel.name,
  });
  delete env.REDIS_URL;
  pictor = await startTestPictor(env);
}, 60_000);

afterAll(async () => {
  await pictor?.stop();
  await sentinel?.stop();
  await database?.drop();
});

interface Created {
  id: string;
  links: { raw: string };
}

async function create(text: string, query = ''): Promise<{ status: number; paste?: Created }> {
  const res = await fetch(`${pictor.url}/api/v1/pastes${query}`, { method: 'POST', body: text });
  return { status: res.status, ...(res.status === 201 ? { paste: (await res.json()) as Created } : {}) };
}

async function readRaw(id: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${pictor.url}/p/${id}/raw`);
  return { status: res.status, text: await res.text() };
}

async function cachedOn(port: number, id: string): Promise<boolean> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.exists(`pictor:paste:${id}`)) === 1;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

describe('Redis Sentinel failover', () => {
  it('when the master dies during reads and writes, then Pictor keeps answering, never serves a burnt paste, and caches on the new master', async () => {
    const oldMaster = await sentinel.masterPort();
    const hot = (await create('hot paste text')).paste!;
    expect((await readRaw(hot.id)).status).toBe(200);
    expect(await cachedOn(oldMaster, hot.id)).toBe(true);
    const burn = (await create('read me once', '?burnAfterReading=true')).paste!;

    const statuses: number[] = [];
    let stop = false;
    const stream = async () => {
      while (!stop) {
        const read = await readRaw(hot.id);
        statuses.push(read.status);
        if (read.status === 200) expect(read.text).toBe('hot paste text');
        const made = await create(`written during failover ${Date.now()}`);
        statuses.push(made.status);
        if (made.paste) statuses.push((await readRaw(made.paste.id)).status);
      }
    };
    const streams = [stream(), stream(), stream()];
    await sleep(500);
    sentinel.kill(oldMaster);
    // While the cache is away, the burnt paste goes (its read claims the row in PostgreSQL).
    await sleep(300);
    expect(await readRaw(burn.id)).toEqual({ status: 200, text: 'read me once' });

    let newMaster = oldMaster;
    for (let i = 0; i < 100 && newMaster === oldMaster; i++) {
      await sleep(200);
      newMaster = await sentinel.masterPort().catch(() => oldMaster);
    }
    expect(newMaster).not.toBe(oldMaster);
    // A client asks the Sentinel that answered it last; until that one has heard of the switch it
    // is led to the dead master. Sentinels agree within seconds, more on a loaded machine.
    let agreed = await sentinel.mastersByEverySentinel();
    for (let i = 0; i < 150 && !agreed.every((port) => port === newMaster); i++) {
      await sleep(200);
      agreed = await sentinel.mastersByEverySentinel();
    }
    expect(agreed).toEqual([newMaster, newMaster, newMaster]);
    // Pictor finds the new master: fresh reads are cached there. Its client retries every 2 s at
    // most; 30 s leaves room for a machine loaded by the rest of the run.
    let cachedOnNew = false;
    let probe: Created | undefined;
    let probeRead = 0;
    for (let i = 0; i < 150 && !cachedOnNew; i++) {
      probe ??= (await create('after the failover')).paste;
      if (probe) {
        probeRead = (await readRaw(probe.id)).status;
        cachedOnNew = await cachedOn(newMaster, probe.id);
      }
      if (!cachedOnNew) await sleep(200);
    }
    stop = true;
    await Promise.all(streams);

    if (!cachedOnNew) {
      // Say what the client saw, so a failure explains itself.
      const client = (pictor.handle.infrastructure.cache as unknown as { redis?: Redis }).redis;
      throw new Error(
        `no read cached on the new master ${newMaster} (old ${oldMaster}) within 30 s: probe ${probe?.id ?? 'not created'}, ` +
          `its read ${probeRead}, client ${client?.status} on port ${client?.stream?.remotePort}, ` +
          `Sentinels name ${JSON.stringify(await sentinel.mastersByEverySentinel())}`,
      );
    }
    const serverErrors = statuses.filter((s) => s >= 500);
    expect(statuses.length).toBeGreaterThan(30);
    expect({ total: statuses.length, serverErrors: serverErrors.length }).toEqual({
      total: statuses.length,
      serverErrors: 0,
    });
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    // The burnt paste stays gone on every link, whichever Redis answers now.
    expect((await readRaw(burn.id)).status).toBe(404);
    expect((await fetch(`${pictor.url}/api/v1/pastes/${burn.id}`)).status).toBe(404);
    expect(await cachedOn(newMaster, burn.id)).toBe(false);
  }, 150_000);
});
