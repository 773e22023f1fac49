import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { writeLoopbackKubeconfig } from './kubeconfig.js';

/** A Kubernetes object as the API server stores it (loosely typed: the tests read what they need). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Record<string, unknown>[];
    creationTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

/**
 * Just enough of a Kubernetes API server for the admin API's backup Jobs, on 127.0.0.1: it
 * checks the bearer token, serves the CronJobs and Jobs put into it, validates a created Job the
 * way the tests need (the CronJob's template, an owner reference with its uid) and answers with
 * the real server's Status objects. `deny` makes it answer 403 for a verb on a resource, as RBAC
 * would.
 */
export interface FakeKubernetes {
  /** A kubeconfig file pointing at it, with the token it expects and namespace `pictor`. */
  kubeconfig: string;
  token: string;
  requests: RecordedRequest[];
  cronJobs: Map<string, KubeObject>;
  jobs: Map<string, KubeObject>;
  /** `verb resource` pairs answered 403, e.g. `create jobs`, `get cronjobs`. */
  deny: Set<string>;
  stop(): Promise<void>;
}

export const NAMESPACE = 'pictor';

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export async function startFakeKubernetes(): Promise<FakeKubernetes> {
  const token = 'fake-service-account-token';
  const requests: RecordedRequest[] = [];
  const cronJobs = new Map<string, KubeObject>();
  const jobs = new Map<string, KubeObject>();
  const deny = new Set<string>();
  let uids = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        body,
      });
      const send = (code: number, payload: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${token}`) {
        return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      }
      const match = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(cronjobs|jobs)(?:\/([^/]+))?$/.exec(url.pathname);
      if (!match) return send(404, status(404, 'NotFound', `the server could not find ${url.pathname}`));
      const [, namespace, resource, name] = match as unknown as [string, string, 'cronjobs' | 'jobs', string?];
      const verb = req.method === 'POST' ? 'create' : name ? 'get' : 'list';
      if (deny.has(`${verb} ${resource}`)) {
        const what = name ? `${resource} "${name}"` : resource;
        return send(
          403,
          status(
            403,
            'Forbidden',
            `${what} is forbidden: User "system:serviceaccount:${namespace}:pictor" cannot ${verb} resource "${resource}" in API group "batch" in the namespace "${namespace}"`,
          ),
        );
      }
      const store = resource === 'cronjobs' ? cronJobs : jobs;
      if (verb === 'get') {
        const object = store.get(name!);
        if (!object) return send(404, status(404, 'NotFound', `${resource}.batch "${name}" not found`));
        return send(200, object);
      }
      if (verb === 'list') {
        const selector = Object.fromEntries(
          (url.searchParams.get('labelSelector') ?? '')
            .split(',')
            .filter(Boolean)
            .map((pair) => pair.split('=', 2) as [string, string]),
        );
        const items = [...store.values()].filter((o) =>
          Object.entries(selector).every(([k, v]) => o.metadata.labels?.[k] === v),
        );
        return send(200, { kind: 'JobList', apiVersion: 'batch/v1', metadata: {}, items });
      }
      if (resource !== 'jobs') return send(405, status(405, 'MethodNotAllowed', 'not here'));
      const job = body as KubeObject;
      const problems = validateJob(job, cronJobs);
      if (problems.length > 0) return send(422, status(422, 'Invalid', problems.join('; ')));
      if (jobs.has(job.metadata.name)) {
        return send(409, status(409, 'AlreadyExists', `jobs.batch "${job.metadata.name}" already exists`));
      }
      const stored: KubeObject = {
        ...job,
        metadata: {
          ...job.metadata,
          namespace,
          uid: `job-uid-${++uids}`,
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
        status: {},
      };
      jobs.set(job.metadata.name, stored);
      send(201, stored);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const written = await writeLoopbackKubeconfig({ port, token: token, namespace: NAMESPACE });
  const kubeconfig = written.path;
  return {
    kubeconfig,
    token,
    requests,
    cronJobs,
    jobs,
    deny,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await written.remove();
    },
  };
}

/** What the API server (and these tests) demand of a Job made from a CronJob. */
function validateJob(job: KubeObject, cronJobs: Map<string, KubeObject>): string[] {
  const problems: string[] = [];
  if (job?.apiVersion !== 'batch/v1' || job.kind !== 'Job') problems.push('not a batch/v1 Job');
  if (!job?.metadata?.name || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(job.metadata.name)) {
    problems.push(`metadata.name: Invalid value: "${job?.metadata?.name}"`);
  }
  const owners = job?.metadata?.ownerReferences ?? [];
  const owner = cronJobs.get(String(owners[0]?.name));
  if (owners.length !== 1 || !owner || owners[0]?.uid !== owner.metadata.uid || owners[0]?.kind !== 'CronJob') {
    problems.push('metadata.ownerReferences: must name the CronJob with its uid');
    return problems;
  }
  const template = (owner.spec as { jobTemplate: { spec: unknown } }).jobTemplate;
  if (!isDeepStrictEqual(job.spec, template.spec)) problems.push("spec: not the CronJob's job template");
  return problems;
}

/** A backup CronJob shaped like the chart's `pictor-backup`. */
export function backupCronJobFixture(name = 'pictor-backup'): KubeObject {
  const labels = {
    'app.kubernetes.io/name': 'pictor',
    'app.kubernetes.io/instance': 'pictor',
    'app.kubernetes.io/component': 'backup',
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NAMESPACE, uid: '6f1c2d9e-0d43-4c1a-9a57-2f5b7c0e8a11', labels },
    spec: {
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        metadata: { labels, annotations: { 'pictor.example/owner': 'platform' } },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: 7200,
          template: {
            metadata: { labels, annotations: { 'checksum/config': 'abc123' } },
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: 'pictor',
              automountServiceAccountToken: false,
              containers: [
                {
                  name: 'backup',
                  image: 'pictor:0.1.0',
                  args: ['--target=backup'],
                  env: [{ name: 'BACKUP_KEEP_LAST', value: '7' }],
                  envFrom: [{ configMapRef: { name: 'pictor-config' } }],
                  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '10Gi' } }],
            },
          },
        },
      },
    },
    status: {},
  };
}
