import { ERRORS } from '../errors/errors.js';
import type { BackupJob, BackupJobs, StartBackupOptions } from '../ports/backup-jobs.port.js';

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Finished runs remembered for status reads. */
const KEEP = 20;

/**
 * BackupJobs of the all-in-one mode, beside the Kubernetes one (`KubernetesBackupJobs`, Jobs from
 * the backup CronJob): a run is the backup itself, inside this process, on the
 * database it already has open (the embedded database belongs to this process: no other may
 * open it). Runs are kept in memory; the `backups` table is the lasting record.
 */
export class InProcessBackupJobs implements BackupJobs {
  readonly source = 'the embedded database, in-process';
  private readonly runs = new Map<string, { job: BackupJob; done: Promise<void> }>();

  constructor(
    private readonly backup: () => Promise<{ key: string }>,
    /** Told of a run that failed (the error is kept nowhere else). */
    private readonly onFailure: (job: string, error: unknown) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(options: StartBackupOptions = {}): Promise<BackupJob> {
    const running = [...this.runs.values()].find((run) => run.job.status === 'running');
    if (running) return Promise.reject(ERRORS.backupInProgress(running.job.name));
    const at = this.now();
    const name =
      options.name ??
      `backup-manual-${at
        .toISOString()
        .replace(/\.\d+Z$/, '')
        .replace(/[-:T]/g, '')}`;
    if (!NAME.test(name)) {
      return Promise.reject(
        ERRORS.validationFailed('name must be a DNS label: lower-case letters, digits and -, at most 63'),
      );
    }
    if (this.runs.has(name)) return Promise.reject(ERRORS.backupJobExists(name));
    const job: BackupJob = {
      name,
      namespace: 'local',
      status: 'running',
      active: 1,
      succeeded: 0,
      failed: 0,
      createdAt: at,
      startedAt: at,
      completedAt: null,
    };
    const done = this.backup().then(
      () => Object.assign(job, { status: 'succeeded', active: 0, succeeded: 1, completedAt: this.now() }),
      (error: unknown) => {
        Object.assign(job, { status: 'failed', active: 0, failed: 1 });
        this.onFailure(name, error);
      },
    );
    this.runs.set(name, { job, done: done.then(() => undefined) });
    for (const old of [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - KEEP))) this.runs.delete(old);
    return Promise.resolve({ ...job });
  }

  get(name: string): Promise<BackupJob> {
    const run = this.runs.get(name);
    return run ? Promise.resolve({ ...run.job }) : Promise.reject(ERRORS.backupJobNotFound(name));
  }

  /** Waits for a running backup, for graceful shutdown. */
  async stop(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => run.done));
  }
}
