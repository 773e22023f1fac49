import express, { Router } from 'express';
import { ERRORS, type BackupJob, type BackupJobs, type BackupRecord } from '@pictor/core';
import { requireAdminToken } from '../http/admin-auth.js';
import { allowOnly } from '../http/method-not-allowed.js';
import type { BackupJobDto, BackupRecordDto } from '../http/schemas.js';
import { BackupJobNameParam, StartBackupSchema } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';

export interface AdminRouteDeps {
  /** The bearer token every admin request must carry. */
  token: string;
  /** On-demand backups; absent: BACKUPS_NOT_CONFIGURED (501). */
  backups?: BackupJobs;
  /** The newest backups recorded in the database, newest first. */
  recentBackups?: (limit: number) => Promise<BackupRecord[]>;
  publicUrl: string;
}

const presentJob = (job: BackupJob): BackupJobDto => ({
  name: job.name,
  namespace: job.namespace,
  status: job.status,
  active: job.active,
  succeeded: job.succeeded,
  failed: job.failed,
  createdAt: job.createdAt?.toISOString() ?? null,
  startedAt: job.startedAt?.toISOString() ?? null,
  completedAt: job.completedAt?.toISOString() ?? null,
});

const presentRecord = (backup: BackupRecord): BackupRecordDto => ({
  key: backup.key,
  bytes: backup.bytes,
  sha256: backup.sha256,
  startedAt: backup.startedAt.toISOString(),
  finishedAt: backup.finishedAt.toISOString(),
});

/** `/api/v1/admin`: operations for whoever holds ADMIN_TOKEN. */
export function adminRoute(deps: AdminRouteDeps): Router {
  const router = Router();
  router.use(requireAdminToken(deps.token), (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const backups = () => {
    if (!deps.backups) throw ERRORS.backupsNotConfigured();
    return deps.backups;
  };

  router.post('/backups', express.json({ limit: '1kb', strict: true }), async (req, res) => {
    const options = parseOrThrow(StartBackupSchema, req.body ?? {});
    const job = await backups().start(options.name ? { name: options.name } : {});
    req.log.info('backup job created', { job: job.name, namespace: job.namespace, source: backups().source });
    const url = `${deps.publicUrl}/api/v1/admin/backups/${job.name}`;
    res.setHeader('Location', url);
    res.status(202).json({ ...presentJob(job), url });
  });

  router.get('/backups', async (_req, res) => {
    const recorded = deps.recentBackups ? await deps.recentBackups(20) : [];
    res.json({ backups: recorded.map(presentRecord) });
  });

  router.get('/backups/:name', async (req, res) => {
    const { name } = parseOrThrow(BackupJobNameParam, req.params);
    res.json(presentJob(await backups().get(name)));
  });

  router.all('/backups', allowOnly('GET', 'POST'));
  router.all('/backups/:name', allowOnly('GET'));

  return router;
}
