import { ConfigError, loadConfig } from './config.js';
import { parseLocation, parseOverrides, parseReplicas } from './replicas.js';

const primary = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_BUCKET: 'pictor',
  S3_ACCESS_KEY: 'minio',
  S3_SECRET_KEY: 'minio-secret',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('replica locations', () => {
  test('when given latitude,longitude, then it is a point', () => {
    expect(parseLocation('50.11,8.68')).toEqual({ point: { lat: 50.11, lon: 8.68 }, countries: [], continents: [] });
    expect(parseLocation('-33.87, 151.21')).toMatchObject({ point: { lat: -33.87, lon: 151.21 } });
  });

  test('when given countries and continents, then upper case are countries and lower case continents', () => {
    expect(parseLocation('US,CA,na')).toEqual({ point: undefined, countries: ['US', 'CA'], continents: ['na'] });
  });

  test.each(['91,0', '0,181', 'Europe', 'de', 'XX1', '', 'eu,,US'])(
    'when given "%s", then the problem is explained',
    (bad) => {
      expect(typeof parseLocation(bad)).toBe('string');
    },
  );
});

describe('S3_REPLICAS', () => {
  test('when written in the compact syntax, then every field is read', () => {
    expect(
      parseReplicas(
        'eu=http://minio-eu:9000 at=50.11,8.68 public=https://eu.s3.example.org/ ; us=http://minio-us:9000 at=na,US access=ro secret=ro-secret',
      ),
    ).toEqual([
      {
        name: 'eu',
        endpoint: 'http://minio-eu:9000',
        publicEndpoint: 'https://eu.s3.example.org',
        accessKey: undefined,
        secretKey: undefined,
        location: { point: { lat: 50.11, lon: 8.68 }, countries: [], continents: [] },
      },
      {
        name: 'us',
        endpoint: 'http://minio-us:9000',
        publicEndpoint: undefined,
        accessKey: 'ro',
        secretKey: 'ro-secret',
        location: { point: undefined, countries: ['US'], continents: ['na'] },
      },
    ]);
  });

  test('when written as JSON, then it reads the same as the compact syntax', () => {
    const json = JSON.stringify([
      { name: 'eu', endpoint: 'http://minio-eu:9000', location: { lat: 50.11, lon: 8.68 } },
      { name: 'us', endpoint: 'http://minio-us:9000', location: ['na', 'US'] },
    ]);
    expect(parseReplicas(json)).toEqual(
      parseReplicas('eu=http://minio-eu:9000 at=50.11,8.68; us=http://minio-us:9000 at=na,US'),
    );
  });

  test('when a replica is wrong, then each problem is named and the secret key is not shown', () => {
    const problems = problemsOf({
      ...primary,
      S3_REPLICAS:
        'Bad_Name=http://x:9000 at=eu; ok=ftp://x at=eu; eu=http://x:9000 at=Europe; k=http://x:9000 at=eu secret=TOPSECRETVALUE',
    });
    expect(problems).toHaveLength(1);
    const [line = ''] = problems;
    expect(line).toMatch(/^S3_REPLICAS=\[REDACTED\]/);
    expect(line).toMatch(/replica 1: name/);
    expect(line).toMatch(/replica 2: endpoint/);
    expect(line).toMatch(/replica eu: location/);
    expect(line).toMatch(/replica k: give both accessKey and secretKey/);
    expect(line).not.toContain('TOPSECRETVALUE');
  });

  test('when two replicas share a name or one is called primary, then it is refused', () => {
    expect(parseReplicas('a=http://x:1 at=eu; a=http://y:1 at=na')).toEqual([expect.stringMatching(/used twice/)]);
    expect(parseReplicas('primary=http://x:1 at=eu')).toEqual([expect.stringMatching(/reserved/)]);
  });

  test('when an unknown field is given, then it is named', () => {
    expect(parseReplicas('a=http://x:1 at=eu region=eu-1')).toEqual([expect.stringMatching(/unknown field "region"/)]);
  });

  test('when the JSON is broken, then the problem says so', () => {
    expect(parseReplicas('[{')).toEqual([expect.stringMatching(/not valid JSON/)]);
  });

  test('when replicas are set without a primary S3, then start-up refuses', () => {
    expect(problemsOf({ S3_REPLICAS: 'eu=http://x:9000 at=eu' })).toEqual([
      expect.stringMatching(/needs the primary S3/),
    ]);
  });

  test('when replicas are set, then the config carries them with the defaults', () => {
    const config = loadConfig({
      ...primary,
      S3_REPLICAS: 'eu=http://x:9000 at=eu',
      GEOIP_OVERRIDES: '127.0.0.2/32=eu',
    });
    expect(config.replicas).toMatchObject({
      defaultSite: 'primary',
      cooldownMs: 30_000,
      timeoutMs: 1500,
      geoipDatabase: undefined,
      overrides: [{ block: '127.0.0.2/32', site: 'eu' }],
    });
    expect(config.replicas.sites.map((s) => s.name)).toEqual(['eu']);
    expect(config.s3?.publicEndpoint).toBe('http://127.0.0.1:9000');
    expect(config.links.ttlSeconds).toBe(300);
  });
});

describe('GEOIP_OVERRIDES and REPLICA_DEFAULT', () => {
  test('when overrides are well formed, then they are read in order', () => {
    expect(parseOverrides('127.0.0.2/32=eu, 10.0.0.0/8=primary,::1=us')).toEqual([
      { block: '127.0.0.2/32', site: 'eu' },
      { block: '10.0.0.0/8', site: 'primary' },
      { block: '::1', site: 'us' },
    ]);
  });

  test.each(['127.0.0.2/33=eu', 'foo=eu', '127.0.0.2', '127.0.0.2=EU!'])(
    'when an override is "%s", then it is refused',
    (bad) => {
      expect(parseOverrides(bad)).toEqual([expect.any(String)]);
    },
  );

  test('when an override or the default names no replica, then start-up refuses and names it', () => {
    const problems = problemsOf({
      ...primary,
      S3_REPLICAS: 'eu=http://x:9000 at=eu',
      GEOIP_OVERRIDES: '10.0.0.0/8=us',
      REPLICA_DEFAULT: 'ap',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^REPLICA_DEFAULT=ap: no such replica \(known: primary, eu\)/),
      expect.stringMatching(/^GEOIP_OVERRIDES: 10\.0\.0\.0\/8=us: no such replica/),
    ]);
  });

  test('when LINK_TTL_SECONDS exceeds seven days, then start-up refuses', () => {
    expect(problemsOf({ LINK_TTL_SECONDS: '604801' })).toEqual([expect.stringMatching(/^LINK_TTL_SECONDS/)]);
  });
});
