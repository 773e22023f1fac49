import { describe, expect, it } from '@jest/globals';
import type { Cache } from '../ports/cache.port.js';
import type { ViewCountRepository, ViewedItem, ViewedKind } from '../ports/view-count-repository.port.js';
import { ViewCounter } from './view-counter.js';

class MapCache implements Cache {
  readonly entries = new Map<string, string>();
  get(key: string) {
    return Promise.resolve(this.entries.get(key));
  }
  set(key: string, value: string) {
    this.entries.set(key, value);
    return Promise.resolve();
  }
  delete(key: string) {
    this.entries.delete(key);
    return Promise.resolve();
  }
  ping() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

class Totals implements ViewCountRepository {
  readonly totals = new Map<string, number>();
  fail = false;
  add(kind: ViewedKind, counts: ReadonlyMap<string, number>) {
    if (this.fail) return Promise.reject(new Error('database away'));
    for (const [id, n] of counts) this.totals.set(`${kind}:${id}`, (this.totals.get(`${kind}:${id}`) ?? 0) + n);
    return Promise.resolve();
  }
  mostViewedOf(): Promise<ViewedItem[]> {
    return Promise.resolve([]);
  }
}

function setup(start = Date.parse('2026-12-01T10:05:00Z')) {
  let now = start;
  const totals = new Totals();
  const counter = new ViewCounter({ cache: new MapCache(), repository: totals, clock: () => new Date(now) });
  return { counter, totals, advance: (ms: number) => (now += ms) };
}

const reader = (clientKey: string) => ({ clientKey, preview: false });

describe('ViewCounter', () => {
  it('when one client reads an item many times in an hour, then it counts once; in the next hour, once more', async () => {
    const { counter, totals, advance } = setup();
    for (let i = 0; i < 5; i++) await counter.record('paste', 'p1', null, reader('203.0.113.7'));
    advance(3_600_000);
    await counter.record('paste', 'p1', null, reader('203.0.113.7'));
    await counter.flush();
    expect(totals.totals.get('paste:p1')).toBe(2);
  });

  it('when different clients read, then each counts', async () => {
    const { counter, totals } = setup();
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      await counter.record('image', 'i1', null, reader(ip));
    await counter.flush();
    expect(totals.totals.get('image:i1')).toBe(3);
  });

  it('when the author, a HEAD request or a bot looks, then nothing is counted', async () => {
    const { counter, totals } = setup();
    expect(
      await counter.record('paste', 'p1', 'acc-1', { clientKey: 'acc-1', accountId: 'acc-1', preview: false }),
    ).toBe(false);
    expect(await counter.record('paste', 'p1', null, { clientKey: '203.0.113.9', preview: true })).toBe(false);
    await counter.flush();
    expect(totals.totals.size).toBe(0);
  });

  it('when the database is away at a flush, then the counts are kept and written by the next one', async () => {
    const { counter, totals } = setup();
    await counter.record('paste', 'p1', null, reader('a'));
    totals.fail = true;
    await expect(counter.flush()).rejects.toThrow('database away');
    await counter.record('paste', 'p1', null, reader('b'));
    totals.fail = false;
    expect(await counter.flush()).toBe(2);
    expect(totals.totals.get('paste:p1')).toBe(2);
  });
});
