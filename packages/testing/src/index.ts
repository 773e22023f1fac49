export * from './object-store.contract.js';
export * from './event-bus.contract.js';
export * from './cache.contract.js';
export * from './image-repository.contract.js';
export * from './account-repository.contract.js';
export * from './mail-transport.contract.js';
export * from './smtp-server.js';
export * from './follow-repository.contract.js';
