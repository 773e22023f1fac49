import { ReplicaChooser, type SiteProbe, type StorageSite } from './replica-chooser.js';

const frankfurt: StorageSite = { name: 'eu', countries: [], continents: ['eu'], point: { lat: 50.11, lon: 8.68 } };
const virginia: StorageSite = {
  name: 'us',
  countries: ['US', 'CA'],
  continents: ['na'],
  point: { lat: 38.9, lon: -77.0 },
};
const singapore: StorageSite = { name: 'ap', countries: [], continents: [], point: { lat: 1.35, lon: 103.8 } };

const berlin = { country: 'DE', continent: 'eu' as const, point: { lat: 52.5, lon: 13.4 } };
const mexico = { country: 'MX', continent: 'na' as const, point: { lat: 23.6, lon: -102.5 } };
const tokyo = { country: 'JP', continent: 'as' as const, point: { lat: 36.2, lon: 138.3 } };

class FakeProbe implements SiteProbe {
  readonly calls: string[] = [];
  down = new Set<string>();
  slow = new Set<string>();
  missing = new Set<string>();
  holds(site: string, key: string, signal: AbortSignal): Promise<boolean> {
    this.calls.push(site);
    if (this.down.has(site)) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.slow.has(site)) {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    return Promise.resolve(!this.missing.has(`${site}/${key}`));
  }
}

function chooser(probe: SiteProbe, clock = { t: 1_000_000 }, defaultSite = 'primary') {
  return new ReplicaChooser({
    sites: [frankfurt, virginia, singapore],
    defaultSite,
    probe,
    cooldownMs: 30_000,
    timeoutMs: 50,
    missingTtlMs: 2_000,
    now: () => clock.t,
  });
}

describe('ReplicaChooser', () => {
  test('when clients are in Germany, Mexico and Japan, then each goes to the replica nearest it', async () => {
    const c = chooser(new FakeProbe());
    expect((await c.choose(berlin, 'k')).site).toBe('eu');
    expect((await c.choose(mexico, 'k')).site).toBe('us');
    expect((await c.choose(tokyo, 'k')).site).toBe('ap');
  });

  test('when a replica lists the client’s country, then it wins over a nearer one', () => {
    const lisbonServedFromUs = { ...virginia, countries: ['PT'] };
    const c = new ReplicaChooser({
      sites: [frankfurt, lisbonServedFromUs],
      defaultSite: 'primary',
      probe: new FakeProbe(),
      cooldownMs: 1,
      timeoutMs: 1,
    });
    expect(c.rank({ country: 'PT', continent: 'eu', point: { lat: 38.7, lon: -9.1 } })).toEqual([
      'us',
      'eu',
      'primary',
    ]);
    expect(c.rank({ country: 'ES', continent: 'eu', point: { lat: 40.4, lon: -3.7 } })).toEqual([
      'eu',
      'us',
      'primary',
    ]);
  });

  test('when only the continent is known, then the replica serving that continent comes first', () => {
    const c = chooser(new FakeProbe());
    expect(c.rank({ continent: 'eu' })[0]).toBe('eu');
  });

  test('when the place is unknown, then the default site comes first', async () => {
    expect(chooser(new FakeProbe()).rank(undefined)[0]).toBe('primary');
    const c = chooser(new FakeProbe(), { t: 0 }, 'us');
    expect(c.rank(undefined)).toEqual(['us', 'eu', 'ap', 'primary']);
    expect(await c.choose({}, 'k')).toMatchObject({ site: 'us', reason: 'default' });
  });

  test('when the nearest replica does not hold the object yet, then the next one serves it', async () => {
    const probe = new FakeProbe();
    probe.missing.add('eu/fresh');
    const choice = await chooser(probe).choose(berlin, 'fresh');
    expect(choice.site).not.toBe('eu');
    expect(choice.reason).toBe('fallback');
    expect(choice.skipped).toContainEqual({ site: 'eu', why: 'missing' });
  });

  test('when no replica holds the object yet, then the primary serves it, and once replicated the replica does', async () => {
    const clock = { t: 0 };
    const probe = new FakeProbe();
    for (const site of ['eu', 'us', 'ap']) probe.missing.add(`${site}/fresh`);
    const c = chooser(probe, clock);
    expect(await c.choose(berlin, 'fresh')).toMatchObject({ site: 'primary', reason: 'fallback' });
    probe.missing.clear();
    clock.t += 2_001;
    expect((await c.choose(berlin, 'fresh')).site).toBe('eu');
  });

  test('when a replica is down, then it is skipped for the cool-down and tried again after', async () => {
    const clock = { t: 0 };
    const probe = new FakeProbe();
    probe.down.add('eu');
    const c = chooser(probe, clock);
    expect((await c.choose(berlin, 'a')).site).toBe('us');
    expect(c.health().find((h) => h.name === 'eu')).toMatchObject({ healthy: false, consecutiveFailures: 1 });
    probe.calls.length = 0;
    expect((await c.choose(berlin, 'b')).site).toBe('us');
    expect(probe.calls).not.toContain('eu');
    probe.down.clear();
    clock.t += 30_001;
    expect((await c.choose(berlin, 'c')).site).toBe('eu');
    expect(c.health().find((h) => h.name === 'eu')).toMatchObject({ healthy: true, consecutiveFailures: 0 });
  });

  test('when a replica answers slower than the timeout, then the next one serves and the slow one is skipped', async () => {
    const probe = new FakeProbe();
    probe.slow.add('eu');
    const c = chooser(probe);
    const started = Date.now();
    const choice = await c.choose(berlin, 'k');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(choice.site).toBe('us');
    expect(choice.skipped).toContainEqual({ site: 'eu', why: 'failed' });
    expect(c.isHealthy('eu')).toBe(false);
  });

  test('when every replica is down, then the primary is the answer', async () => {
    const probe = new FakeProbe();
    for (const site of ['eu', 'us', 'ap']) probe.down.add(site);
    expect(await chooser(probe).choose(tokyo, 'k')).toMatchObject({ site: 'primary', reason: 'fallback' });
  });

  test('when the same object is asked for twice, then the replica is probed once', async () => {
    const probe = new FakeProbe();
    const c = chooser(probe);
    await c.choose(berlin, 'k');
    await c.choose(berlin, 'k');
    expect(probe.calls).toEqual(['eu']);
  });

  test('when the primary has a location and the client is nearest it but it is down, then a replica holding the object serves', async () => {
    const probe = new FakeProbe();
    probe.down.add('primary');
    const c = new ReplicaChooser({
      sites: [virginia],
      primary: { name: 'primary', countries: [], continents: ['eu'], point: { lat: 48.85, lon: 2.35 } },
      defaultSite: 'primary',
      probe,
      cooldownMs: 1000,
      timeoutMs: 50,
    });
    expect(c.rank(berlin)).toEqual(['primary', 'us']);
    expect(await c.choose(berlin, 'k')).toMatchObject({ site: 'us', reason: 'fallback' });
  });

  test('when an override names a site, then it is tried first whatever the place', async () => {
    const c = chooser(new FakeProbe());
    expect(c.rank(berlin, 'ap')[0]).toBe('ap');
    expect(await c.choose(undefined, 'k', 'us')).toMatchObject({ site: 'us', reason: 'nearest' });
  });
});
