export * from './libvips.js';
export * from './sharp.image-inspector.js';
export * from './sharp.image-processor.js';
