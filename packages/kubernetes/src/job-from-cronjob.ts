import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import type { BackupJob, BackupJobStatus } from '@pictor/core';

/** The annotation kubectl puts on a Job it creates from a CronJob by hand. */
export const INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';

const MAX_NAME = 63;

/**
 * `<cronjob>-manual-<yyyymmddhhmmss>` in UTC, at most 63 characters (a Job's pods carry its name
 * in a label, whose values stop at 63): the CronJob's part is shortened when needed.
 */
export function manualJobName(cronJob: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:T]/g, '');
  const suffix = `-manual-${stamp}`;
  return `${cronJob.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** A DNS label, as Job names that label their pods must be. */
export const JOB_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The Job `kubectl create job <name> --from=cronjob/<cronJob>` creates: the CronJob's job
 * template (labels, annotations, spec) with the `instantiate: manual` annotation and a controller
 * reference to the CronJob, so deleting the CronJob deletes it too.
 *
 * Like kubectl, the reference sets `controller: true`: the CronJob controller only
 * reconciles Jobs whose controller it is (`metav1.GetControllerOf`), so only then does the Job
 * count in the CronJob's history limits and `lastSuccessfulTime`. Like kubectl, it leaves
 * `blockOwnerDeletion` unset: where the OwnerReferencesPermissionEnforcement admission plugin
 * runs, setting it needs `update` on `cronjobs/finalizers`, a right the api's Role does not grant
 * (creating an object with an owner reference needs nothing more than `create`).
 */
export function jobFromCronJob(cronJob: V1CronJob, name: string): V1Job {
  const template = cronJob.spec?.jobTemplate;
  if (!template?.spec) throw new Error(`CronJob ${cronJob.metadata?.name ?? '?'} has no job template`);
  if (!cronJob.metadata?.name || !cronJob.metadata.uid) throw new Error('CronJob without name or uid');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      ...(cronJob.metadata.namespace ? { namespace: cronJob.metadata.namespace } : {}),
      labels: { ...template.metadata?.labels },
      annotations: { [INSTANTIATE_ANNOTATION]: 'manual', ...template.metadata?.annotations },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata.name,
          uid: cronJob.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
  };
}

/**
 * Whether `job` belongs to the CronJob with `uid` (created by its schedule or from it by hand),
 * whether or not the reference names it the controller (Jobs made by kubectl before 1.25, or by
 * earlier versions of Pictor, do not).
 */
export function isOwnedBy(job: V1Job, uid: string): boolean {
  return (job.metadata?.ownerReferences ?? []).some((ref) => ref.kind === 'CronJob' && ref.uid === uid);
}

function condition(job: V1Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** A Job's state in the port's terms: its Complete/Failed conditions first, then its pods. */
export function presentJob(job: V1Job): BackupJob {
  let status: BackupJobStatus = 'pending';
  if (condition(job, 'Complete') || condition(job, 'SuccessCriteriaMet')) status = 'succeeded';
  else if (condition(job, 'Failed') || condition(job, 'FailureTarget')) status = 'failed';
  else if ((job.status?.active ?? 0) > 0) status = 'running';
  return {
    name: job.metadata?.name ?? '',
    namespace: job.metadata?.namespace ?? '',
    status,
    active: job.status?.active ?? 0,
    succeeded: job.status?.succeeded ?? 0,
    failed: job.status?.failed ?? 0,
    createdAt: toDate(job.metadata?.creationTimestamp),
    startedAt: toDate(job.status?.startTime),
    completedAt: toDate(job.status?.completionTime),
  };
}

function toDate(value: Date | string | undefined): Date | null {
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
