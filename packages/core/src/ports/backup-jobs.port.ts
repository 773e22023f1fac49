/** Where a backup run stands: waiting for a pod, running, or finished one way or the other. */
export type BackupJobStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** One on-demand or scheduled backup run, as the scheduler that runs it reports it. */
export interface BackupJob {
  /** Unique among runs; the Kubernetes Job's name. */
  name: string;
  /** Where it runs (the Kubernetes namespace; `local` in-process). */
  namespace: string;
  status: BackupJobStatus;
  /** Pods running, succeeded and failed (0 or 1 in-process). */
  active: number;
  succeeded: number;
  failed: number;
  createdAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** The run's name the caller asks for; the adapter generates one when absent. */
export interface StartBackupOptions {
  name?: string;
}

/**
 * Starts database backups on demand, the way the schedule would, and reports on them. The real
 * adapter creates a Job from the backup CronJob through the Kubernetes API; the embedded one runs
 * the backup inside the process (all-in-one mode).
 */
export interface BackupJobs {
  /** What the runs are made from, for messages (e.g. `cronjob/pictor-backup in pictor`). */
  readonly source: string;
  /**
   * Starts a run now. Fails with BACKUP_IN_PROGRESS when one is still running, BACKUP_JOB_EXISTS
   * when the name is taken.
   */
  start(options?: StartBackupOptions): Promise<BackupJob>;
  /** One run by name; BACKUP_JOB_NOT_FOUND when it does not exist or is not a backup run. */
  get(name: string): Promise<BackupJob>;
}
