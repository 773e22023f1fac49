export * from './process-image.handler.js';
export * from './worker.js';
