import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, configurationTable, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('when nothing is set, then Pictor runs all-in-one on embedded adapters on port 8080', () => {
    const config = loadConfig({});
    expect(config.target).toBe('all');
    expect(config.http).toEqual({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:8080',
      trustedProxies: [],
    });
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(config.database.url).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.kafka).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.limits.allowedFormats).toEqual(['jpeg', 'png', 'webp', 'gif', 'avif']);
    expect(config.variants.widths).toEqual([640, 1280]);
  });

  it('when Redis Sentinels are set, then the cache follows the master they name', () => {
    const config = loadConfig({ REDIS_SENTINELS: 'sentinel-0:26379, 10.0.0.7:26380', REDIS_SENTINEL_NAME: 'cache' });
    expect(config.redis).toEqual({
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
      ],
      name: 'cache',
    });
    expect(loadConfig({ REDIS_SENTINELS: 's:26379' }).redis).toMatchObject({ name: 'mymaster' });
  });

  it('when Sentinels are malformed, or set together with REDIS_URL, then start-up fails naming the problem', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: 'no-port' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_URL: 'redis://r:6379' })).toThrow(
      /REDIS_URL and REDIS_SENTINELS are both set/,
    );
  });

  it('when MAX_PASTE_BYTES is not set, then pastes may be 1 MiB', () => {
    expect(loadConfig({}).limits.maxPasteBytes).toBe(1024 * 1024);
  });

  it('when values are set, then they are parsed into their types', () => {
    const config = loadConfig({
      PORT: '9000',
      PUBLIC_URL: 'https://img.example.com/',
      VARIANT_WIDTHS: '320, 960',
      ALLOWED_FORMATS: 'jpeg,png',
      KAFKA_BROKERS: 'a:9092, b:9092',
      MAX_UPLOAD_BYTES: '1000',
    });
    expect(config.http.port).toBe(9000);
    expect(config.http.publicUrl).toBe('https://img.example.com');
    expect(config.variants.widths).toEqual([320, 960]);
    expect(config.limits.allowedFormats).toEqual(['jpeg', 'png']);
    expect(config.kafka).toEqual({
      brokers: ['a:9092', 'b:9092'],
      clientId: 'pictor',
      partitions: 12,
      replicationFactor: 1,
      sessionTimeoutMs: 30000,
    });
    expect(config.limits.maxUploadBytes).toBe(1000);
  });

  it('when several values are wrong, then start-up fails listing every problem', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        ALLOWED_FORMATS: 'jpeg,bmp',
        EXPIRY_MAX: 'forever',
        VARIANT_WIDTHS: '100,abc',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'LOG_LEVEL', 'ALLOWED_FORMATS', 'EXPIRY_MAX', 'VARIANT_WIDTHS'])
      expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('when TRUSTED_PROXIES lists addresses and blocks, then they are kept; when an entry is not one, then start-up fails naming it', () => {
    expect(
      loadConfig({}, { TRUSTED_PROXIES: ' 10.0.0.0/8, 127.0.0.1 ,fd00::/8,loopback' }).http.trustedProxies,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', 'loopback']);
    for (const bad of ['10.0.0.0/33', 'edge.local', '10.0.0.0/8/1', '1.2.3']) {
      expect(() => loadConfig({}, { TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    }
  });

  it('when the default expiry exceeds the maximum, then start-up fails naming both', () => {
    expect(() => loadConfig({ EXPIRY_MAX: '1w' })).toThrow(/EXPIRY_DEFAULT=never exceeds EXPIRY_MAX=1w/);
    expect(loadConfig({ EXPIRY_MAX: '1w', EXPIRY_DEFAULT: '1d' }).expiry).toEqual({ default: '1d', max: '1w' });
  });

  it('when a lifecycle target runs, then it needs the database server but no Kafka', () => {
    expect(() => loadConfig({ PICTOR_TARGET: 'cleanup' })).toThrow(/DATABASE_URL is required/);
    expect(() => loadConfig({ PICTOR_TARGET: 'backup' })).not.toThrow(/KAFKA_BROKERS/);
    expect(loadConfig({ PICTOR_TARGET: 'restore', DATABASE_URL: 'postgres://db/pictor' }).target).toBe('restore');
  });

  it('when a secret setting is invalid, then the problem names it without showing its value', () => {
    let error: unknown;
    try {
      loadConfig({ ADMIN_TOKEN: 'short-secret' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual(['ADMIN_TOKEN=[REDACTED]: at least 16 characters']);
    expect((error as ConfigError).message).not.toContain('short-secret');
  });

  it('when the admin token and the backup CronJob are set, then on-demand backups go to Kubernetes', () => {
    expect(loadConfig({})).toMatchObject({ admin: { token: undefined }, kubernetes: undefined });
    const config = loadConfig({
      ADMIN_TOKEN: 'a-token-of-sixteen-or-more',
      BACKUP_CRONJOB: 'pictor-backup',
      KUBERNETES_NAMESPACE: 'media',
    });
    expect(config.admin.token).toBe('a-token-of-sixteen-or-more');
    expect(config.kubernetes).toEqual({ backupCronJob: 'pictor-backup', namespace: 'media', kubeconfig: undefined });
    expect(() => loadConfig({ BACKUP_CRONJOB: 'Not A Name' })).toThrow(/BACKUP_CRONJOB/);
  });

  it('when backup or restore runs without a database server, then the embedded database is backed up (Pictor stopped)', () => {
    expect(loadConfig({ PICTOR_TARGET: 'backup' }).database.url).toBeUndefined();
    expect(loadConfig({ PICTOR_TARGET: 'restore' }).target).toBe('restore');
  });

  it('when S3 is half configured, then start-up fails naming what is missing', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'pictor' })).toThrow(
      /S3_ACCESS_KEY, S3_SECRET_KEY/,
    );
  });

  it('when a split target runs without shared engines, then start-up explains why it cannot', () => {
    expect(() => loadConfig({ PICTOR_TARGET: 'worker' })).toThrow(
      /KAFKA_BROKERS is required[\s\S]*DATABASE_URL is required/,
    );
    expect(loadConfig({ PICTOR_TARGET: 'migrate' }).target).toBe('migrate');
  });

  it('when the notifier runs on its own, then it needs Kafka and the database like the worker', () => {
    expect(() => loadConfig({ PICTOR_TARGET: 'notifier' })).toThrow(
      /KAFKA_BROKERS is required for target "notifier"[\s\S]*DATABASE_URL is required/,
    );
    const config = loadConfig({
      PICTOR_TARGET: 'notifier',
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://pictor@127.0.0.1/pictor',
      WEBHOOK_ALLOWED_CIDRS: '10.1.0.0/16, 127.0.0.2',
    });
    expect(config.notifier).toMatchObject({ maxAttempts: 5, webhookAllowedCidrs: ['10.1.0.0/16', '127.0.0.2'] });
  });

  it('when WEBHOOK_ALLOWED_CIDRS holds something that is not a CIDR, then start-up names it', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/33' })).toThrow(/WEBHOOK_ALLOWED_CIDRS/);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_CIDRS: 'intranet.example' })).toThrow(/WEBHOOK_ALLOWED_CIDRS/);
  });

  it('when --target is given, then it wins over PICTOR_TARGET', () => {
    expect(loadConfig({ PICTOR_TARGET: 'api' }, { PICTOR_TARGET: 'all' }).target).toBe('all');
  });

  it('when the config is loaded, then it cannot be changed', () => {
    const config = loadConfig({});
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(config.limits.allowedFormats)).toBe(true);
  });
});

describe('configurationTable', () => {
  it('when the README is read, then its configuration table is the generated one', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configurationTable());
  });
});
