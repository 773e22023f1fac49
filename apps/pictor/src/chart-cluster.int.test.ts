import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHART_DIR, helm, parseManifests, scenarios, type K8sObject } from '@pictor/test-harness/chart';
import { startTestPictor } from '@pictor/test-harness/harness';
import {
  operatorCrdFiles,
  permissiveCrdsManifest,
  startKubeCluster,
  type KubeCluster,
  type KubeObject,
} from '@pictor/test-harness/kube-cluster';

/**
 * The chart on a real Kubernetes 1.37 control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler built from the Go module proxy; kwok's fake nodes), one namespace per
 * ci/*-values.yaml scenario, each enforcing the `restricted` Pod Security Standard.
 *
 * What kwok cannot show: containers never run. A pod is "ready" as soon as it is scheduled, and a
 * Job's or `helm test` pod "succeeds" without running its command. So these tests prove what the
 * API server, the admission chain (PodSecurity, RBAC, strict field validation), the controllers
 * and Helm decide — objects accepted, hooks ordered and cleaned up, upgrades and rollbacks applied
 * without an immutable-field error, Jobs created from the CronJob, the admin API's permissions —
 * and not that the containers work (the image build test runs the image itself).
 */
const RELEASE = 'pictor';
let cluster: KubeCluster;
let chartCopy: string;

/** Secrets a scenario's values name as existing (docs/KUBERNETES.md: they must exist before install). */
const EXISTING_SECRETS: Record<string, Record<string, Record<string, string>>> = {
  external: {
    'pictor-s3': { S3_ACCESS_KEY: 'access', S3_SECRET_KEY: 'secret-secret' },
    'pictor-database': { DATABASE_URL: 'postgres://pictor:pw@postgres.db.svc:5432/pictor' },
  },
  replicas: {
    'pictor-replica-us': { 'access-key': 'links-reader', 'secret-key': 'links-reader-secret' },
  },
  production: {
    'pictor-replicas': { S3_REPLICAS: '[]' },
    'pictor-redis': { REDIS_URL: 'redis://redis.cache.svc:6379/0' },
  },
};

async function helmOk(args: string[]): Promise<string> {
  const result = await helm([...args, '--kubeconfig', cluster.kubeconfig]);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

interface Condition {
  type: string;
  status: string;
}
const conditionsOf = (o: KubeObject) => (o.status?.conditions as Condition[] | undefined) ?? [];
const hasCondition = (o: KubeObject, type: string) =>
  conditionsOf(o).some((c) => c.type === type && c.status === 'True');

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${last.message})` : ''}`);
    await sleep(500);
  }
}

async function releaseStatus(namespace: string): Promise<{ status: string; version: number; chart: string }> {
  const history = JSON.parse(await helmOk(['history', RELEASE, '-n', namespace, '-o', 'json'])) as {
    revision: number;
    status: string;
    chart: string;
  }[];
  const last = history.at(-1)!;
  return { status: last.status, version: last.revision, chart: last.chart };
}

/** Every namespaced object left in a namespace, as `Kind/name`, but what Kubernetes itself puts in each. */
async function objectsIn(namespace: string, scenario: string): Promise<string[]> {
  const kinds = (await cluster.kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']))
    .split('\n')
    .filter(
      (kind) =>
        kind &&
        !/^(events(\.events\.k8s\.io)?|leases\.coordination\.k8s\.io|endpoints|endpointslices\.discovery\.k8s\.io)$/.test(
          kind,
        ),
    );
  const items = await cluster.getJson<{ items: KubeObject[] }>(['get', kinds.join(','), '-n', namespace]);
  return items.items
    .filter((o) => !(o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt'))
    .filter((o) => !(o.kind === 'ServiceAccount' && o.metadata.name === 'default'))
    .filter((o) => !(o.kind === 'Secret' && Object.keys(EXISTING_SECRETS[scenario] ?? {}).includes(o.metadata.name)))
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();
}

async function renderFor(namespace: string, valuesFile: string): Promise<K8sObject[]> {
  const text = await helmOk(['template', RELEASE, CHART_DIR, '-n', namespace, '-f', valuesFile]);
  return parseManifests(text);
}

beforeAll(async () => {
  cluster = await startKubeCluster();
  // The operators' CRDs from their Go modules; stand-ins where no registry carries them.
  for (const file of operatorCrdFiles()) {
    await cluster.kubectl(['apply', '--server-side', '-f', file], { timeoutMs: 120_000 });
  }
  await cluster.kubectl(['apply', '-f', '-'], { input: permissiveCrdsManifest() });
  await cluster.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  // A later chart version: the same chart with its version bumped.
  chartCopy = mkdtempSync(path.join(tmpdir(), 'pictor-chart-'));
  cpSync(CHART_DIR, chartCopy, { recursive: true, filter: (source) => !source.includes(`${path.sep}tests`) });
  const chartYaml = path.join(chartCopy, 'Chart.yaml');
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: (\S+)$/m, 'version: $1-next.1'));
}, 600_000);

afterAll(async () => {
  await cluster?.stop();
  if (chartCopy) rmSync(chartCopy, { recursive: true, force: true });
});

describe.each(scenarios().map((s) => [s.name, s.file] as const))(
  'scenario %s on a real control plane',
  (name, file) => {
    const namespace = `pictor-${name}`;
    let objects: K8sObject[];

    /** A namespace enforcing `restricted`, with the Secrets the scenario's values name as existing. */
    const prepareNamespace = async (ns: string) => {
      await cluster.kubectl(['apply', '-f', '-'], {
        input: `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
`,
      });
      for (const [secret, data] of Object.entries(EXISTING_SECRETS[name] ?? {})) {
        await cluster.kubectl([
          'create',
          'secret',
          'generic',
          secret,
          '-n',
          ns,
          ...Object.entries(data).map(([key, value]) => `--from-literal=${key}=${value}`),
        ]);
      }
    };

    beforeAll(async () => {
      await prepareNamespace(namespace);
      objects = await renderFor(namespace, file);
    }, 120_000);

    it('when every rendered object is created with a server-side dry run and strict field validation, then the API server accepts all of them without a Pod Security warning', async () => {
      // A namespace of its own, where the ServiceAccounts exist for real: a dry-run create of a
      // Pod (the `helm test` pods) is refused while its ServiceAccount does not exist.
      const scratch = `${namespace}-dry-run`;
      await prepareNamespace(scratch);
      const rendered = await renderFor(scratch, file);
      const inScratch = (o: K8sObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, namespace: scratch } });
      const accounts = rendered.filter((o) => o.kind === 'ServiceAccount');
      await cluster.kubectl(['create', '-n', scratch, '-f', '-'], { input: accounts.map(inScratch).join('\n') });
      const others = rendered.filter((o) => o.kind !== 'ServiceAccount');
      const result = await cluster.kubectl(
        [
          'create',
          '--dry-run=server',
          '--validate=strict',
          '-n',
          scratch,
          '-f',
          '-',
          '-o',
          'name',
          '--warnings-as-errors',
        ],
        { input: others.map(inScratch).join('\n'), timeoutMs: 120_000 },
      );
      expect(result.trim().split('\n').length).toBe(others.length);
      await cluster.kubectl(['delete', 'namespace', scratch, '--wait=false']);
    }, 180_000);

    it('when installed with --wait, then the release is deployed, every workload is available and every Job (hooks included) completed', async () => {
      await helmOk(['install', RELEASE, CHART_DIR, '-n', namespace, '-f', file, '--wait', '--timeout', '5m']);
      expect((await releaseStatus(namespace)).status).toBe('deployed');

      const deployments = await cluster.getJson<{ items: KubeObject[] }>(['get', 'deployments', '-n', namespace]);
      expect(deployments.items.length).toBeGreaterThan(0);
      for (const d of deployments.items)
        expect([d.metadata.name, hasCondition(d, 'Available')]).toEqual([d.metadata.name, true]);
      const statefulSets = await cluster.getJson<{ items: KubeObject[] }>(['get', 'statefulsets', '-n', namespace]);
      for (const s of statefulSets.items) {
        expect([s.metadata.name, s.status?.readyReplicas]).toEqual([
          s.metadata.name,
          (s.spec as { replicas?: number }).replicas ?? 1,
        ]);
      }
      const claims = await cluster.getJson<{ items: KubeObject[] }>(['get', 'pvc', '-n', namespace]);
      for (const c of claims.items) expect([c.metadata.name, c.status?.phase]).toEqual([c.metadata.name, 'Bound']);
      // The migration hook succeeded, so its delete policy removed it; a Job of the release (the
      // bucket Job) completed.
      const jobs = await cluster.getJson<{ items: KubeObject[] }>(['get', 'jobs', '-n', namespace]);
      expect(jobs.items.map((j) => j.metadata.name)).not.toContain(`${RELEASE}-migrate`);
      // Jobs the CronJobs start on their own schedule (cleanup every few minutes) may be running.
      const releaseJobs = jobs.items.filter(
        (j) =>
          !(j.metadata as { ownerReferences?: { kind: string }[] }).ownerReferences?.some((o) => o.kind === 'CronJob'),
      );
      const rendered = objects.filter((o) => o.kind === 'Job' && !o.metadata.annotations?.['helm.sh/hook']);
      expect(releaseJobs.map((j) => j.metadata.name).sort()).toEqual(rendered.map((o) => o.metadata.name).sort());
      for (const j of releaseJobs)
        expect([j.metadata.name, hasCondition(j, 'Complete')]).toEqual([j.metadata.name, true]);
    }, 400_000);

    it('when `helm test` runs, then its pods are admitted in the restricted namespace and succeed', async () => {
      const out = await helmOk(['test', RELEASE, '-n', namespace, '--timeout', '3m']);
      expect(out).toMatch(/Phase:\s+Succeeded/);
      expect(out).not.toMatch(/Phase:\s+Failed/);
    }, 240_000);

    it('when a Job is made from the backup CronJob as the docs say, then it completes', async () => {
      const cronJobs = objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name);
      if (!cronJobs.includes(`${RELEASE}-backup`)) {
        // This scenario's values turn the backup off: the CronJob must then be absent from the cluster.
        expect(await cluster.kubectl(['get', 'cronjobs', '-n', namespace, '-o', 'name'])).not.toContain(
          `${RELEASE}-backup`,
        );
        return;
      }
      await cluster.kubectl([
        'create',
        'job',
        '--from=cronjob/pictor-backup',
        'pictor-backup-by-hand',
        '-n',
        namespace,
      ]);
      const job = await waitFor('the backup Job completes', async () => {
        const j = await cluster.getJson<KubeObject>(['get', 'job', 'pictor-backup-by-hand', '-n', namespace]);
        return hasCondition(j, 'Complete') ? j : undefined;
      });
      expect(job.metadata.name).toBe('pictor-backup-by-hand');
    }, 120_000);

    it("when the admin API runs with a token of the chart's api ServiceAccount, then it creates and follows a backup Job, using no verb beyond its Role", async () => {
      const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === `${RELEASE}-admin`);
      if (!role) {
        // admin.enabled is off here: the api has neither the Role nor a token to call the API with.
        expect(objects.some((o) => o.kind === 'RoleBinding')).toBe(false);
        return;
      }
      const serviceAccount = `${RELEASE}-api`;
      const token = await cluster.api<{ status: { token: string } }>(
        'POST',
        `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
      );
      expect(token.status).toBe(201);
      const dir = mkdtempSync(path.join(tmpdir(), 'pictor-sa-kubeconfig-'));
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters:\n- name: c\n  cluster:\n    server: ${cluster.server}\n    certificate-authority-data: ${Buffer.from(cluster.caCert).toString('base64')}`,
          `users:\n- name: api\n  user:\n    token: ${token.body.status.token}`,
          `contexts:\n- name: c\n  context:\n    cluster: c\n    user: api\n    namespace: ${namespace}`,
          'current-context: c',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const ADMIN_TOKEN = 'admin-token-for-the-cluster-test-0123456789';
      const pictor = await startTestPictor({
        ADMIN_TOKEN,
        BACKUP_CRONJOB: `${RELEASE}-backup`,
        KUBECONFIG: kubeconfig,
        CLEANUP_INTERVAL_SECONDS: '0',
      });
      try {
        const started = await fetch(`${pictor.url}/api/v1/admin/backups`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const body = (await started.json()) as { name: string; status: string };
        expect([started.status, body]).toEqual([
          202,
          expect.objectContaining({ name: expect.stringMatching(/^pictor-backup-/) }),
        ]);
        const done = await waitFor('the admin API reports the backup succeeded', async () => {
          const res = await fetch(`${pictor.url}/api/v1/admin/backups/${body.name}`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          const job = (await res.json()) as { status: string };
          return job.status === 'succeeded' ? job : undefined;
        });
        expect(done.status).toBe('succeeded');
        // The Job the API made belongs to the CronJob as kubectl's does: as its controller.
        const job = await cluster.getJson<KubeObject>(['get', 'job', body.name, '-n', namespace]);
        expect(job.metadata).toMatchObject({
          ownerReferences: [expect.objectContaining({ kind: 'CronJob', name: `${RELEASE}-backup`, controller: true })],
        });
      } finally {
        await pictor.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
      const events = cluster.auditEvents().filter((e) => e.user.username === user && e.stage === 'ResponseComplete');
      expect(events.length).toBeGreaterThan(0);
      const used = [
        ...new Set(
          events.map(
            (e) =>
              `${e.verb} ${e.objectRef?.resource ?? e.requestURI}${e.objectRef?.resource === 'cronjobs' ? `/${e.objectRef.name}` : ''} ${e.responseStatus?.code}`,
          ),
        ),
      ].sort();
      expect(used).toEqual(
        expect.arrayContaining(['get cronjobs/pictor-backup 200', 'create jobs 201', 'get jobs 200']),
      );
      for (const call of used) {
        expect(['get cronjobs/pictor-backup 200', 'list jobs 200', 'create jobs 201', 'get jobs 200']).toContain(call);
      }
    }, 180_000);

    it('when upgraded with a new image tag, then a new chart version, then a changed value, then each release is deployed; a rollback is deployed too', async () => {
      const common = ['-n', namespace, '-f', file, '--wait', '--timeout', '5m'];
      await helmOk(['upgrade', RELEASE, CHART_DIR, ...common, '--set', 'image.tag=0.1.1-upgrade']);
      expect(await releaseStatus(namespace)).toMatchObject({ status: 'deployed', version: 2 });
      await helmOk(['upgrade', RELEASE, chartCopy, ...common, '--set', 'image.tag=0.1.1-upgrade']);
      const bumped = await releaseStatus(namespace);
      expect(bumped).toMatchObject({ status: 'deployed', version: 3, chart: expect.stringMatching(/-next\.1$/) });
      await helmOk([
        'upgrade',
        RELEASE,
        chartCopy,
        ...common,
        '--set',
        'image.tag=0.1.1-upgrade',
        '--set',
        'config.LOG_LEVEL=debug',
      ]);
      expect(await releaseStatus(namespace)).toMatchObject({ status: 'deployed', version: 4 });
      const api = await cluster.getJson<KubeObject>(['get', 'deployment', `${RELEASE}-api`, '-n', namespace]);
      const image = (api.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0]!.image;
      expect(image).toMatch(/:0\.1\.1-upgrade$/);

      await helmOk(['rollback', RELEASE, '1', '-n', namespace, '--wait', '--timeout', '5m']);
      expect(await releaseStatus(namespace)).toMatchObject({ status: 'deployed', version: 5 });
      const rolledBack = await cluster.getJson<KubeObject>(['get', 'deployment', `${RELEASE}-api`, '-n', namespace]);
      const back = (rolledBack.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0]!.image;
      expect(back).not.toMatch(/0\.1\.1-upgrade/);
    }, 900_000);

    it('when uninstalled, then only the claims and the Secrets docs/KUBERNETES.md names remain', async () => {
      await helmOk(['uninstall', RELEASE, '-n', namespace, '--wait', '--timeout', '3m']);
      // Jobs made from the CronJob belong to it: the garbage collector removes them, then their pods.
      const left = await waitFor(
        'the namespace holds only what uninstall keeps',
        async () => {
          const now = await objectsIn(namespace, name);
          return now.some((o) => /^(Pod|Job|ReplicaSet|ControllerRevision)\//.test(o)) ? undefined : now;
        },
        90_000,
      );
      const keptSecrets = objects
        .filter((o) => o.kind === 'Secret' && o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep')
        .map((o) => `Secret/${o.metadata.name}`);
      const claims = objects
        .filter((o) => o.kind === 'StatefulSet')
        .flatMap((o) => {
          const spec = o.spec as { replicas?: number; volumeClaimTemplates?: { metadata: { name: string } }[] };
          return (spec.volumeClaimTemplates ?? []).flatMap((claim) =>
            Array.from(
              { length: spec.replicas ?? 1 },
              (_, i) => `PersistentVolumeClaim/${claim.metadata.name}-${o.metadata.name}-${i}`,
            ),
          );
        });
      expect(left).toEqual([...keptSecrets, ...claims].sort());
    }, 300_000);
  },
);
