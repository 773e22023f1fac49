import { Counter, Gauge, type Registry } from 'prom-client';
import { PRIMARY_SITE, ReplicaChooser, type SiteChoice, type SiteHealth, type StorageSite } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import type { ClientLocator } from './client-locator.js';

/** One storage site as links need it: asked over its in-cluster address, signed for its public one. */
export interface LinkSite {
  name: string;
  /** Where the site is; undefined for a primary without S3_LOCATION (then only the fallback). */
  site: StorageSite | undefined;
  /** The in-cluster client: does the site hold the object? (a HEAD) */
  stat(key: string): Promise<unknown>;
  /** A GET URL valid `ttlSeconds`, signed for the host clients reach (the site's public endpoint). */
  presignGet(key: string, ttlSeconds: number): Promise<string>;
  /** Writes an object (the primary only: lag probes). */
  put?(key: string, body: Buffer): Promise<unknown>;
  delete?(keys: readonly string[]): Promise<void>;
}

export interface ReplicaStatus extends SiteHealth {
  /** Milliseconds a probe written to the primary took to appear here; null: not within the bound. */
  lagMs: number | null;
}

/** Lag probes live outside `public/`, so the edge never serves them. */
const LAG_PROBE_PREFIX = 'system/lag-probe/';

export interface NearestLinksOptions {
  primary: LinkSite;
  replicas: readonly LinkSite[];
  locator: ClientLocator;
  defaultSite: string;
  cooldownMs: number;
  timeoutMs: number;
  ttlSeconds: number;
  logger: Logger;
  /** Where `pictor_link_redirects_total` and `pictor_replica_up` are registered. */
  registry?: Registry;
}

export interface SignedLink {
  url: string;
  site: string;
  reason: SiteChoice['reason'];
  expiresAt: Date;
}

/**
 * Presigned links on the storage site nearest a client that holds the object (see ReplicaChooser):
 * the client's address (from `clientAddress`, so trusted proxies only) is placed by the override
 * table and the GeoIP database, the choice is logged and counted per site, and the URL is signed
 * with the site's own credentials for its public host.
 */
export class NearestLinks {
  private readonly chooser: ReplicaChooser;
  private readonly sites: Map<string, LinkSite>;
  private readonly redirects: Counter<'replica'> | undefined;
  /** The last periodic measurement: seconds per replica (Infinity: not there within the bound). */
  private lastLag = new Map<string, number>();

  constructor(private readonly options: NearestLinksOptions) {
    this.sites = new Map([...options.replicas, options.primary].map((s) => [s.name, s]));
    this.chooser = new ReplicaChooser({
      sites: options.replicas.flatMap((r) => (r.site ? [r.site] : [])),
      primary: options.primary.site,
      defaultSite: options.defaultSite,
      cooldownMs: options.cooldownMs,
      timeoutMs: options.timeoutMs,
      probe: {
        holds: async (name, key) => {
          const site = this.sites.get(name);
          if (!site) return false;
          return (await site.stat(key)) !== null;
        },
      },
    });
    if (options.registry) {
      const chooser = this.chooser;
      this.redirects = registerLinkMetrics(
        options.registry,
        [...this.sites.keys()],
        () => chooser.health(),
        () => this.lastLag,
      );
    }
  }

  /**
   * Measures replication lag every `intervalMs` (not per request) for `pictor_replica_lag_seconds`;
   * returns the function that stops it. A measurement that cannot write its probe (the primary is
   * down) leaves no series: the lag is unknown then, not zero.
   */
  measureLagEvery(intervalMs: number, boundMs: number): () => void {
    let running = false;
    const measure = async () => {
      if (running) return;
      running = true;
      try {
        const statuses = await this.status(boundMs);
        this.lastLag = new Map(
          statuses
            .filter((s) => s.name !== PRIMARY_SITE)
            .map((s) => [s.name, s.lagMs === null ? Number.POSITIVE_INFINITY : s.lagMs / 1000]),
        );
      } catch (error) {
        this.lastLag = new Map();
        this.options.logger.warn('replication lag not measured', { error });
      } finally {
        running = false;
      }
    };
    void measure();
    const timer = setInterval(() => void measure(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** A presigned link for `key` on the best site for a client at `address`. */
  async linkFor(address: string, key: string): Promise<SignedLink> {
    const { site: override, place } = this.options.locator.locate(address);
    const choice = await this.chooser.choose(place, key, override);
    const site = this.sites.get(choice.site) ?? this.options.primary;
    const url = await site.presignGet(key, this.options.ttlSeconds);
    this.redirects?.inc({ replica: site.name });
    this.options.logger.info('link signed', {
      replica: site.name,
      reason: choice.reason,
      skipped: choice.skipped,
      country: place?.country,
      override,
    });
    return {
      url,
      site: site.name,
      reason: choice.reason,
      expiresAt: new Date(Date.now() + this.options.ttlSeconds * 1000),
    };
  }

  /** Each site's health as this process sees it, for `GET /api/v1/replicas`. */
  health(): SiteHealth[] {
    return this.chooser.health();
  }

  /**
   * Health and replication lag, measured now: a probe object written to the primary, and the time
   * until each healthy replica holds it (at most `boundMs`).
   */
  async status(boundMs: number): Promise<ReplicaStatus[]> {
    const health = this.chooser.health();
    const lags = new Map<string, number | null>([[PRIMARY_SITE, 0]]);
    const { primary } = this.options;
    if (primary.put) {
      const key = `${LAG_PROBE_PREFIX}${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const started = Date.now();
      await primary.put(key, Buffer.from(new Date().toISOString()));
      try {
        await Promise.all(
          this.options.replicas.map(async (replica) => {
            if (!this.chooser.isHealthy(replica.name)) return lags.set(replica.name, null);
            while (Date.now() - started < boundMs) {
              const there = await replica.stat(key).catch(() => null);
              if (there !== null) return lags.set(replica.name, Date.now() - started);
              await new Promise((r) => setTimeout(r, 100));
            }
            return lags.set(replica.name, null);
          }),
        );
      } finally {
        await primary.delete?.([key]).catch(() => undefined);
      }
    }
    return health.map((h) => ({ ...h, lagMs: lags.get(h.name) ?? null }));
  }

  /** The names of the sites, primary last. */
  siteNames(): string[] {
    return [...this.options.replicas.map((r) => r.name), PRIMARY_SITE];
  }
}

/**
 * `pictor_link_redirects_total{replica}` (every site at 0 from the start),
 * `pictor_replica_up{replica}` (read from `health` at each scrape) and
 * `pictor_replica_lag_seconds{replica}` (the last periodic measurement, from `lag`). The api registers them with or
 * without replicas, so dashboards and alerts find the series on every installation.
 */
export function registerLinkMetrics(
  registry: Registry,
  sites: readonly string[],
  health: () => readonly { name: string; healthy: boolean }[] = () => sites.map((name) => ({ name, healthy: true })),
  lag: () => ReadonlyMap<string, number> = () => new Map(),
): Counter<'replica'> {
  const redirects = new Counter({
    name: 'pictor_link_redirects_total',
    help: 'Presigned links handed out, by the storage site they point at.',
    labelNames: ['replica'],
    registers: [registry],
  });
  for (const name of sites) redirects.inc({ replica: name }, 0);
  new Gauge({
    name: 'pictor_replica_up',
    help: 'Whether this process currently sends links to the storage site (0: its circuit is open after a failure).',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const site of health()) this.set({ replica: site.name }, site.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pictor_replica_lag_seconds',
    help: 'Replication lag measured last (every REPLICA_LAG_INTERVAL_SECONDS): seconds until a probe object written to the primary was on the replica; +Inf when it was not there within REPLICA_LAG_BOUND_SECONDS or the replica was failing.',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [replica, seconds] of lag()) this.set({ replica }, seconds);
    },
  });
  return redirects;
}
