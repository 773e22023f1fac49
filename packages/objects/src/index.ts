export * from './disk.object-store.js';
export * from './s3.object-store.js';
