export * from './inputs.js';
export * from './measure.js';
export * from './processing.bench.js';
export * from './stats.js';
export * from './proc.js';
