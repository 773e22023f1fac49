import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Cache } from '@pictor/core';

export interface CacheContractFixture {
  cache: Cache;
  /** Closes the cache and releases what setup made. */
  teardown(): Promise<void>;
}

/**
 * What every Cache adapter owes its callers. `setup` runs before each test; it may hand out the
 * same server every time, because each test uses only keys under its own random prefix.
 */
export function describeCacheContract(name: string, setup: () => Promise<CacheContractFixture>): void {
  describe(`${name} (Cache contract)`, () => {
    let fixture: CacheContractFixture | undefined;
    let cache: Cache;
    let namespace: string;
    const key = (suffix: string): string => `contract:${namespace}:${suffix}`;

    beforeEach(async () => {
      fixture = await setup();
      cache = fixture.cache;
      namespace = randomUUID();
    });

    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('when a value is set, then get returns it unchanged', async () => {
      const value = JSON.stringify({ id: 'Ab3dEf6hIj9k', title: 'Zürich at dawn ☀', variants: [640, 1280] });

      await cache.set(key('image'), value, 60);

      expect(await cache.get(key('image'))).toBe(value);
    });

    it('when a key was never set, then get returns undefined', async () => {
      await cache.set(key('present'), 'x', 60);

      expect(await cache.get(key('absent'))).toBeUndefined();
    });

    it('when a key is deleted, then get returns undefined and other keys stay', async () => {
      await cache.set(key('gone'), 'a', 60);
      await cache.set(key('kept'), 'b', 60);

      await cache.delete(key('gone'));
      await cache.delete(key('never-set'));

      expect(await cache.get(key('gone'))).toBeUndefined();
      expect(await cache.get(key('kept'))).toBe('b');
    });

    it('when its ttl has passed, then an entry is gone while a longer-lived one stays', async () => {
      await cache.set(key('short'), 'brief', 1);
      await cache.set(key('long'), 'lasting', 60);
      expect(await cache.get(key('short'))).toBe('brief');

      await sleep(1200);

      expect(await cache.get(key('short'))).toBeUndefined();
      expect(await cache.get(key('long'))).toBe('lasting');
    });

    it('when a key is set again, then get returns the newer value', async () => {
      await cache.set(key('image'), '{"status":"pending"}', 60);

      await cache.set(key('image'), '{"status":"ready"}', 60);

      expect(await cache.get(key('image'))).toBe('{"status":"ready"}');
    });
  });
}
