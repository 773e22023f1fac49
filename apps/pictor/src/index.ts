export * from './pictor.js';
export * from './infrastructure.js';
