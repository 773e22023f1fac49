import { describe, expect, it } from '@jest/globals';
import { loadConfig, TARGETS, type Target } from '@pictor/config';
import { MODULES, modulesOf, TARGET_MODULES, type ModuleName } from './modules.js';
import { ModuleGraphError, startModules, startOrder, type ModuleTable } from './modules/module-manager.js';

/** What the split targets need (they run on shared engines); nothing connects in these tests. */
const CLUSTER = {
  DATABASE_URL: 'postgres://pictor@127.0.0.1:5432/pictor',
  KAFKA_BROKERS: '127.0.0.1:9092',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_BUCKET: 'pictor',
  S3_ACCESS_KEY: 'pictor',
  S3_SECRET_KEY: 'pictor-secret',
  REDIS_URL: 'redis://127.0.0.1:6379',
};
const configOf = (target: Target, env: Record<string, string> = {}) =>
  loadConfig(target === 'all' ? env : { ...CLUSTER, ...env }, { PICTOR_TARGET: target });

describe('the module table', () => {
  it('declares every target the configuration accepts, and nothing else', () => {
    expect(Object.keys(TARGET_MODULES).sort()).toEqual([...TARGETS].sort());
  });

  it.each(TARGETS.map((t) => [t]))('resolves %s without a cycle, each module after what it needs', (target) => {
    const order = startOrder(MODULES, modulesOf(configOf(target)));
    expect(new Set(order).size).toBe(order.length);
    for (const [i, name] of order.entries()) {
      const module = MODULES[name];
      for (const before of [...module.deps, ...(module.after ?? []).filter((n) => order.includes(n))]) {
        expect(order.indexOf(before)).toBeGreaterThanOrEqual(0);
        expect(order.indexOf(before)).toBeLessThan(i);
      }
    }
  });

  it('has no cycle among all modules together', () => {
    expect(() => startOrder(MODULES, Object.keys(MODULES) as ModuleName[])).not.toThrow();
  });

  it('starts the api last in `all` (so it stops first), the worker after the migrations and before the relay', () => {
    const order = startOrder(MODULES, modulesOf(configOf('all')));
    expect(order.at(-1)).toBe('http');
    expect(order.indexOf('migrations')).toBeLessThan(order.indexOf('worker'));
    expect(order.indexOf('worker')).toBeLessThan(order.indexOf('relay'));
    expect(order.indexOf('metrics')).toBeLessThan(order.indexOf('worker'));
  });

  it('adds the relay to the api only when RELAY_IN_API asks for it', () => {
    expect(startOrder(MODULES, modulesOf(configOf('api')))).not.toContain('relay');
    const order = startOrder(MODULES, modulesOf(configOf('api', { RELAY_IN_API: 'true' })));
    expect(order).toContain('relay');
    expect(order.indexOf('relay')).toBeLessThan(order.indexOf('http'));
  });

  it('opens only the database for migrate, the pre-install hook', () => {
    expect(startOrder(MODULES, modulesOf(configOf('migrate')))).toEqual(['database', 'migrations']);
  });

  it('marks exactly the Job and hook targets one-shot', () => {
    const oneShot = TARGETS.filter((t) => TARGET_MODULES[t].oneShot).sort();
    expect(oneShot).toEqual(['backup', 'cleanup', 'migrate', 'restore', 'storage-setup']);
  });
});

describe('the module manager', () => {
  type Name = 'a' | 'b' | 'c' | 'd';
  const recording = (events: string[], fail?: Name): ModuleTable<Name, null> => {
    const module = (name: Name, deps: Name[], after: Name[] = []) => ({
      deps,
      after,
      start: () => {
        if (name === fail) return Promise.reject(new Error(`${name} failed`));
        events.push(`start ${name}`);
        return Promise.resolve(() => {
          events.push(`stop ${name}`);
          return Promise.resolve();
        });
      },
    });
    return { a: module('a', []), b: module('b', ['a']), c: module('c', ['b'], ['d']), d: module('d', ['a']) };
  };

  it('starts dependencies first and stops in exactly the reverse order', async () => {
    const events: string[] = [];
    const table = recording(events);
    const order = startOrder(table, ['c', 'd']);
    expect(order).toEqual(['a', 'b', 'd', 'c']);
    const stop = await startModules(table, order, null, () => undefined);
    await stop();
    const started = events.filter((e) => e.startsWith('start')).map((e) => e.slice(6));
    const stopped = events.filter((e) => e.startsWith('stop')).map((e) => e.slice(5));
    expect(started).toEqual(order);
    expect(stopped).toEqual([...order].reverse());
  });

  it('pulls in dependencies but not modules it only follows', () => {
    expect(startOrder(recording([]), ['c'])).toEqual(['a', 'b', 'c']);
  });

  it('stops what already started when a module fails to start', async () => {
    const events: string[] = [];
    const table = recording(events, 'd');
    await expect(startModules(table, startOrder(table, ['c', 'd']), null, () => undefined)).rejects.toThrow('d failed');
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('names a cycle and an unknown module', () => {
    const cyclic: ModuleTable<'x' | 'y', null> = {
      x: { deps: ['y'], start: () => Promise.resolve(undefined) },
      y: { deps: ['x'], start: () => Promise.resolve(undefined) },
    };
    expect(() => startOrder(cyclic, ['x'])).toThrow(ModuleGraphError);
    expect(() => startOrder(cyclic, ['x'])).toThrow(/cycle: x → y → x/);
    expect(() => startOrder(cyclic, ['z' as 'x'])).toThrow(/unknown module z/);
  });
});
