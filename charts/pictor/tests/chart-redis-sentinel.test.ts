import { describe, expect, it } from '@jest/globals';
import { find, podsOf, render, renderError } from '@pictor/test-harness/chart';

const SENTINELS = 'redis-sentinel-0.cache.svc.cluster.local:26379,redis-sentinel-1.cache.svc.cluster.local:26379';

describe('redis.mode=sentinel', () => {
  it('when the cache is a Sentinel service, then the pods get REDIS_SENTINELS and the master name, and no Valkey or REDIS_URL', async () => {
    const objects = await render({
      set: {
        'redis.mode': 'sentinel',
        'redis.sentinel.sentinels': SENTINELS,
        'redis.sentinel.masterName': 'cache',
        'networkPolicy.enabled': true,
      },
    });
    const config = find(objects, 'ConfigMap', 'pictor-config');
    expect(config.data).toMatchObject({ REDIS_SENTINELS: SENTINELS, REDIS_SENTINEL_NAME: 'cache' });
    expect(config.data).not.toHaveProperty('REDIS_URL');
    const env = podsOf([find(objects, 'Deployment', 'pictor-api')])[0]!.pod.containers[0]!.env ?? [];
    expect(env.map((e) => e.name)).not.toContain('REDIS_URL');
    expect(objects.filter((o) => o.metadata.name.includes('valkey'))).toEqual([]);
    // The api may reach the Sentinels (26379) and the Redis servers they name (6379).
    const policy = JSON.stringify(find(objects, 'NetworkPolicy', 'pictor-api'));
    expect(policy).toContain('"port":26379');
    expect(policy).toContain('"port":6379');
  });

  it('when sentinel mode names no Sentinels, then rendering fails saying what is missing', async () => {
    expect(await renderError({ set: { 'redis.mode': 'sentinel' } })).toContain('redis.sentinel.sentinels');
  });
});
