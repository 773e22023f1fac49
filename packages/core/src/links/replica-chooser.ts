import { greatCircleKm, type Continent, type GeoPoint } from './geo.js';

/** The primary S3 keeps this name in choices, metrics and `GET /api/v1/replicas`. */
export const PRIMARY_SITE = 'primary';

/** Where a storage site stands, as far as choosing it goes. */
export interface StorageSite {
  name: string;
  /** ISO 3166-1 alpha-2 codes (upper case) this site serves first. */
  countries: readonly string[];
  /** Continents this site serves first, after country matches. */
  continents: readonly Continent[];
  /** For distances; for sites given by areas, the centre of the first area. */
  point: GeoPoint | undefined;
}

/** What is known of a client's whereabouts; undefined fields are unknown. */
export interface ClientPlace {
  country?: string | undefined;
  continent?: Continent | undefined;
  point?: GeoPoint | undefined;
}

/** Asks one site whether it holds an object (a HEAD). Throws, or rejects on abort, when the site fails. */
export interface SiteProbe {
  holds(site: string, key: string, signal: AbortSignal): Promise<boolean>;
}

export interface ReplicaChooserOptions {
  /** Read replicas; the primary is appended as the last resort unless listed with a location. */
  sites: readonly StorageSite[];
  /** The primary as a ranked site too, when it has a location (S3_LOCATION); else only the fallback. */
  primary?: StorageSite | undefined;
  /** Where clients of unknown, private or loopback addresses go first. */
  defaultSite: string;
  probe: SiteProbe;
  /** A failing site is skipped for this long (its circuit is open), then tried again. */
  cooldownMs: number;
  /** A probe slower than this counts as a failure. */
  timeoutMs: number;
  /** How long "the site holds it" is believed (objects under a key never change). */
  holdsTtlMs?: number;
  /** How long "not there yet" is believed (replication usually catches up within seconds). */
  missingTtlMs?: number;
  /** Most remembered probe answers. */
  cacheSize?: number;
  now?: () => number;
}

export interface SiteChoice {
  site: string;
  /** Why: `nearest`, `default` (unknown place), `fallback` (nothing nearer could serve). */
  reason: 'nearest' | 'default' | 'fallback';
  /** Sites passed over, with why, for the log line. */
  skipped: { site: string; why: 'unhealthy' | 'missing' | 'failed' }[];
}

export interface SiteHealth {
  name: string;
  healthy: boolean;
  /** When the open circuit closes again (ms since the epoch); undefined while healthy. */
  retryAt: number | undefined;
  lastError: string | undefined;
  consecutiveFailures: number;
}

interface Circuit {
  openUntil: number;
  failures: number;
  lastError: string | undefined;
}

/**
 * Picks the storage site a client's link points at: the nearest healthy site that holds the
 * object, else the next nearest, finally the primary (all writes land there first). Sites serving
 * the client's country come first, then its continent, then the rest by great-circle distance.
 * Each site has a circuit breaker: a failed or slow probe skips the site for a cool-down. Probe
 * answers are cached, briefly for "missing" so a lagging replica is retried soon.
 */
export class ReplicaChooser {
  private readonly circuits = new Map<string, Circuit>();
  private readonly answers = new Map<string, { holds: boolean; until: number }>();
  private readonly now: () => number;
  private readonly holdsTtlMs: number;
  private readonly missingTtlMs: number;
  private readonly cacheSize: number;

  constructor(private readonly options: ReplicaChooserOptions) {
    this.now = options.now ?? Date.now;
    this.holdsTtlMs = options.holdsTtlMs ?? 10 * 60_000;
    this.missingTtlMs = options.missingTtlMs ?? 2_000;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /**
   * The sites in the order they would be tried for a client at `place` (primary last); `first`
   * (an address override) goes before all others.
   */
  rank(place: ClientPlace | undefined, first?: string): string[] {
    const sites = [...this.options.sites, ...(this.options.primary ? [this.options.primary] : [])];
    let order: string[];
    if (!place || (!place.country && !place.continent && !place.point)) {
      const first = sites.filter((s) => s.name === this.options.defaultSite);
      order = [...first, ...sites.filter((s) => s.name !== this.options.defaultSite)].map((s) => s.name);
      if (this.options.defaultSite === PRIMARY_SITE) order = [PRIMARY_SITE, ...order];
    } else {
      const score = (site: StorageSite): [number, number] => {
        const tier =
          place.country && site.countries.includes(place.country)
            ? 0
            : place.continent && site.continents.includes(place.continent)
              ? 1
              : 2;
        const km = place.point && site.point ? greatCircleKm(place.point, site.point) : Number.POSITIVE_INFINITY;
        return [tier, km];
      };
      const scored = sites.map((site, index) => ({ site, index, score: score(site) }));
      scored.sort((a, b) => a.score[0] - b.score[0] || a.score[1] - b.score[1] || a.index - b.index);
      order = scored.map((s) => s.site.name);
    }
    return [...new Set([...(first ? [first] : []), ...order, PRIMARY_SITE])];
  }

  /**
   * The site to sign a link on for `key`. Never throws: when every site fails, the primary is the
   * answer (it is where the object was written).
   */
  async choose(place: ClientPlace | undefined, key: string, first?: string): Promise<SiteChoice> {
    const unknown = !first && (!place || (!place.country && !place.continent && !place.point));
    const skipped: SiteChoice['skipped'] = [];
    const order = this.rank(place, first);
    for (const [index, site] of order.entries()) {
      const last = index === order.length - 1;
      if (site === PRIMARY_SITE && last) {
        return { site, reason: skipped.length === 0 ? (unknown ? 'default' : 'nearest') : 'fallback', skipped };
      }
      if (!this.isHealthy(site)) {
        skipped.push({ site, why: 'unhealthy' });
        continue;
      }
      const holds = await this.holds(site, key);
      if (holds === true) {
        return { site, reason: skipped.length === 0 ? (unknown ? 'default' : 'nearest') : 'fallback', skipped };
      }
      skipped.push({ site, why: holds === false ? 'missing' : 'failed' });
    }
    return { site: PRIMARY_SITE, reason: 'fallback', skipped };
  }

  /** Each site's circuit, for `GET /api/v1/replicas` and the health gauge. */
  health(): SiteHealth[] {
    const names = [...this.options.sites.map((s) => s.name), PRIMARY_SITE];
    const now = this.now();
    return [...new Set(names)].map((name) => {
      const circuit = this.circuits.get(name);
      const open = circuit !== undefined && circuit.openUntil > now;
      return {
        name,
        healthy: !open,
        retryAt: open ? circuit.openUntil : undefined,
        lastError: circuit?.lastError,
        consecutiveFailures: circuit?.failures ?? 0,
      };
    });
  }

  isHealthy(site: string): boolean {
    const circuit = this.circuits.get(site);
    return circuit === undefined || circuit.openUntil <= this.now();
  }

  /** Records a failure seen elsewhere (e.g. the lag monitor could not reach the site). */
  reportFailure(site: string, error: unknown): void {
    const circuit = this.circuits.get(site) ?? { openUntil: 0, failures: 0, lastError: undefined };
    circuit.failures += 1;
    circuit.openUntil = this.now() + this.options.cooldownMs;
    circuit.lastError = error instanceof Error ? error.message : String(error);
    this.circuits.set(site, circuit);
  }

  reportSuccess(site: string): void {
    this.circuits.delete(site);
  }

  /** true/false: the site answered; undefined: it failed (and its circuit is now open). */
  private async holds(site: string, key: string): Promise<boolean | undefined> {
    const cacheKey = `${site}\u0000${key}`;
    const cached = this.answers.get(cacheKey);
    if (cached && cached.until > this.now()) return cached.holds;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    try {
      const holds = await Promise.race([
        this.options.probe.holds(site, key, controller.signal),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
        }),
      ]);
      this.reportSuccess(site);
      this.remember(cacheKey, holds);
      return holds;
    } catch (error) {
      this.reportFailure(site, error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(cacheKey: string, holds: boolean): void {
    this.answers.delete(cacheKey);
    if (this.answers.size >= this.cacheSize) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(cacheKey, { holds, until: this.now() + (holds ? this.holdsTtlMs : this.missingTtlMs) });
  }
}
