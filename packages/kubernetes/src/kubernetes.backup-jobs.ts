import { readFileSync } from 'node:fs';
import type { ApiException, BatchV1Api, V1CronJob, V1Job } from '@kubernetes/client-node';
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
  private readonly now: () => Date;
  private connection: Promise<Connection> | undefined;
  private namespace: string | undefined;

  /**
   * Checks what it can without the client library: a namespace must be known, from the options,
   * the kubeconfig's context (read at the first call) or the pod's service account. The library
   * itself (@kubernetes/client-node, about 25 MB of heap once loaded) is loaded at the first call,
   * so that an api whose admin never starts a backup does not carry it: a larger heap makes every
   * full garbage collection slower, and those pauses are the uploads' latency tail.
   */
  constructor(private readonly options: KubernetesBackupJobsOptions) {
    this.namespace = options.namespace ?? (options.kubeconfig ? undefined : readServiceAccountNamespace());
    if (!this.namespace && !options.kubeconfig) throw noNamespace();
    this.now = options.now ?? (() => new Date());
  }

  get source(): string {
    return `cronjob/${this.options.cronJob} in namespace ${this.namespace ?? '(not read yet)'}`;
  }

  /** The client, made at the first call; made again at the next call if that failed. */
  private connect(): Promise<Connection> {
    this.connection ??= import('@kubernetes/client-node')
      .then(({ ApiException, BatchV1Api, KubeConfig }) => {
        const config = new KubeConfig();
        if (this.options.kubeconfig) config.loadFromFile(this.options.kubeconfig);
        else config.loadFromCluster();
        const namespace =
          this.namespace ??
          config.getContextObject(config.getCurrentContext())?.namespace ??
          readServiceAccountNamespace();
        if (!namespace) throw noNamespace();
        this.namespace = namespace;
        return {
          batch: config.makeApiClient(BatchV1Api),
          namespace,
          statusOf: (error: unknown) => (error instanceof ApiException ? error.code : undefined),
        };
      })
      .catch((error: unknown) => {
        this.connection = undefined;
        throw ERRORS.kubernetesFailed('connect', error instanceof Error ? error.message : String(error), error);
      });
    return this.connection;
  }

  async start(options: StartBackupOptions = {}): Promise<BackupJob> {
    const name = options.name ?? manualJobName(this.options.cronJob, this.now());
    if (!JOB_NAME.test(name)) {
      throw ERRORS.validationFailed('name must be a DNS label: lower-case letters, digits and -, at most 63');
    }
    const c = await this.connect();
    const cronJob = await this.readCronJob(c);
    // A Job still waiting for its pod counts too: two backups would race over retention.
    const running = (await this.ownedJobs(c, cronJob)).find((job) => {
      const { status } = presentJob(job);
      return status === 'pending' || status === 'running';
    });
    if (running) throw ERRORS.backupInProgress(running.metadata?.name ?? '?');
    const body = jobFromCronJob(cronJob, name);
    try {
      return presentJob(await c.batch.createNamespacedJob({ namespace: c.namespace, body }));
    } catch (error) {
      if (c.statusOf(error) === 409) throw ERRORS.backupJobExists(name);
      throw translate(c, error, 'create', 'jobs');
    }
  }

  async get(name: string): Promise<BackupJob> {
    if (!JOB_NAME.test(name)) throw ERRORS.backupJobNotFound(name);
    const c = await this.connect();
    const cronJob = await this.readCronJob(c);
    let job: V1Job;
    try {
      job = await c.batch.readNamespacedJob({ name, namespace: c.namespace });
    } catch (error) {
      if (c.statusOf(error) === 404) throw ERRORS.backupJobNotFound(name);
      throw translate(c, error, 'get', 'jobs');
    }
    // Only runs of the backup CronJob: the endpoint is no window onto other Jobs.
    if (!isOwnedBy(job, cronJob.metadata?.uid ?? '')) throw ERRORS.backupJobNotFound(name);
    return presentJob(job);
  }

  private async readCronJob(c: Connection): Promise<V1CronJob> {
    try {
      return await c.batch.readNamespacedCronJob({ name: this.options.cronJob, namespace: c.namespace });
    } catch (error) {
      if (c.statusOf(error) === 404) throw ERRORS.backupCronJobNotFound(this.options.cronJob, c.namespace);
      throw translate(c, error, 'get', `cronjobs/${this.options.cronJob}`);
    }
  }

  /** The Jobs of the CronJob, scheduled or made by hand, found by the labels of its template. */
  private async ownedJobs(c: Connection, cronJob: V1CronJob): Promise<V1Job[]> {
    const labels = cronJob.spec?.jobTemplate.metadata?.labels ?? {};
    const labelSelector = Object.entries(labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    try {
      const list = await c.batch.listNamespacedJob({
        namespace: c.namespace,
        ...(labelSelector ? { labelSelector } : {}),
      });
      return list.items.filter((job) => isOwnedBy(job, cronJob.metadata?.uid ?? ''));
    } catch (error) {
      throw translate(c, error, 'list', 'jobs');
    }
  }
}

/** The Kubernetes client of a KubernetesBackupJobs, made at its first call. */
interface Connection {
  batch: BatchV1Api;
  namespace: string;
  /** The HTTP status of an error the API server answered (an ApiException), else undefined. */
  statusOf(error: unknown): number | undefined;
}

function translate(c: Connection, error: unknown, verb: string, resource: string) {
  const code = c.statusOf(error);
  if (code !== undefined) {
    const reason = statusMessage(error as ApiException<unknown>);
    if (code === 403) return ERRORS.kubernetesForbidden(verb, resource, c.namespace, reason);
    return ERRORS.kubernetesFailed(`${verb} ${resource}`, `HTTP ${code}: ${reason}`, error);
  }
  return ERRORS.kubernetesFailed(`${verb} ${resource}`, error instanceof Error ? error.message : String(error), error);
}

const noNamespace = () =>
  new Error(
    `No namespace for the backup Jobs: set KUBERNETES_NAMESPACE, or run in a pod (${SERVICE_ACCOUNT_NAMESPACE_FILE})`,
  );

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
