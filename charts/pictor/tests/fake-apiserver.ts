import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeLoopbackKubeconfig } from '@pictor/test-harness/kubeconfig';

/**
 * Just enough of a Kubernetes API server for `helm template --dry-run=server`: discovery, Helm's
 * release lookup (none), and GET of the Secrets a test puts in. It lets the chart's `lookup`
 * calls run for real, which client-side rendering cannot do (lookup returns nothing there).
 */
export interface FakeApiServer {
  kubeconfig: string;
  /** Paths the chart asked for, e.g. /api/v1/namespaces/pictor/secrets/pictor-valkey. */
  requests: string[];
  setSecret(namespace: string, name: string, data: Record<string, string>): void;
  clear(): void;
  stop(): Promise<void>;
}

const GROUPS: Record<string, { version: string; resources: string[] }> = {
  apps: { version: 'v1', resources: ['deployments:Deployment', 'statefulsets:StatefulSet'] },
  batch: { version: 'v1', resources: ['jobs:Job', 'cronjobs:CronJob'] },
  autoscaling: { version: 'v2', resources: ['horizontalpodautoscalers:HorizontalPodAutoscaler'] },
  policy: { version: 'v1', resources: ['poddisruptionbudgets:PodDisruptionBudget'] },
  'networking.k8s.io': { version: 'v1', resources: ['ingresses:Ingress', 'networkpolicies:NetworkPolicy'] },
};
const CORE = [
  'secrets:Secret',
  'configmaps:ConfigMap',
  'services:Service',
  'serviceaccounts:ServiceAccount',
  'pods:Pod',
];

function resourceList(groupVersion: string, resources: string[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map((r) => {
      const [name, kind] = r.split(':') as [string, string];
      return {
        name,
        singularName: kind.toLowerCase(),
        namespaced: true,
        kind,
        verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
      };
    }),
  };
}

export async function startFakeApiServer(release: string): Promise<FakeApiServer> {
  const secrets = new Map<string, Record<string, string>>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 405 });
    if (url.pathname === '/version')
      return send(200, { major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' });
    if (url.pathname === '/api')
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/api/v1') return send(200, resourceList('v1', CORE));
    if (url.pathname === '/apis') {
      return send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: Object.entries(GROUPS).map(([name, g]) => {
          const version = { groupVersion: `${name}/${g.version}`, version: g.version };
          return { name, versions: [version], preferredVersion: version };
        }),
      });
    }
    for (const [name, g] of Object.entries(GROUPS)) {
      if (url.pathname === `/apis/${name}/${g.version}`)
        return send(200, resourceList(`${name}/${g.version}`, g.resources));
    }
    // Helm's release storage: no release yet.
    if (/^\/api\/v1\/namespaces\/[^/]+\/secrets$/.test(url.pathname)) {
      return send(200, { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [] });
    }
    const secret = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/);
    const data = secret ? secrets.get(`${secret[1]}/${secret[2]}`) : undefined;
    if (secret && data) {
      return send(200, {
        kind: 'Secret',
        apiVersion: 'v1',
        // Owned by the release, as after an install, so Helm may adopt it.
        metadata: {
          name: secret[2],
          namespace: secret[1],
          labels: { 'app.kubernetes.io/managed-by': 'Helm' },
          annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': secret[1] },
        },
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      });
    }
    send(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'not found',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const written = await writeLoopbackKubeconfig({ port, token: 'fake' });
  const kubeconfig = written.path;
  return {
    kubeconfig,
    requests,
    setSecret: (namespace, name, data) => void secrets.set(`${namespace}/${name}`, data),
    clear: () => {
      secrets.clear();
      requests.length = 0;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await written.remove();
    },
  };
}
