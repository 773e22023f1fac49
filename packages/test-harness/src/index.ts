// Helpers that run Pictor on the real engines as separate processes, shared by the integration
// tests and the benchmarks. The other modules are imported by their own subpath
// (`@pictor/test-harness/harness`, `/browser`, `/chart`…), so a test loads only what it uses.
export * from './edge.js';
export * from './engines.js';
export * from './images.js';
export * from './processes.js';
