export * from './config.schema.js';
export * from './config.js';
export * from './replicas.js';
