// Helpers that run Pictor on the real engines as separate processes, shared by the integration
// tests and the benchmarks (`@pictor/pictor/testing`).
export * from './edge.js';
export * from './engines.js';
export * from './images.js';
export * from './processes.js';
