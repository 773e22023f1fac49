export * from './kubernetes.backup-jobs.js';
export * from './job-from-cronjob.js';
