export * from './pictor.js';
export * from './modules.js';
export type { Infrastructure, OpenedDatabase } from './modules/adapters.js';
