import { readFileSync } from 'node:fs';
import { ApiException, BatchV1Api, KubeConfig, type V1CronJob, type V1Job } from '@kubernetes/client-node';
import { ERRORS, type BackupJob, type BackupJobs, type StartBackupOptions } from '@pictor/core';
import { isOwnedBy, jobFromCronJob, JOB_NAME, manualJobName, presentJob } from './job-from-cronjob.js';

/** Where a pod's service account keeps its namespace. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubernetesBackupJobsOptions {
  /** The backup CronJob whose template every run copies (the chart's `<fullname>-backup`). */
  cronJob: string;
  /** Default: the kubeconfig context's namespace, then the service account's. */
  namespace?: string;
  /** A kubeconfig file; default: the pod's service account (in-cluster). */
  kubeconfig?: string;
  /** The clock, for generated names. */
  now?: () => Date;
}

/**
 * BackupJobs on Kubernetes: a run is a Job made from the backup CronJob's template, as
 * `kubectl create job --from=cronjob/<name>` makes it. The api's Role allows exactly what this
 * needs: `get` on that CronJob, `create`, `get` and `list` on Jobs.
 */
export class KubernetesBackupJobs implements BackupJobs {
  readonly source: string;
  private readonly batch: BatchV1Api;
  private readonly namespace: string;
  private readonly now: () => Date;

  constructor(private readonly options: KubernetesBackupJobsOptions) {
    const config = new KubeConfig();
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromCluster();
    const namespace =
      options.namespace ??
      config.getContextObject(config.getCurrentContext())?.namespace ??
      readServiceAccountNamespace();
    if (!namespace) {
      throw new Error(
        `No namespace for the backup Jobs: set KUBERNETES_NAMESPACE, or run in a pod (${SERVICE_ACCOUNT_NAMESPACE_FILE})`,
      );
    }
    this.namespace = namespace;
    this.batch = config.makeApiClient(BatchV1Api);
    this.now = options.now ?? (() => new Date());
    this.source = `cronjob/${options.cronJob} in namespace ${namespace}`;
  }

  async start(options: StartBackupOptions = {}): Promise<BackupJob> {
    const name = options.name ?? manualJobName(this.options.cronJob, this.now());
    if (!JOB_NAME.test(name)) {
      throw ERRORS.validationFailed('name must be a DNS label: lower-case letters, digits and -, at most 63');
    }
    const cronJob = await this.readCronJob();
    // A Job still waiting for its pod counts too: two backups would race over retention.
    const running = (await this.ownedJobs(cronJob)).find((job) => {
      const { status } = presentJob(job);
      return status === 'pending' || status === 'running';
    });
    if (running) throw ERRORS.backupInProgress(running.metadata?.name ?? '?');
    const body = jobFromCronJob(cronJob, name);
    try {
      return presentJob(await this.batch.createNamespacedJob({ namespace: this.namespace, body }));
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) throw ERRORS.backupJobExists(name);
      throw this.translate(error, 'create', 'jobs');
    }
  }

  async get(name: string): Promise<BackupJob> {
    if (!JOB_NAME.test(name)) throw ERRORS.backupJobNotFound(name);
    const cronJob = await this.readCronJob();
    let job: V1Job;
    try {
      job = await this.batch.readNamespacedJob({ name, namespace: this.namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) throw ERRORS.backupJobNotFound(name);
      throw this.translate(error, 'get', 'jobs');
    }
    // Only runs of the backup CronJob: the endpoint is no window onto other Jobs.
    if (!isOwnedBy(job, cronJob.metadata?.uid ?? '')) throw ERRORS.backupJobNotFound(name);
    return presentJob(job);
  }

  private async readCronJob(): Promise<V1CronJob> {
    try {
      return await this.batch.readNamespacedCronJob({ name: this.options.cronJob, namespace: this.namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) {
        throw ERRORS.backupCronJobNotFound(this.options.cronJob, this.namespace);
      }
      throw this.translate(error, 'get', `cronjobs/${this.options.cronJob}`);
    }
  }

  /** The Jobs of the CronJob, scheduled or made by hand, found by the labels of its template. */
  private async ownedJobs(cronJob: V1CronJob): Promise<V1Job[]> {
    const labels = cronJob.spec?.jobTemplate.metadata?.labels ?? {};
    const labelSelector = Object.entries(labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    try {
      const list = await this.batch.listNamespacedJob({
        namespace: this.namespace,
        ...(labelSelector ? { labelSelector } : {}),
      });
      return list.items.filter((job) => isOwnedBy(job, cronJob.metadata?.uid ?? ''));
    } catch (error) {
      throw this.translate(error, 'list', 'jobs');
    }
  }

  private translate(error: unknown, verb: string, resource: string) {
    if (error instanceof ApiException) {
      const reason = statusMessage(error);
      if (error.code === 403) return ERRORS.kubernetesForbidden(verb, resource, this.namespace, reason);
      return ERRORS.kubernetesFailed(`${verb} ${resource}`, `HTTP ${error.code}: ${reason}`, error);
    }
    return ERRORS.kubernetesFailed(
      `${verb} ${resource}`,
      error instanceof Error ? error.message : String(error),
      error,
    );
  }
}

/** The `message` of the Status object the API server answers errors with, or the raw body. */
function statusMessage(error: ApiException<unknown>): string {
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body.slice(0, 300) || error.message;
    }
  }
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  return error.message.split('\n')[0] ?? 'no details';
}

function readServiceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
