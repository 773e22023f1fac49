import express from 'express';
import request from 'supertest';
import { silentLogger } from '@pictor/observability';
import { requireAdminToken } from '../http/admin-auth.js';
import { errorHandler } from '../http/error-handler.js';
import { requestContext } from '../http/request-context.js';
import { ClientLocator } from '../links/client-locator.js';
import { NearestLinks, type LinkSite } from '../links/nearest-links.js';
import { replicasRoute } from './replicas.route.js';

const TOKEN = 'replicas-admin-token-0123';

interface Replica {
  name: string;
  healthy: boolean;
  retryAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  lagMs: number | null;
}
const replicasOf = (res: { body: unknown }) => (res.body as { replicas: Replica[] }).replicas;
const errorOf = (res: { body: unknown }) => (res.body as { error: { code: string } }).error;

/** Sites kept in memory: `copies` says which site holds which key; `down` sites throw. */
function memorySites() {
  const objects = new Map<string, Set<string>>([
    ['primary', new Set()],
    ['eu', new Set()],
    ['us', new Set()],
  ]);
  const down = new Set<string>();
  const lagging = new Set<string>();
  const site = (name: string, point: { lat: number; lon: number } | undefined): LinkSite => ({
    name,
    site: point ? { name, countries: [], continents: [], point } : undefined,
    stat: (key) => {
      if (down.has(name)) return Promise.reject(new Error(`connect ECONNREFUSED (${name})`));
      return Promise.resolve(objects.get(name)!.has(key) ? {} : null);
    },
    presignGet: (key, ttl) => Promise.resolve(`http://${name}.example/${key}?X-Amz-Expires=${ttl}`),
    put: (key) => {
      objects.get(name)!.add(key);
      // Replication, as the engine would do it: at once, except to lagging or stopped sites.
      for (const replica of ['eu', 'us'])
        if (!lagging.has(replica) && !down.has(replica)) objects.get(replica)!.add(key);
      return Promise.resolve();
    },
    delete: (keys) => {
      for (const set of objects.values()) for (const key of keys) set.delete(key);
      return Promise.resolve();
    },
  });
  return {
    down,
    lagging,
    primary: site('primary', undefined),
    replicas: [site('eu', { lat: 50.1, lon: 8.7 }), site('us', { lat: 38.9, lon: -77 })],
  };
}

async function appWith(sites: ReturnType<typeof memorySites>) {
  const links = new NearestLinks({
    primary: sites.primary,
    replicas: sites.replicas,
    locator: await ClientLocator.open(undefined, []),
    defaultSite: 'primary',
    cooldownMs: 60_000,
    timeoutMs: 500,
    ttlSeconds: 300,
    logger: silentLogger(),
  });
  const app = express();
  app.use(requestContext(silentLogger()));
  app.use('/api/v1/replicas', replicasRoute({ links, guard: requireAdminToken(TOKEN), lagBoundMs: 300 }));
  app.use(errorHandler());
  return { app, links };
}

describe('GET /api/v1/replicas', () => {
  test('when asked without the admin token, then it answers 401 and shows nothing', async () => {
    const { app } = await appWith(memorySites());
    const res = await request(app).get('/api/v1/replicas');
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('UNAUTHORIZED');
    expect(JSON.stringify(res.body)).not.toContain('eu');
  });

  test('when every replica keeps up, then each is healthy with a measured lag, and nothing is cached', async () => {
    const { app } = await appWith(memorySites());
    const res = await request(app).get('/api/v1/replicas').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(replicasOf(res).map((r) => r.name)).toEqual(['eu', 'us', 'primary']);
    for (const replica of replicasOf(res)) {
      expect(replica).toMatchObject({ healthy: true, consecutiveFailures: 0, lastError: null });
      expect(replica.lagMs).toBeGreaterThanOrEqual(0);
    }
  });

  test('when a replica lags and another has failed, then the one shows no lag within the bound and the other is unhealthy with its error', async () => {
    const sites = memorySites();
    const { app, links } = await appWith(sites);
    sites.lagging.add('us');
    sites.down.add('eu');
    // A client in Germany: eu fails its probe (its circuit opens), so us… which lacks the object: primary.
    const link = await links.linkFor('81.2.69.160', 'public/x.png');
    expect(link.site).toBe('primary');
    const res = await request(app).get('/api/v1/replicas').set('Authorization', `Bearer ${TOKEN}`);
    const byName = Object.fromEntries(replicasOf(res).map((r) => [r.name, r]));
    expect(byName.eu).toMatchObject({ healthy: false, consecutiveFailures: 1, lagMs: null });
    expect(byName.eu?.lastError).toMatch(/ECONNREFUSED/);
    expect(byName.eu?.retryAt).toEqual(expect.any(String));
    expect(byName.us).toMatchObject({ healthy: true, lagMs: null });
  });

  test('when asked with POST, then it answers 405', async () => {
    const { app } = await appWith(memorySites());
    const res = await request(app).post('/api/v1/replicas').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(405);
  });
});
