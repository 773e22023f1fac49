import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  describeAccountRepositoryContract,
  describeFollowRepositoryContract,
  describeImageRepositoryContract,
  describeNotificationRepositoryContract,
  describePasteRepositoryContract,
} from '@pictor/testing';
import { createTestDatabase } from '@pictor/test-engines';
import { loadMigrations, migrate } from './migrations.js';
import { PgAccountRepository } from './pg-account.repository.js';
import { PgFollowRepository } from './pg-follow.repository.js';
import { PgImageRepository } from './pg-image.repository.js';
import { PgNotificationRepository } from './pg-notification.repository.js';
import { PgOutboxRepository } from './pg-outbox.repository.js';
import { PgPasteRepository } from './pg-paste.repository.js';
import { PgViewCountRepository } from './pg-view-count.repository.js';
import { createPool, type Pool } from './pool.js';

// The same contract as on embedded PostgreSQL, on the real server, with a pool of many connections.
let database: { url: string; drop(): Promise<void> };
let pool: Pool;

beforeAll(async () => {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: the engines did not start');
  database = await createTestDatabase(process.env.DATABASE_URL);
  pool = createPool({ connectionString: database.url, max: 8, statementTimeoutMs: 5000 });
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describeImageRepositoryContract('PgImageRepository and PgOutboxRepository on PostgreSQL', async () => {
  await pool.query('TRUNCATE images, pastes, outbox, accounts CASCADE');
  return {
    images: new PgImageRepository(pool),
    outbox: new PgOutboxRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describePasteRepositoryContract('PgPasteRepository on PostgreSQL', async () => {
  await pool.query('TRUNCATE images, pastes, outbox, accounts CASCADE');
  return {
    pastes: new PgPasteRepository(pool),
    outbox: new PgOutboxRepository(pool),
    accounts: new PgAccountRepository(pool),
    views: new PgViewCountRepository(pool),
    images: new PgImageRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describeAccountRepositoryContract('PgAccountRepository on PostgreSQL', async () => {
  await pool.query('TRUNCATE images, pastes, outbox, accounts CASCADE');
  return {
    accounts: new PgAccountRepository(pool),
    images: new PgImageRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describeFollowRepositoryContract('PgFollowRepository on PostgreSQL', async () => {
  await pool.query('TRUNCATE images, outbox, accounts CASCADE');
  return {
    follows: new PgFollowRepository(pool),
    accounts: new PgAccountRepository(pool),
    outbox: new PgOutboxRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describeNotificationRepositoryContract('PgNotificationRepository on PostgreSQL', async () => {
  await pool.query('TRUNCATE images, outbox, accounts, notification_fanouts CASCADE');
  return {
    notifications: new PgNotificationRepository(pool),
    follows: new PgFollowRepository(pool),
    accounts: new PgAccountRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describe('migrate', () => {
  it('when many processes migrate at once, then each migration is applied exactly once', async () => {
    const fresh = await createTestDatabase(process.env.DATABASE_URL!);
    const pools = Array.from({ length: 4 }, () => createPool({ connectionString: fresh.url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p)));
      const all = (await loadMigrations()).map((m) => m.name);
      expect(results.flat().sort()).toEqual(all);
      const { rows } = await pools[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(all.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await fresh.drop();
    }
  });

  it('when a statement runs past the timeout, then it is cancelled', async () => {
    const slow = createPool({ connectionString: database.url, max: 1, statementTimeoutMs: 200 });
    try {
      await expect(slow.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    } finally {
      await slow.end();
    }
  });
});
