import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './processes.js';

/**
 * A real Kubernetes control plane on loopback for the chart's cluster tests: etcd,
 * kube-apiserver (client certificates, service-account tokens, Node and RBAC authorization,
 * PodSecurity admission, a JSON audit log), kube-controller-manager, kube-scheduler, and kwok
 * standing in for the kubelets of three fake nodes. Containers never run: kwok marks scheduled
 * pods running and ready, and pods that do not restart (Jobs' pods, `helm test` pods) succeeded.
 * A small loop binds each pending claim to a hostPath volume, standing in for a volume
 * provisioner.
 *
 * The binaries and the operators' CRDs are built and copied once by the engines' provisioning
 * (@pictor/test-engines, `kubernetes`), which the integration project's globalSetup runs before any
 * test: PICTOR_KUBERNETES_BIN_DIR and PICTOR_KUBERNETES_CRDS_DIR name them.
 */
export interface KubeCluster {
  /** An admin kubeconfig (client certificate in group system:masters). */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The cluster's CA certificate (PEM). */
  caCert: string;
  /** The API server's audit log: one JSON event per line (Metadata level for every request but the control plane's and the admin's). */
  auditLog: string;
  dir: string;
  bin: (name: 'kubectl' | 'kube-apiserver' | 'etcd' | 'kwok') => string;
  /** kubectl with the admin kubeconfig; rejects with kubectl's output unless it exits 0. */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** kubectl … -o json, parsed. */
  getJson<T = KubeObject>(args: string[]): Promise<T>;
  /** A request to the API server as the admin (or with `token`); the parsed JSON body. */
  api<T = KubeObject>(
    method: string,
    apiPath: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>;
  /** The audit events logged so far. */
  auditEvents(): AuditEvent[];
  stop(): Promise<void>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  requestURI: string;
}

/** Nodes kwok manages: three zones, so spread constraints and anti-affinity have room. */
export const KWOK_NODES = ['kwok-node-a', 'kwok-node-b', 'kwok-node-c'];

/** Where the engines' provisioning left the binaries and the operators' CRDs. */
export function kubernetesPaths(): { bin: string; crds: string } {
  const bin = process.env.PICTOR_KUBERNETES_BIN_DIR;
  const crds = process.env.PICTOR_KUBERNETES_CRDS_DIR;
  if (!bin || !crds) {
    throw new Error(
      'PICTOR_KUBERNETES_BIN_DIR and PICTOR_KUBERNETES_CRDS_DIR are not set: the cluster tests need the control plane ' +
        'that the integration globalSetup provisions (npm run engines -- provision --only kubernetes)',
    );
  }
  return { bin, crds };
}

function runFile(
  file: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        maxBuffer: 128 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
        env: options.env ?? process.env,
        cwd: options.cwd,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code !== 0 ? String(error.message) : '') });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const result = await runFile('openssl', args, { cwd: dir });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`);
}

/** CA, API server serving certificate, admin client certificate, service-account signing key. */
async function makePki(dir: string): Promise<void> {
  const days = ['-days', '2'];
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    ...days,
    '-subj',
    '/CN=pictor-test-kubernetes-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const leaf = async (name: string, subject: string, extensions: string[]) => {
    await openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      ...days,
      '-subj',
      subject,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);
  };
  await leaf('apiserver', '/CN=kube-apiserver', [
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  ]);
  await leaf('admin', '/O=system:masters/CN=pictor-test-admin', ['extendedKeyUsage=clientAuth']);
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # The control plane's own components and the admin certificate (Helm, kubectl, kwok): not
  # what the tests read, and most of the traffic.
  - level: None
    users: [system:kube-controller-manager, system:kube-scheduler, system:apiserver, pictor-test-admin]
  - level: None
    userGroups: ['system:serviceaccounts:kube-system', 'system:nodes']
  - level: None
    nonResourceURLs: ['/readyz*', '/healthz*', '/livez*', '/version', '/openapi/*', '/api', '/apis', '/apis/*']
  - level: Metadata
`;

/**
 * kwok's pod lifecycle: scheduled pods become running and ready at once; pods that never restart
 * (every Job's pod, `helm test` pods) then succeed with exit code 0; deleted pods go away.
 */
const KWOK_STAGES = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
      - key: '.metadata.deletionTimestamp'
        operator: 'DoesNotExist'
      - key: '.status.podIP'
        operator: 'DoesNotExist'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-succeed
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
      - key: '.metadata.deletionTimestamp'
        operator: 'DoesNotExist'
      - key: '.status.phase'
        operator: 'In'
        values: ['Running']
      - key: '.spec.restartPolicy'
        operator: 'In'
        values: ['Never', 'OnFailure']
  delay:
    durationMilliseconds: 500
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: PodCompleted
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: PodCompleted
        type: ContainersReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: false
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
      - key: '.metadata.deletionTimestamp'
        operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`;

function kubeconfigText(server: string, dir: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: pictor-test\n  cluster:\n    server: ${server}\n    certificate-authority: ${dir}/ca.crt`,
    'users:',
    `- name: admin\n  user:\n    client-certificate: ${dir}/admin.crt\n    client-key: ${dir}/admin.key`,
    'contexts:',
    '- name: pictor-test\n  context:\n    cluster: pictor-test\n    user: admin',
    'current-context: pictor-test',
    '',
  ].join('\n');
}

interface Component {
  name: string;
  child: ChildProcess;
  log: string;
}

function startComponent(dir: string, name: string, file: string, args: string[]): Component {
  const log = path.join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: true, cwd: dir });
  closeSync(fd);
  child.unref();
  return { name, child, log };
}

function tailOf(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

async function stopComponent(component: Component): Promise<void> {
  const { child } = component;
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = once(child, 'exit');
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts the control plane; resolves when the API server is ready and every kwok node is Ready. */
export async function startKubeCluster(): Promise<KubeCluster> {
  const paths = kubernetesPaths();
  const bin = (name: string) => path.join(paths.bin, name);
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok']) {
    if (!existsSync(bin(name)))
      throw new Error(`${bin(name)} is missing: run npm run engines -- provision --only kubernetes`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-kube-'));
  const components: Component[] = [];
  let provisioner: Promise<void> | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await provisioner?.catch(() => undefined);
    // Clients first, etcd last.
    for (const component of [...components].reverse()) await stopComponent(component);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await makePki(dir);
    writeFileSync(path.join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    // kwok's own node stages (copied from its module by the provisioning), then the pod stages.
    const nodeStagesDir = path.join(paths.bin, '..', 'kwok-stages');
    const nodeStages = readdirSync(nodeStagesDir)
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => readFileSync(path.join(nodeStagesDir, file), 'utf8'));
    writeFileSync(path.join(dir, 'kwok.yaml'), [...nodeStages, KWOK_STAGES].join('\n---\n'));
    const [etcdClient, etcdPeer, apiPort, cmPort, schedPort, kwokPort] = await freePorts(6);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfig, kubeconfigText(server, dir), { mode: 0o600 });
    const auditLog = path.join(dir, 'audit.log');
    const caCert = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    const tls = {
      ca: caCert,
      cert: readFileSync(path.join(dir, 'admin.crt')),
      key: readFileSync(path.join(dir, 'admin.key')),
    };

    const etcd = startComponent(dir, 'etcd', bin('etcd'), [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    components.push(etcd);

    const apiserver = startComponent(dir, 'kube-apiserver', bin('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${dir}/apiserver.crt`,
      `--tls-private-key-file=${dir}/apiserver.key`,
      `--client-ca-file=${dir}/ca.crt`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${dir}/sa.pub`,
      `--service-account-signing-key-file=${dir}/sa.key`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction,PodSecurity',
      '--service-cluster-ip-range=10.96.0.0/16',
      // A loopback address cannot be the endpoint of the `kubernetes` Service.
      '--endpoint-reconciler-type=none',
      `--audit-policy-file=${dir}/audit-policy.yaml`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
      '--profiling=false',
      '--v=1',
    ]);
    components.push(apiserver);

    const api = <T>(method: string, apiPath: string, body?: unknown, token?: string) =>
      new Promise<{ status: number; body: T }>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          `${server}${apiPath}`,
          {
            method,
            ca: tls.ca,
            ...(token ? {} : { cert: tls.cert, key: tls.key }),
            headers: {
              accept: 'application/json',
              ...(payload
                ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }
                : {}),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            timeout: 30_000,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON (readyz)
              }
              resolve({ status: res.statusCode ?? 0, body: parsed as T });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: timed out`)));
        req.on('error', reject);
        req.end(payload);
      });

    const deadline = Date.now() + 120_000;
    for (;;) {
      for (const component of [etcd, apiserver]) {
        if (component.child.exitCode !== null) {
          throw new Error(`${component.name} exited (${component.child.exitCode}):\n${tailOf(component.log)}`);
        }
      }
      const ready = await api<string>('GET', '/readyz').catch(() => ({ status: 0, body: '' }));
      if (ready.status === 200) break;
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready within 120 s:\n${tailOf(apiserver.log)}`);
      await sleep(300);
    }

    components.push(
      startComponent(dir, 'kube-controller-manager', bin('kube-controller-manager'), [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${cmPort}`,
        `--cert-dir=${path.join(dir, 'cm-certs')}`,
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${dir}/sa.key`,
        `--root-ca-file=${dir}/ca.crt`,
        '--cluster-name=pictor-test',
        '--v=1',
      ]),
      startComponent(dir, 'kube-scheduler', bin('kube-scheduler'), [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedPort}`,
        `--cert-dir=${path.join(dir, 'sched-certs')}`,
        '--leader-elect=false',
        '--v=1',
      ]),
      startComponent(dir, 'kwok', bin('kwok'), [
        `--kubeconfig=${kubeconfig}`,
        `--config=${dir}/kwok.yaml`,
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--server-address=127.0.0.1:${kwokPort}`,
        '--node-ip=10.0.0.1',
        // Leases keep the nodes Ready (kube-node-lease); node status itself changes only every 10 minutes.
        '--node-lease-duration-seconds=40',
      ]),
    );

    const kubectl = async (args: string[], options: { input?: string; timeoutMs?: number } = {}) => {
      const result = await runFile(bin('kubectl'), ['--kubeconfig', kubeconfig, ...args], options);
      if (result.code !== 0)
        throw new Error(`kubectl ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
      return result.stdout;
    };
    const getJson = async <T>(args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;

    await kubectl(['apply', '-f', '-'], { input: nodesManifest() + storageClassesManifest() });
    provisioner = provisionVolumes(dir, api, () => stopping);

    const nodesDeadline = Date.now() + 90_000;
    for (;;) {
      const nodes = await getJson<{ items: KubeObject[] }>(['get', 'nodes']);
      const ready = nodes.items.filter((node) =>
        ((node.status?.conditions as { type: string; status: string }[] | undefined) ?? []).some(
          (condition) => condition.type === 'Ready' && condition.status === 'True',
        ),
      );
      if (ready.length === KWOK_NODES.length) break;
      for (const component of components) {
        if (component.child.exitCode !== null) {
          throw new Error(`${component.name} exited (${component.child.exitCode}):\n${tailOf(component.log)}`);
        }
      }
      if (Date.now() > nodesDeadline) {
        throw new Error(
          `kwok nodes not Ready within 90 s (${ready.length}/${KWOK_NODES.length}):\n${tailOf(path.join(dir, 'kwok.log'))}`,
        );
      }
      await sleep(500);
    }

    return {
      kubeconfig,
      server,
      caCert,
      auditLog,
      dir,
      bin: (name) => bin(name),
      kubectl,
      getJson,
      api,
      auditEvents: () =>
        existsSync(auditLog)
          ? readFileSync(auditLog, 'utf8')
              .split('\n')
              .filter((line) => line.trim() !== '')
              .map((line) => JSON.parse(line) as AuditEvent)
          : [],
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function nodesManifest(): string {
  return KWOK_NODES.map(
    (name, index) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    topology.kubernetes.io/zone: zone-${String.fromCharCode(97 + index)}
spec: {}
status:
  allocatable: { cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 1Ti }
  capacity: { cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 1Ti }
---
`,
  ).join('');
}

/** The default class and the one the production scenario names; both bound by provisionVolumes. */
function storageClassesManifest(): string {
  return ['standard', 'fast-ssd']
    .map(
      (name) => `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${name}
  ${name === 'standard' ? 'annotations: { storageclass.kubernetes.io/is-default-class: "true" }' : ''}
provisioner: pictor.test/hostpath
reclaimPolicy: Retain
volumeBindingMode: Immediate
---
`,
    )
    .join('');
}

interface Claim {
  metadata: { name: string; namespace: string; uid: string };
  spec: {
    storageClassName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string };
}

/**
 * The stand-in volume provisioner: every pending claim of a class whose provisioner is
 * `pictor.test/hostpath` gets a hostPath volume of its size, pre-bound to it (the
 * controller-manager's volume binder completes the binding).
 */
async function provisionVolumes(
  dir: string,
  api: <T>(method: string, apiPath: string, body?: unknown) => Promise<{ status: number; body: T }>,
  stopped: () => boolean,
): Promise<void> {
  const root = path.join(dir, 'volumes');
  mkdirSync(root, { recursive: true });
  const made = new Set<string>();
  while (!stopped()) {
    const claims = await api<{ items?: Claim[] }>('GET', '/api/v1/persistentvolumeclaims').catch(() => undefined);
    for (const claim of claims?.body.items ?? []) {
      if (claim.status?.phase !== 'Pending' || claim.spec.volumeName || made.has(claim.metadata.uid)) continue;
      const name = `pvc-${claim.metadata.uid}`;
      const volumeDir = path.join(root, name);
      mkdirSync(volumeDir, { recursive: true });
      const created = await api('POST', '/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'pictor.test/hostpath' } },
        spec: {
          capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
          storageClassName: claim.spec.storageClassName ?? '',
          volumeMode: claim.spec.volumeMode ?? 'Filesystem',
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: volumeDir, type: 'DirectoryOrCreate' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata.namespace,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
          },
        },
      }).catch(() => undefined);
      if (created && (created.status === 201 || created.status === 409)) made.add(claim.metadata.uid);
    }
    await sleep(500);
  }
}

/** The operators' CRDs the engines' provisioning copied (prometheus-operator, KEDA, Gateway API). */
export function operatorCrdFiles(): string[] {
  const { crds } = kubernetesPaths();
  return readdirSync(crds)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => path.join(crds, file));
}

/**
 * Stand-in CRDs for the operators whose CRDs no registry here carries (Strimzi, the MinIO
 * Operator, CloudNativePG): each kind is served with `x-kubernetes-preserve-unknown-fields`, so the
 * API server stores the chart's objects without checking a single field of their spec.
 */
export function permissiveCrdsManifest(): string {
  const kinds = [
    { group: 'kafka.strimzi.io', version: 'v1', kind: 'Kafka', plural: 'kafkas' },
    { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaNodePool', plural: 'kafkanodepools' },
    { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaTopic', plural: 'kafkatopics' },
    { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaUser', plural: 'kafkausers' },
    { group: 'minio.min.io', version: 'v2', kind: 'Tenant', plural: 'tenants' },
    { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster', plural: 'clusters' },
    { group: 'postgresql.cnpg.io', version: 'v1', kind: 'Pooler', plural: 'poolers' },
    { group: 'postgresql.cnpg.io', version: 'v1', kind: 'ScheduledBackup', plural: 'scheduledbackups' },
  ];
  return kinds
    .map(
      ({ group, version, kind, plural }) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
  annotations:
    pictor.test/stand-in: "no registry here carries this operator's CRD: fields are not validated"
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: ${kind}, listKind: ${kind}List, plural: ${plural}, singular: ${kind.toLowerCase()} }
  versions:
    - name: ${version}
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
`,
    )
    .join('');
}
