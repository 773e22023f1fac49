import { describe, expect, it } from '@jest/globals';
import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { isOwnedBy, jobFromCronJob, JOB_NAME, manualJobName, presentJob } from './job-from-cronjob.js';

const cronJob: V1CronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'pictor-backup', namespace: 'pictor', uid: 'uid-1' },
  spec: {
    schedule: '0 3 * * *',
    jobTemplate: {
      metadata: { labels: { 'app.kubernetes.io/component': 'backup' }, annotations: { team: 'platform' } },
      spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'backup' }] } } },
    },
  },
};

describe('manualJobName', () => {
  it('when the CronJob has a short name, then the Job is <cronjob>-manual-<UTC timestamp>', () => {
    expect(manualJobName('pictor-backup', new Date('2026-11-23T03:04:05.678Z'))).toBe(
      'pictor-backup-manual-20261123030405',
    );
  });

  it('when the CronJob name is long, then it is shortened so the Job name stays a DNS label of 63 at most', () => {
    const name = manualJobName(`${'a'.repeat(40)}-${'b'.repeat(11)}`, new Date('2026-01-01T00:00:00Z'));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(JOB_NAME);
    expect(name.endsWith('-manual-20260101000000')).toBe(true);
  });
});

describe('jobFromCronJob', () => {
  it('when a Job is made, then it carries the template, the manual annotation and a controller reference, like kubectl', () => {
    const job = jobFromCronJob(cronJob, 'now');
    expect(job.metadata).toEqual({
      name: 'now',
      namespace: 'pictor',
      labels: { 'app.kubernetes.io/component': 'backup' },
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', team: 'platform' },
      // controller: the CronJob controller counts only the Jobs it controls in its history limits
      // and lastSuccessfulTime; no blockOwnerDeletion, which would need cronjobs/finalizers rights.
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'pictor-backup', uid: 'uid-1', controller: true },
      ],
    });
    expect(job.spec).toEqual(cronJob.spec.jobTemplate.spec);
    expect(job.spec).not.toBe(cronJob.spec.jobTemplate.spec);
    expect(isOwnedBy(job, 'uid-1')).toBe(true);
    expect(isOwnedBy(job, 'uid-2')).toBe(false);
  });

  it('when a Job was made from the CronJob without a controller reference (older kubectl), then it still counts as its run', () => {
    const job: V1Job = {
      metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'pictor-backup', uid: 'uid-1' }] },
    };
    expect(isOwnedBy(job, 'uid-1')).toBe(true);
  });
});

describe('presentJob', () => {
  const job = (status: V1Job['status']): V1Job => ({ metadata: { name: 'j', namespace: 'n' }, status });

  it.each([
    [{}, 'pending'],
    [{ active: 1 }, 'running'],
    [{ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }, 'succeeded'],
    [{ failed: 2, conditions: [{ type: 'Failed', status: 'True' }] }, 'failed'],
    [{ active: 1, conditions: [{ type: 'Failed', status: 'False' }] }, 'running'],
  ] as [V1Job['status'], string][])('when the Job status is %j, then the backup is %s', (status, expected) => {
    expect(presentJob(job(status)).status).toBe(expected);
  });
});
