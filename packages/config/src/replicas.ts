import { isIP } from 'node:net';
import { z } from 'zod';

/** Continents as GeoIP databases code them (lower case, so `as` Asia is never `AS` American Samoa). */
export const CONTINENT_CODES = ['af', 'an', 'as', 'eu', 'na', 'oc', 'sa'] as const;
export type ContinentCode = (typeof CONTINENT_CODES)[number];

/** Where a storage site is: a point, and/or the countries and continents it serves first. */
export interface SiteLocation {
  point: { lat: number; lon: number } | undefined;
  countries: string[];
  continents: ContinentCode[];
}

export interface ReplicaSetting {
  name: string;
  /** The address Pictor reaches the replica at (HEAD probes, storage-setup). */
  endpoint: string;
  /** The address clients reach; presigned links are signed for this host. Default: `endpoint`. */
  publicEndpoint: string | undefined;
  /** Credentials of the replica; default: the primary's (S3_ACCESS_KEY, S3_SECRET_KEY). */
  accessKey: string | undefined;
  secretKey: string | undefined;
  location: SiteLocation;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const POINT = /^(-?\d{1,2}(?:\.\d+)?),\s*(-?\d{1,3}(?:\.\d+)?)$/;

/**
 * A location: `lat,lon` in degrees (e.g. `50.11,8.68`), or a comma list of ISO country codes in
 * upper case and continent codes in lower case (e.g. `eu`, `US,CA,na`). Returns the problem as a
 * string when it is not one.
 */
export function parseLocation(input: string): SiteLocation | string {
  const text = input.trim();
  const point = POINT.exec(text);
  if (point) {
    const lat = Number(point[1]);
    const lon = Number(point[2]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return `"${text}" is off the globe (latitude ±90, longitude ±180)`;
    return { point: { lat, lon }, countries: [], continents: [] };
  }
  const countries: string[] = [];
  const continents: ContinentCode[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (/^[A-Z]{2}$/.test(part)) countries.push(part);
    else if ((CONTINENT_CODES as readonly string[]).includes(part)) continents.push(part as ContinentCode);
    else {
      return `"${part}" is neither latitude,longitude nor a country (upper case, e.g. DE) or continent (lower case: ${CONTINENT_CODES.join(' ')})`;
    }
  }
  if (countries.length === 0 && continents.length === 0) return 'an empty location';
  return { point: undefined, countries, continents };
}

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'an http:// or https:// URL')
  .transform((v) => v.replace(/\/+$/, ''));

const jsonReplica = z
  .object({
    name: z.string().regex(NAME, 'lower-case letters, digits and dashes (at most 32)'),
    endpoint: httpUrl,
    publicEndpoint: httpUrl.optional(),
    accessKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    location: z.union([
      z.string(),
      z.array(z.string()).transform((list) => list.join(',')),
      z
        .object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
        .strict()
        .transform((p) => `${p.lat},${p.lon}`),
    ]),
  })
  .strict();

/**
 * S3_REPLICAS in either syntax. JSON: an array of `{ name, endpoint, location, publicEndpoint?,
 * accessKey?, secretKey? }`. Compact: entries separated by `;`, each `name=endpoint` followed by
 * space-separated `at=<location>`, `public=<url>`, `access=<key>`, `secret=<key>`, e.g.
 * `eu=http://minio-eu:9000 at=50.11,8.68 public=https://eu.s3.example.org; us=http://minio-us:9000 at=na`.
 */
export function parseReplicas(input: string): ReplicaSetting[] | string[] {
  const text = input.trim();
  if (text === '') return [];
  const problems: string[] = [];
  const raw: z.input<typeof jsonReplica>[] = [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return ['not valid JSON (a JSON array, or the compact `name=endpoint at=location; …` syntax)'];
    }
    if (!Array.isArray(parsed)) return ['a JSON array of replicas'];
    raw.push(...(parsed as z.input<typeof jsonReplica>[]));
  } else {
    for (const [index, entry] of text.split(';').entries()) {
      const words = entry.trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) continue;
      const [head = '', ...rest] = words;
      const eq = head.indexOf('=');
      if (eq <= 0) {
        problems.push(`entry ${index + 1}: starts with name=endpoint`);
        continue;
      }
      const item: Record<string, string> = { name: head.slice(0, eq), endpoint: head.slice(eq + 1) };
      const fields: Record<string, string> = {
        at: 'location',
        public: 'publicEndpoint',
        access: 'accessKey',
        secret: 'secretKey',
      };
      for (const word of rest) {
        const at = word.indexOf('=');
        const field = fields[word.slice(0, Math.max(at, 0))];
        if (at <= 0 || field === undefined) {
          problems.push(
            `entry ${index + 1}: unknown field "${word.slice(0, Math.max(at, 0)) || word}" (at, public, access, secret)`,
          );
          continue;
        }
        item[field] = word.slice(at + 1);
      }
      raw.push(item as z.input<typeof jsonReplica>);
    }
  }
  const replicas: ReplicaSetting[] = [];
  for (const [index, item] of raw.entries()) {
    const result = jsonReplica.safeParse(item);
    if (!result.success) {
      // Issue paths name the field; the value is never echoed (it may hold a secret key).
      for (const issue of result.error.issues)
        problems.push(`replica ${index + 1}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
      continue;
    }
    const r = result.data;
    const location = parseLocation(r.location);
    if (typeof location === 'string') {
      problems.push(`replica ${r.name}: location: ${location}`);
      continue;
    }
    if ((r.accessKey === undefined) !== (r.secretKey === undefined)) {
      problems.push(`replica ${r.name}: give both accessKey and secretKey, or neither`);
    }
    if (r.name === 'primary') problems.push('replica name "primary" is reserved for S3_ENDPOINT');
    if (replicas.some((x) => x.name === r.name)) problems.push(`replica name "${r.name}" is used twice`);
    replicas.push({
      name: r.name,
      endpoint: r.endpoint,
      publicEndpoint: r.publicEndpoint,
      accessKey: r.accessKey,
      secretKey: r.secretKey,
      location,
    });
  }
  return problems.length > 0 ? problems : replicas;
}

export interface AddressOverride {
  /** An address or CIDR block. */
  block: string;
  /** The site clients from this block go to first: a replica's name or `primary`. */
  site: string;
}

/** GEOIP_OVERRIDES: `cidr=site,…`, e.g. `127.0.0.2/32=eu,10.1.0.0/16=us`. */
export function parseOverrides(input: string): AddressOverride[] | string[] {
  const problems: string[] = [];
  const overrides: AddressOverride[] = [];
  for (const entry of input
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [block = '', site = '', ...rest] = entry.split('=');
    const [address = '', prefix, ...more] = block.split('/');
    const family = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    if (family === 0 || more.length > 0 || !prefixOk) problems.push(`"${block}" is not an address or CIDR block`);
    else if (!NAME.test(site) || rest.length > 0)
      problems.push(`"${entry}" is not block=site (a replica name or primary)`);
    else overrides.push({ block, site });
  }
  return problems.length > 0 ? problems : overrides;
}
