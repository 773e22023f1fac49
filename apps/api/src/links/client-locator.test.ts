import { ClientLocator, storageSite } from './client-locator.js';

describe('ClientLocator on the shipped DB-IP database', () => {
  let locator: ClientLocator;
  beforeAll(async () => {
    locator = await ClientLocator.open(undefined, [
      { block: '127.0.0.2/32', site: 'eu' },
      { block: '2001:db8::/32', site: 'us' },
    ]);
  });

  test('when the address is in Great Britain, then it is placed in Europe near Britain', () => {
    const { site, place } = locator.locate('81.2.69.160');
    expect(site).toBeUndefined();
    expect(place).toMatchObject({ country: 'GB', continent: 'eu' });
    expect(place?.point?.lat).toBeGreaterThan(50);
    expect(place?.point?.lat).toBeLessThan(60);
  });

  test('when the addresses are in Brazil, Australia and the United States, then each continent is told apart', () => {
    expect(locator.locate('200.160.2.3').place).toMatchObject({ country: 'BR', continent: 'sa' });
    expect(locator.locate('1.1.1.1').place).toMatchObject({ country: 'AU', continent: 'oc' });
    expect(locator.locate('8.8.8.8').place).toMatchObject({ country: 'US', continent: 'na' });
  });

  test('when an IPv4 address comes IPv6-mapped, then it is placed like the plain one', () => {
    expect(locator.locate('::ffff:81.2.69.160').place).toEqual(locator.locate('81.2.69.160').place);
  });

  test('when the address matches an override, then the override wins before any lookup', () => {
    expect(locator.locate('127.0.0.2')).toEqual({ site: 'eu', place: undefined });
    expect(locator.locate('2001:db8::7')).toEqual({ site: 'us', place: undefined });
  });

  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '192.168.0.9',
    '172.20.0.1',
    '::1',
    'fd00::1',
    'unknown',
    '',
    'not-an-ip',
    '999.1.1.1',
  ])('when the address is "%s" (private, loopback or no address), then it has no place', (address) => {
    expect(locator.locate(address)).toEqual({ site: undefined, place: undefined });
  });
});

describe('storageSite', () => {
  test('when a site is given by country, then it stands at that country’s centre', () => {
    const site = storageSite('de', { point: undefined, countries: ['DE'], continents: [] });
    expect(site.point?.lat).toBeGreaterThan(47);
    expect(site.point?.lat).toBeLessThan(55);
  });

  test('when a site is given by continent only, then it stands at the continent’s centre', () => {
    expect(storageSite('na', { point: undefined, countries: [], continents: ['na'] }).point).toEqual({
      lat: 40,
      lon: -100,
    });
  });

  test('when a site has a point, then the point is kept', () => {
    expect(storageSite('x', { point: { lat: 1, lon: 2 }, countries: ['DE'], continents: [] }).point).toEqual({
      lat: 1,
      lon: 2,
    });
  });
});
