import { afterAll, beforeAll } from '@jest/globals';
import {
  describeAccountRepositoryContract,
  describeFollowRepositoryContract,
  describeImageRepositoryContract,
  describeNotificationRepositoryContract,
  describePasteRepositoryContract,
} from '@pictor/testing';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { migrate } from './migrations.js';
import { PgAccountRepository } from './pg-account.repository.js';
import { PgFollowRepository } from './pg-follow.repository.js';
import { PgImageRepository } from './pg-image.repository.js';
import { PgNotificationRepository } from './pg-notification.repository.js';
import { PgOutboxRepository } from './pg-outbox.repository.js';
import { PgPasteRepository } from './pg-paste.repository.js';
import { PgViewCountRepository } from './pg-view-count.repository.js';
import { createPool, type Pool } from './pool.js';

// One in-memory database for the file; each test starts from empty tables.
let server: EmbeddedPostgres;
let pool: Pool;

beforeAll(async () => {
  server = await startEmbeddedPostgres(undefined);
  // The embedded server takes one connection.
  pool = createPool({ connectionString: server.connectionString, max: 1 });
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

describeImageRepositoryContract('PgImageRepository and PgOutboxRepository on embedded PostgreSQL', async () => {
  await pool.query('TRUNCATE images, pastes, outbox, accounts CASCADE');
  return {
    images: new PgImageRepository(pool),
    outbox: new PgOutboxRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describePasteRepositoryContract('PgPasteRepository on embedded PostgreSQL', async () => {
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

describeAccountRepositoryContract('PgAccountRepository on embedded PostgreSQL', async () => {
  await pool.query('TRUNCATE images, pastes, outbox, accounts CASCADE');
  return {
    accounts: new PgAccountRepository(pool),
    images: new PgImageRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describeFollowRepositoryContract('PgFollowRepository on embedded PostgreSQL', async () => {
  await pool.query('TRUNCATE images, outbox, accounts CASCADE');
  return {
    follows: new PgFollowRepository(pool),
    accounts: new PgAccountRepository(pool),
    outbox: new PgOutboxRepository(pool),
    teardown: () => Promise.resolve(),
  };
});

describeNotificationRepositoryContract('PgNotificationRepository on embedded PostgreSQL', async () => {
  await pool.query('TRUNCATE images, outbox, accounts, notification_fanouts CASCADE');
  return {
    notifications: new PgNotificationRepository(pool),
    follows: new PgFollowRepository(pool),
    accounts: new PgAccountRepository(pool),
    teardown: () => Promise.resolve(),
  };
});
