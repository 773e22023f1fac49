import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import {
  backupCronJobFixture,
  NAMESPACE,
  startFakeKubernetes,
  type FakeKubernetes,
  type KubeObject,
} from '@pictor/test-harness/fake-kubernetes';

/**
 * The admin API's on-demand backup through the real HTTP stack, against a local stand-in for the
 * Kubernetes API server that checks what it receives.
 */
const ADMIN_TOKEN = 'admin-token-for-the-tests-0123456789';
let kube: FakeKubernetes;
let pictor: TestPictor;

interface ErrorBody {
  error: { code: string; message: string };
}
interface JobBody {
  name: string;
  namespace: string;
  status: string;
  active: number;
  startedAt: string | null;
  completedAt: string | null;
  url?: string;
}

const admin = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = ADMIN_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${pictor.url}/api/v1/admin${path}`, { ...rest, headers });
};
const startBackup = (body?: unknown) =>
  admin('/backups', {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  kube = await startFakeKubernetes();
  pictor = await startTestPictor({
    ADMIN_TOKEN,
    BACKUP_CRONJOB: 'pictor-backup',
    KUBECONFIG: kube.kubeconfig,
    CLEANUP_INTERVAL_SECONDS: '0',
  });
});

afterAll(async () => {
  await pictor?.stop();
  await kube?.stop();
});

beforeEach(() => {
  kube.requests.length = 0;
  kube.jobs.clear();
  kube.deny.clear();
  kube.cronJobs.clear();
  kube.cronJobs.set('pictor-backup', backupCronJobFixture());
});

describe('admin token', () => {
  it('when no token or a wrong one is sent, then the answer is 401 and the Kubernetes API is not called', async () => {
    for (const token of [null, 'wrong-token-of-the-same-kind-0123456789', '']) {
      const res = await admin('/backups', { method: 'POST', token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    }
    const basic = await admin('/backups/x', { token: null, headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    expect(basic.status).toBe(401);
    expect(kube.requests).toEqual([]);
  });

  it('when Pictor runs without ADMIN_TOKEN, then the admin API does not exist (404)', async () => {
    const plain = await startTestPictor({ BACKUP_CRONJOB: 'pictor-backup', KUBECONFIG: kube.kubeconfig });
    try {
      const res = await fetch(`${plain.url}/api/v1/admin/backups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
    } finally {
      await plain.stop();
    }
  });
});

describe('POST /api/v1/admin/backups', () => {
  it('when an admin starts a backup, then a Job carrying the CronJob’s template and a controller reference is created', async () => {
    const res = await startBackup();
    expect(res.status).toBe(202);
    const body = (await res.json()) as JobBody;
    expect(body).toMatchObject({ namespace: NAMESPACE, status: 'pending', active: 0 });
    expect(body.name).toMatch(/^pictor-backup-manual-\d{14}$/);
    expect(res.headers.get('location')).toBe(`${pictor.config.http.publicUrl}/api/v1/admin/backups/${body.name}`);
    expect(body.url).toBe(res.headers.get('location'));

    // Every call carried the service account's token, and asked only what the Role allows.
    expect(kube.requests.every((r) => r.authorization === `Bearer ${kube.token}`)).toBe(true);
    expect(kube.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /apis/batch/v1/namespaces/${NAMESPACE}/cronjobs/pictor-backup`,
      `GET /apis/batch/v1/namespaces/${NAMESPACE}/jobs`,
      `POST /apis/batch/v1/namespaces/${NAMESPACE}/jobs`,
    ]);
    const cronJob = backupCronJobFixture();
    const template = (cronJob.spec as { jobTemplate: { metadata: KubeObject['metadata']; spec: unknown } }).jobTemplate;
    const job = kube.requests[2]!.body as KubeObject;
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata.name).toBe(body.name);
    expect(job.metadata.labels).toEqual(template.metadata.labels);
    expect(job.metadata.annotations).toEqual({
      'cronjob.kubernetes.io/instantiate': 'manual',
      'pictor.example/owner': 'platform',
    });
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'pictor-backup', uid: cronJob.metadata.uid, controller: true },
    ]);
    expect(job.spec).toEqual(template.spec);
  });

  it('when a name is given, then the Job has it; a name that is no DNS label is refused before any call', async () => {
    const res = await startBackup({ name: 'before-the-upgrade' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as JobBody).name).toBe('before-the-upgrade');
    expect(kube.jobs.has('before-the-upgrade')).toBe(true);

    kube.requests.length = 0;
    for (const bad of [{ name: 'Not_A_Label' }, { name: 'x'.repeat(64) }, { other: 1 }]) {
      const refused = await startBackup(bad);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    }
    const notJson = await admin('/backups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect([notJson.status, ((await notJson.json()) as ErrorBody).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(kube.requests).toEqual([]);
  });

  it('when the name is taken (409 from Kubernetes), then the answer is 409 BACKUP_JOB_EXISTS naming it', async () => {
    kube.jobs.set('taken', { metadata: { name: 'taken', labels: { other: 'job' } } });
    const res = await startBackup({ name: 'taken' });
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.code).toBe('BACKUP_JOB_EXISTS');
    expect(error.message).toContain('"taken"');
    expect(kube.requests.at(-1)?.method).toBe('POST');
  });

  it('when RBAC forbids creating Jobs (403), then the answer names the verb and resource the service account lacks', async () => {
    kube.deny.add('create jobs');
    const res = await startBackup();
    expect(res.status).toBe(502);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.code).toBe('KUBERNETES_FORBIDDEN');
    expect(error.message).toContain(`may not create jobs in namespace ${NAMESPACE} (RBAC)`);
    expect(error.message).toContain('cannot create resource "jobs"');
  });

  it('when RBAC forbids reading the CronJob (403), then the answer says so and no Job is created', async () => {
    kube.deny.add('get cronjobs');
    const res = await startBackup();
    const { error } = (await res.json()) as ErrorBody;
    expect([res.status, error.code]).toEqual([502, 'KUBERNETES_FORBIDDEN']);
    expect(error.message).toContain('may not get cronjobs/pictor-backup');
    expect(kube.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('when the CronJob does not exist, then the answer names it', async () => {
    kube.cronJobs.clear();
    const res = await startBackup();
    const { error } = (await res.json()) as ErrorBody;
    expect([res.status, error.code]).toEqual([502, 'BACKUP_CRONJOB_NOT_FOUND']);
    expect(error.message).toContain(`The CronJob pictor-backup does not exist in namespace ${NAMESPACE}`);
  });

  it('when a backup of the CronJob is pending or running, then another is refused with 409 BACKUP_IN_PROGRESS', async () => {
    const first = (await (await startBackup({ name: 'first' })).json()) as JobBody;
    for (const status of [{}, { active: 1, startTime: new Date().toISOString() }]) {
      kube.jobs.get(first.name)!.status = status;
      const res = await startBackup();
      const { error } = (await res.json()) as ErrorBody;
      expect([res.status, error.code]).toEqual([409, 'BACKUP_IN_PROGRESS']);
      expect(error.message).toContain('"first"');
    }
    kube.jobs.get(first.name)!.status = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
    expect((await startBackup()).status).toBe(202);
  });
});

describe('GET /api/v1/admin/backups/:name', () => {
  it('when the Job runs and then completes, then its status follows', async () => {
    const { name } = (await (await startBackup()).json()) as JobBody;
    const job = kube.jobs.get(name)!;
    const status = async () => {
      const res = await admin(`/backups/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return (await res.json()) as JobBody;
    };
    expect(await status()).toMatchObject({ name, status: 'pending', startedAt: null });
    job.status = { active: 1, startTime: '2026-11-23T03:00:01Z' };
    expect(await status()).toMatchObject({ status: 'running', active: 1, startedAt: '2026-11-23T03:00:01.000Z' });
    job.status = {
      succeeded: 1,
      startTime: '2026-11-23T03:00:01Z',
      completionTime: '2026-11-23T03:01:30Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    };
    expect(await status()).toMatchObject({ status: 'succeeded', completedAt: '2026-11-23T03:01:30.000Z' });
    job.status = { failed: 2, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] };
    expect(await status()).toMatchObject({ status: 'failed' });
  });

  it('when the Job is not one of the backup CronJob, or does not exist, then the answer is 404', async () => {
    kube.jobs.set('someone-elses', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'someone-elses', namespace: NAMESPACE, uid: 'x' },
      spec: {},
      status: { succeeded: 1 },
    });
    for (const name of ['someone-elses', 'never-created']) {
      const res = await admin(`/backups/${name}`);
      expect([res.status, ((await res.json()) as ErrorBody).error.code]).toEqual([404, 'BACKUP_JOB_NOT_FOUND']);
    }
  });
});

describe('OpenAPI', () => {
  it('when the document is read, then the admin paths are there with the bearer scheme', async () => {
    const doc = (await (await fetch(`${pictor.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/admin/backups']?.post?.security).toEqual([{ adminToken: [] }]);
    expect(Object.keys(doc.paths['/api/v1/admin/backups']!.post!.responses)).toEqual(
      expect.arrayContaining(['202', '401', '409', '502']),
    );
    expect(doc.paths['/api/v1/admin/backups/{name}']?.get?.security).toEqual([{ adminToken: [] }]);
  });
});
