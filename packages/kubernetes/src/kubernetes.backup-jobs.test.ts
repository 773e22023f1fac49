import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AppError } from '@pictor/core';
import { KubernetesBackupJobs, SERVICE_ACCOUNT_NAMESPACE_FILE } from './kubernetes.backup-jobs.js';

/** A kubeconfig naming an API server at a port where nothing listens. */
const kubeconfig = (namespace?: string) => `apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: { server: "http://127.0.0.1:1" }
users:
  - name: someone
    user: { token: "t" }
contexts:
  - name: here
    context: { cluster: nowhere, user: someone${namespace ? `, namespace: ${namespace}` : ''} }
current-context: here
`;

const failure = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe('KubernetesBackupJobs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pictor-kube-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when no namespace is given, no kubeconfig and no service account, then it refuses to start and says what to set', () => {
    // Not in a pod here; the test would mean nothing if it were.
    expect(existsSync(SERVICE_ACCOUNT_NAMESPACE_FILE)).toBe(false);
    expect(() => new KubernetesBackupJobs({ cronJob: 'pictor-backup' })).toThrow(/set KUBERNETES_NAMESPACE/);
  });

  it('when the kubeconfig cannot be read, then a call answers KUBERNETES_API_FAILED (502) naming why, and the next call reads it again', async () => {
    const file = path.join(dir, 'kubeconfig');
    const jobs = new KubernetesBackupJobs({ cronJob: 'pictor-backup', kubeconfig: file });

    const first = await failure(jobs.start());
    expect(first.code).toBe('KUBERNETES_API_FAILED');
    expect(first.status).toBe(502);
    expect(first.message).toContain(file);

    // Fixed without a restart: the next call loads the file and goes on to the API server.
    await writeFile(file, kubeconfig('pictor'));
    const second = await failure(jobs.start());
    expect(second.code).toBe('KUBERNETES_API_FAILED');
    expect(second.message).toContain('get cronjobs/pictor-backup');
    expect(jobs.source).toBe('cronjob/pictor-backup in namespace pictor');
  });

  it('when the kubeconfig context has no namespace and none is given, then a call says to set KUBERNETES_NAMESPACE', async () => {
    const file = path.join(dir, 'kubeconfig');
    await writeFile(file, kubeconfig());
    const jobs = new KubernetesBackupJobs({ cronJob: 'pictor-backup', kubeconfig: file });
    const error = await failure(jobs.get('pictor-backup-manual-1'));
    expect(error.code).toBe('KUBERNETES_API_FAILED');
    expect(error.message).toContain('set KUBERNETES_NAMESPACE');
  });

  it('when a Job name is no DNS label, then it is refused before anything is loaded or called', async () => {
    const jobs = new KubernetesBackupJobs({ cronJob: 'pictor-backup', kubeconfig: path.join(dir, 'missing') });
    expect((await failure(jobs.start({ name: 'Not_A_Label' }))).code).toBe('VALIDATION_FAILED');
    expect((await failure(jobs.get('Not_A_Label'))).code).toBe('BACKUP_JOB_NOT_FOUND');
  });
});
