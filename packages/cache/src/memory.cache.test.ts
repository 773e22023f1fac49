import { describeCacheContract } from '@pictor/testing';
import { MemoryCache } from './memory.cache.js';

describeCacheContract('MemoryCache', () => {
  const cache = new MemoryCache();
  return Promise.resolve({ cache, teardown: () => cache.close() });
});
