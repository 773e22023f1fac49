export * from './memory.cache.js';
