export * from './pool.js';
export * from './embedded-postgres.js';
export * from './migrations.js';
export * from './pg-image.repository.js';
export * from './pg-outbox.repository.js';
export * from './outbox-listener.js';
