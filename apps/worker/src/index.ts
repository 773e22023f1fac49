export * from './job-runner.js';
export * from './metrics.js';
export * from './process-image.job.js';
export * from './worker.js';
