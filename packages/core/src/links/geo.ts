/** A point on the Earth, in degrees. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/** The seven continents as GeoIP databases code them. */
export const CONTINENTS = ['af', 'an', 'as', 'eu', 'na', 'oc', 'sa'] as const;
export type Continent = (typeof CONTINENTS)[number];

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * Great-circle distance in kilometres (haversine on the mean Earth radius). Accurate to ~0.5%,
 * far finer than a country-level location needs.
 */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
