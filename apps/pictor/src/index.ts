export * from './pictor.js';
export * from './modules.js';
export type { Infrastructure, OpenedDatabase } from './modules/adapters.js';
export * from './node-options.js';
