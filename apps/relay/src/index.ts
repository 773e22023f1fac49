export * from './metrics.js';
export * from './relay.js';
