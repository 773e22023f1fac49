import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as prettier from 'prettier';
import { SETTINGS } from '@pictor/config';
import { CHART_OWNED, configValuesSchema, FORTHCOMING } from './config-schema.js';
import {
  CHART_DIR,
  find,
  helm,
  podsOf,
  render,
  renderError,
  scenarios,
  type Container,
  type K8sObject,
} from '@pictor/test-harness/chart';

const rendered = new Map<string, K8sObject[]>();
const all = () => [...rendered.entries()];
const scenario = (name: string) => {
  const objects = rendered.get(name);
  if (!objects) throw new Error(`scenario ${name} was not rendered`);
  return objects;
};

/** Components whose target serves no HTTP yet, so they get no probes unless values set them. */
/** Serve only the metrics port and sit behind no Service: liveness, no readiness. */
const NO_SERVICE = new Set(['worker', 'relay', 'notifier']);

beforeAll(async () => {
  for (const { name, file } of scenarios()) rendered.set(name, await render({ values: [file] }));
  rendered.set(
    'relay-deployment',
    await render({ set: { 'relay.mode': 'deployment', 'networkPolicy.enabled': true } }),
  );
}, 600_000);

const containersOf = (pod: { containers: Container[]; initContainers?: Container[] }) => [
  ...pod.containers,
  ...(pod.initContainers ?? []),
];
const componentOf = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'] ?? '?';
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('pod security', () => {
  it('when any scenario renders, then every pod meets the restricted Pod Security Standard', () => {
    const problems: string[] = [];
    for (const [name, objects] of all()) {
      for (const { object, pod } of podsOf(objects)) {
        const where = `${name}: ${object.kind}/${object.metadata.name}`;
        const podSc = pod.securityContext ?? {};
        if (podSc.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot`);
        if ((podSc.seccompProfile as { type?: string } | undefined)?.type !== 'RuntimeDefault') {
          problems.push(`${where}: pod seccompProfile`);
        }
        if (typeof podSc.runAsUser !== 'number' || podSc.runAsUser === 0)
          problems.push(`${where}: numeric non-root runAsUser`);
        for (const c of containersOf(pod)) {
          const sc = c.securityContext ?? {};
          const caps = sc.capabilities as { drop?: string[]; add?: string[] } | undefined;
          if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}/${c.name}: allowPrivilegeEscalation`);
          if (!caps?.drop?.includes('ALL') || (caps.add ?? []).length > 0)
            problems.push(`${where}/${c.name}: capabilities`);
          if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}/${c.name}: readOnlyRootFilesystem`);
          if (sc.privileged === true) problems.push(`${where}/${c.name}: privileged`);
          if (sc.runAsUser === 0) problems.push(`${where}/${c.name}: runs as root`);
        }
        const hostish = pod as unknown as Record<string, unknown>;
        for (const field of ['hostNetwork', 'hostPID', 'hostIPC'])
          if (hostish[field]) problems.push(`${where}: ${field}`);
        for (const v of pod.volumes ?? []) if ('hostPath' in v) problems.push(`${where}: hostPath volume ${v.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('when the MinIO Operator runs the tenant, then its pool pods are restricted too', () => {
    const tenant = find(scenario('production'), 'Tenant', 'pictor-minio');
    const pools = (
      tenant.spec as {
        pools: { securityContext: Record<string, unknown>; containerSecurityContext: Record<string, unknown> }[];
      }
    ).pools;
    for (const pool of pools) {
      expect(pool.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pool.containerSecurityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  it('when a container mounts a volume, then the pod or its claim templates define it', () => {
    const problems: string[] = [];
    for (const [name, objects] of all()) {
      for (const { object, pod } of podsOf(objects)) {
        const claims = (
          (object.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates ?? []
        ).map((c) => c.metadata.name);
        const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...claims]);
        for (const c of containersOf(pod)) {
          for (const m of c.volumeMounts ?? [])
            if (!volumes.has(m.name)) problems.push(`${name}: ${object.metadata.name}/${c.name}: ${m.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('when Pictor pods start, then none mounts a Kubernetes API token but the api with admin.enabled', () => {
    for (const [name, objects] of all()) {
      const admin = name === 'production';
      for (const { object, pod } of podsOf(objects)) {
        const expected = admin && object.metadata.name === 'pictor-api';
        expect([name, object.metadata.name, pod.automountServiceAccountToken]).toEqual([
          name,
          object.metadata.name,
          expected,
        ]);
      }
    }
  });
});

describe('probes and resources', () => {
  it('when any scenario renders, then every container states requests and a memory limit', () => {
    const problems: string[] = [];
    for (const [name, objects] of all()) {
      for (const { object, pod } of podsOf(objects)) {
        for (const c of containersOf(pod)) {
          const r = c.resources;
          if (!r?.requests?.cpu || !r.requests.memory || !r.limits?.memory) {
            problems.push(`${name}: ${object.kind}/${object.metadata.name}/${c.name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('when a long-running container serves a port, then it has readiness and liveness probes', () => {
    const problems: string[] = [];
    for (const [name, objects] of all()) {
      for (const { object, pod } of podsOf(objects)) {
        if (!['Deployment', 'StatefulSet'].includes(object.kind)) continue;
        const needsReadiness = !NO_SERVICE.has(componentOf(object));
        for (const c of pod.containers) {
          if ((needsReadiness && !c.readinessProbe) || !c.livenessProbe) {
            problems.push(`${name}: ${object.metadata.name}/${c.name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('when the api renders, then readiness asks /readyz and liveness /healthz on the http port', () => {
    const api = podsOf(scenario('default')).find((p) => p.object.metadata.name === 'pictor-api')!;
    const container = api.pod.containers[0]!;
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 8080 }));
  });

  it('when relay and worker render, then liveness asks /healthz on the metrics port, declared even without metrics', async () => {
    const objects = await render({ set: { 'metrics.enabled': false, 'relay.mode': 'deployment' } });
    for (const name of ['pictor-relay', 'pictor-worker']) {
      const container = podsOf(objects).find((p) => p.object.metadata.name === name)!.pod.containers[0]!;
      expect([name, container.livenessProbe]).toEqual([
        name,
        expect.objectContaining({ httpGet: { path: '/healthz', port: 'metrics' } }),
      ]);
      expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
      // Nothing routes traffic to them: no readiness probe to gate on.
      expect(container.readinessProbe).toBeUndefined();
    }
  });

  it('when worker probe values are given, then the worker gets them', async () => {
    const objects = await render({ set: { 'worker.livenessProbe.periodSeconds': 30 } });
    const worker = podsOf(objects).find((p) => p.object.metadata.name === 'pictor-worker')!;
    expect(worker.pod.containers[0]!.livenessProbe).toEqual(
      expect.objectContaining({ periodSeconds: 30, httpGet: { path: '/healthz', port: 'metrics' } }),
    );
  });
});

describe('labels and selectors', () => {
  const required = [
    'app.kubernetes.io/name',
    'app.kubernetes.io/instance',
    'app.kubernetes.io/component',
    'app.kubernetes.io/version',
    'app.kubernetes.io/managed-by',
    'app.kubernetes.io/part-of',
    'helm.sh/chart',
  ];

  it('when any scenario renders, then every object carries the app.kubernetes.io labels', () => {
    const problems: string[] = [];
    for (const [name, objects] of all()) {
      for (const o of objects) {
        for (const label of required)
          if (!o.metadata.labels?.[label]) problems.push(`${name}: ${o.kind}/${o.metadata.name} lacks ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('when a workload renders, then its selector matches its own pod labels and no other workload', () => {
    for (const [, objects] of all()) {
      const pods = podsOf(objects).filter((p) => ['Deployment', 'StatefulSet'].includes(p.object.kind));
      for (const { object, podMeta } of pods) {
        const selector = (object.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        expect(selector['app.kubernetes.io/component']).toBe(componentOf(object));
        expect(matches(selector, podMeta.labels)).toBe(true);
        const others = pods.filter((p) => p.object !== object && matches(selector, p.podMeta.labels));
        expect(others.map((p) => p.object.metadata.name)).toEqual([]);
      }
    }
  });

  it('when a Service, PDB, HPA, ScaledObject or route points somewhere, then the target exists', () => {
    for (const [name, objects] of all()) {
      const pods = podsOf(objects);
      for (const o of objects) {
        const spec = o.spec as Record<string, unknown>;
        if (o.kind === 'Service' || o.kind === 'PodDisruptionBudget') {
          const selector =
            o.kind === 'Service'
              ? (spec.selector as Record<string, string> | undefined)
              : (spec.selector as { matchLabels: Record<string, string> }).matchLabels;
          if (!selector) continue;
          expect([name, o.kind, o.metadata.name, pods.some((p) => matches(selector, p.podMeta.labels))]).toEqual([
            name,
            o.kind,
            o.metadata.name,
            true,
          ]);
        }
        if (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') {
          const target = (spec.scaleTargetRef as { name: string }).name;
          expect(find(objects, 'Deployment', target)).toBeDefined();
        }
        if (o.kind === 'Ingress') {
          const backend = (spec.rules as { http: { paths: { backend: { service: { name: string } } }[] } }[])[0]!.http
            .paths[0]!.backend;
          expect(find(objects, 'Service', backend.service.name).metadata.labels?.['app.kubernetes.io/component']).toBe(
            'edge',
          );
        }
        if (o.kind === 'HTTPRoute') {
          const ref = (spec.rules as { backendRefs: { name: string; port: number }[] }[])[0]!.backendRefs[0]!;
          const service = find(objects, 'Service', ref.name);
          expect((service.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(ref.port);
        }
      }
    }
  });

  it('when NetworkPolicies are on, then each one selects pods that exist', () => {
    for (const name of ['production', 'relay-deployment']) {
      const objects = scenario(name);
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      expect(policies.length).toBeGreaterThan(0);
      const pods = podsOf(objects);
      for (const policy of policies) {
        const selector = (
          policy.spec as {
            podSelector: { matchLabels: Record<string, string>; matchExpressions: { values: string[] }[] };
          }
        ).podSelector;
        const components = selector.matchExpressions[0]!.values;
        const selected = pods.filter(
          (p) =>
            matches(selector.matchLabels, p.podMeta.labels) &&
            components.includes(p.podMeta.labels?.['app.kubernetes.io/component'] ?? ''),
        );
        expect([name, policy.metadata.name, selected.length > 0]).toEqual([name, policy.metadata.name, true]);
      }
    }
  });
});

describe('autoscaling', () => {
  it('when an HPA or a ScaledObject scales a Deployment, then the Deployment has no replicas', () => {
    for (const [, objects] of all()) {
      for (const o of objects.filter((x) => x.kind === 'HorizontalPodAutoscaler' || x.kind === 'ScaledObject')) {
        const target = find(
          objects,
          'Deployment',
          (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
        );
        expect([target.metadata.name, (target.spec as Record<string, unknown>).replicas]).toEqual([
          target.metadata.name,
          undefined,
        ]);
      }
    }
  });

  it('when KEDA scales the worker, then no HPA of the chart targets it (KEDA owns one)', () => {
    const objects = scenario('production');
    find(objects, 'ScaledObject', 'pictor-worker');
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name);
    expect(hpas).not.toContain('pictor-worker');
  });

  it('when the KEDA trigger renders, then it watches the worker group on the upload topic', () => {
    const scaled = find(scenario('production'), 'ScaledObject', 'pictor-worker');
    const trigger = (scaled.spec as { triggers: { type: string; metadata: Record<string, string> }[] }).triggers[0]!;
    expect(trigger).toMatchObject({
      type: 'kafka',
      metadata: { consumerGroup: 'pictor-worker', topic: 'pictor.images.uploaded', allowIdleConsumers: 'false' },
    });
    expect(trigger.metadata.bootstrapServers).toBe('pictor-kafka-kafka-bootstrap.pictor.svc.cluster.local:9092');
  });

  it('when autoscaling is off, then the Deployments state their replicas', async () => {
    const objects = await render({
      set: {
        'api.autoscaling.enabled': false,
        'worker.autoscaling.enabled': false,
        'edge.autoscaling.enabled': false,
        'api.replicas': 3,
      },
    });
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect((find(objects, 'Deployment', 'pictor-api').spec as { replicas: number }).replicas).toBe(3);
    expect((find(objects, 'Deployment', 'pictor-worker').spec as { replicas: number }).replicas).toBe(2);
  });
});

describe('topic partitions against worker replicas', () => {
  it('when the HPA may run more workers than partitions, then the render fails and says why', async () => {
    const error = await renderError({ set: { 'worker.autoscaling.maxReplicas': 13 } });
    expect(error).toContain('config.KAFKA_TOPIC_PARTITIONS (12) must be at least the most worker replicas (13)');
  });

  it('when KEDA may run more workers than partitions, then the render fails', async () => {
    const error = await renderError({
      set: {
        'worker.autoscaling.enabled': false,
        'worker.keda.enabled': true,
        'worker.keda.maxReplicaCount': 30,
        'config.KAFKA_TOPIC_PARTITIONS': 24,
      },
    });
    expect(error).toContain('(24) must be at least the most worker replicas (30)');
  });

  it('when fixed replicas exceed the partitions, then the render fails', async () => {
    const error = await renderError({
      set: { 'worker.autoscaling.enabled': false, 'worker.replicas': 4, 'config.KAFKA_TOPIC_PARTITIONS': 3 },
    });
    expect(error).toContain('(3) must be at least the most worker replicas (4)');
  });

  it('when partitions equal the most workers, then it renders and Strimzi topics get those partitions', async () => {
    const objects = await render({
      set: { 'worker.autoscaling.maxReplicas': 16, 'config.KAFKA_TOPIC_PARTITIONS': 16, 'kafka.mode': 'strimzi' },
    });
    const topics = objects.filter((o) => o.kind === 'KafkaTopic');
    expect(topics.map((t) => (t.spec as { topicName: string }).topicName).sort()).toEqual([
      'pictor.images.uploaded',
      'pictor.images.uploaded.dlq',
      'pictor.notifications',
      'pictor.notifications.dlq',
    ]);
    for (const t of topics) expect((t.spec as { partitions: number }).partitions).toBe(16);
    expect(find(objects, 'ConfigMap', 'pictor-config').data?.KAFKA_TOPIC_PARTITIONS).toBe('16');
  });
});

describe('hooks and CronJobs', () => {
  const annotations = (o: K8sObject) => o.metadata.annotations ?? {};

  it('when the chart runs its own database, then migrations run after install and before every upgrade', () => {
    const job = find(scenario('default'), 'Job', 'pictor-migrate');
    expect(annotations(job)).toMatchObject({
      'helm.sh/hook': 'post-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    expect((job.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!.args).toEqual(
      ['--target=migrate'],
    );
  });

  it('when the database is external, then migrations run before install and before every upgrade', () => {
    const job = find(scenario('external'), 'Job', 'pictor-migrate');
    expect(annotations(job)['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    // Before install the ConfigMap does not exist yet: the hook carries its configuration inline.
    const container = (job.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
    expect(container.envFrom).toBeUndefined();
    expect(container.env?.map((e) => e.name)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS', 'S3_ENDPOINT', 'REDIS_URL']),
    );
  });

  it('when MinIO is the chart’s, then the bucket Job is part of the release, renamed when its setup changes', async () => {
    // Not a hook: `helm install --wait` runs post-install hooks only once the api is ready, and the
    // api is not ready before its bucket and user exist.
    const objects = scenario('default');
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('pictor-bucket-'))!;
    const config = find(objects, 'ConfigMap', 'pictor-bucket');
    expect(annotations(job)['helm.sh/hook']).toBeUndefined();
    expect(annotations(config)['helm.sh/hook']).toBeUndefined();
    expect(job.metadata.name).toMatch(/^pictor-bucket-[0-9a-f]{8}$/);
    const policy = JSON.parse(config.data!['public-read.json']!) as {
      Statement: { Action: string[]; Resource: string[] }[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::pictor/public/*'] }),
    ]);
    const bucketJob = async (set: Record<string, unknown>) =>
      (await render({ set })).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('pictor-bucket-'))!.metadata
        .name;
    expect(await bucketJob({})).toBe(job.metadata.name);
    expect(await bucketJob({ 'objectStorage.bucket': 'media' })).not.toBe(job.metadata.name);
  });

  it('when the lifecycle jobs are enabled, then they are CronJobs that never overlap, with history limits and a time zone', () => {
    const objects = scenario('production');
    for (const [name, schedule] of [
      ['pictor-cleanup', '*/10 * * * *'],
      ['pictor-backup', '30 2 * * *'],
    ] as const) {
      const cron = find(objects, 'CronJob', name);
      expect(cron.spec).toMatchObject({
        schedule,
        timeZone: 'Europe/Berlin',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
      });
      const container = podsOf([cron])[0]!.pod.containers[0]!;
      expect(container.args).toEqual([`--target=${name.replace('pictor-', '')}`]);
      // Jobs made from the template by hand (kubectl, the admin API) escape the history limits:
      // the template's TTL removes them.
      const template = (cron.spec as { jobTemplate: { spec: { ttlSecondsAfterFinished?: number } } }).jobTemplate;
      expect(template.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    }
  });

  it('when the defaults render, then cleanup and backup CronJobs exist, the backup with its retention', () => {
    const objects = scenario('default');
    expect(
      objects
        .filter((o) => o.kind === 'CronJob')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['pictor-backup', 'pictor-cleanup']);
    const backup = podsOf([find(objects, 'CronJob', 'pictor-backup')])[0]!.pod.containers[0]!;
    expect(backup.env).toEqual(
      expect.arrayContaining([
        { name: 'BACKUP_KEEP_LAST', value: '7' },
        { name: 'BACKUP_KEEP_DAILY', value: '7' },
        { name: 'BACKUP_KEEP_WEEKLY', value: '4' },
      ]),
    );
  });

  it('when helm test runs, then its pod uploads through the edge Service', () => {
    const pod = find(scenario('default'), 'Pod', 'pictor-test');
    expect(annotations(pod)['helm.sh/hook']).toBe('test');
    const container = podsOf([pod])[0]!.pod.containers[0]!;
    expect(container.env).toContainEqual({ name: 'EDGE_URL', value: 'http://pictor-edge:80' });
  });
});

describe('notes and dashboards', () => {
  it('when Pictor is installed, then the notes say how to reach it and how to run a backup now', async () => {
    const result = await helm([
      'install',
      'pictor',
      CHART_DIR,
      '--namespace',
      'pictor',
      '--dry-run=client',
      '--values',
      scenarios().find((s) => s.name === 'production')!.file,
    ]);
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('https://img.example.com');
    expect(notes).toContain('kubectl -n pictor create job --from=cronjob/pictor-backup ');
    expect(notes).toContain('helm test pictor -n pictor');
  });

  it('when dashboards are shipped in dashboards/, then each becomes a ConfigMap Grafana’s sidecar picks up', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'pictor-chart-'));
    try {
      await cp(CHART_DIR, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}tests`) });
      await mkdir(path.join(copy, 'dashboards'), { recursive: true });
      const dashboard = JSON.stringify({ title: 'Pictor overview', panels: [] });
      await writeFile(path.join(copy, 'dashboards', 'pictor-overview.json'), dashboard);
      const objects = await render({ chart: copy, set: { 'monitoring.dashboards.enabled': true } });
      const map = find(objects, 'ConfigMap', 'pictor-dashboard-pictor-overview');
      expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(JSON.parse(map.data!['pictor-overview.json']!)).toEqual(JSON.parse(dashboard));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('configuration', () => {
  it('when the settings of packages/config change, then values.schema.json follows (UPDATE_CHART_SCHEMA=1 rewrites it)', async () => {
    const file = path.join(CHART_DIR, 'values.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { properties: Record<string, unknown> };
    const expected = configValuesSchema();
    if (process.env.UPDATE_CHART_SCHEMA === '1') {
      schema.properties.config = expected;
      const options = { ...(await prettier.resolveConfig(file)), parser: 'json' };
      writeFileSync(file, await prettier.format(JSON.stringify(schema), options));
    }
    expect(schema.properties.config).toEqual(expected);
  });

  it('when a Pictor container starts, then every variable it gets is one Pictor reads', () => {
    const known = new Set<string>([...Object.keys(SETTINGS), ...FORTHCOMING]);
    for (const [name, objects] of all()) {
      const config = find(objects, 'ConfigMap', 'pictor-config');
      for (const key of Object.keys(config.data ?? {})) expect([name, key, known.has(key)]).toEqual([name, key, true]);
      for (const { object, pod } of podsOf(objects)) {
        if (!pod.containers[0]?.args?.[0]?.startsWith('--target=')) continue;
        const env = pod.containers[0].env ?? [];
        // A variable Pictor does not read is there only to be put into a later one by Kubernetes'
        // `$(NAME)` expansion (a key from a Secret inside S3_REPLICAS): it must be used so.
        const expanded = (name: string) =>
          env.some((other, i) => i > env.findIndex((e) => e.name === name) && other.value?.includes(`$(${name})`));
        for (const e of env)
          expect([object.metadata.name, e.name, known.has(e.name) || expanded(e.name)]).toEqual([
            object.metadata.name,
            e.name,
            true,
          ]);
      }
    }
  });

  it('when every scenario renders, then each setting the chart owns reaches the Pictor containers', () => {
    for (const [name, objects] of all()) {
      const config = find(objects, 'ConfigMap', 'pictor-config').data ?? {};
      const api = podsOf(objects).find((p) => p.object.metadata.name === 'pictor-api')!.pod.containers[0]!;
      const given = new Set([...Object.keys(config), ...(api.env ?? []).map((e) => e.name), 'PICTOR_TARGET']);
      for (const owned of CHART_OWNED) expect([name, owned, given.has(owned)]).toEqual([name, owned, true]);
      expect(api.args).toEqual(['--target=api']);
    }
  });

  it('when a large number is set, then the environment holds its digits, not an exponent', async () => {
    const objects = await render({
      set: { 'config.MAX_UPLOAD_BYTES': 104857600, 'config.MAX_IMAGE_PIXELS': 268402689 },
    });
    const data = find(objects, 'ConfigMap', 'pictor-config').data!;
    expect(data.MAX_UPLOAD_BYTES).toBe('104857600');
    expect(data.MAX_IMAGE_PIXELS).toBe('268402689');
    expect(find(scenario('production'), 'ConfigMap', 'pictor-config').data!.MAX_UPLOAD_BYTES).toBe('52428800');
  });

  it('when no PUBLIC_URL is given, then links are built on the first Ingress host, https when it has TLS', async () => {
    expect(find(scenario('default'), 'ConfigMap', 'pictor-config').data!.PUBLIC_URL).toBe('http://pictor.localhost');
    const tls = await render({ set: { 'ingress.tls': [{ secretName: 'cert', hosts: ['pictor.localhost'] }] } });
    expect(find(tls, 'ConfigMap', 'pictor-config').data!.PUBLIC_URL).toBe('https://pictor.localhost');
    expect(find(scenario('production'), 'ConfigMap', 'pictor-config').data!.PUBLIC_URL).toBe('https://img.example.com');
  });

  it('when the configuration changes, then the checksum annotation rolls the pods', async () => {
    const before = find(scenario('default'), 'Deployment', 'pictor-api');
    const after = find(await render({ set: { 'config.LOG_LEVEL': 'debug' } }), 'Deployment', 'pictor-api');
    const checksum = (o: K8sObject) =>
      (o.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[
        'checksum/config'
      ];
    expect(checksum(before)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(after)).not.toBe(checksum(before));
  });
});

describe('values schema', () => {
  it.each([
    ['an unknown top-level key', { replicaCount: 3 }, 'replicaCount'],
    ['a misspelt nested key', { 'api.replica': 3 }, 'replica'],
    ['an unknown Pictor setting', { 'config.MAX_UPLOAD_MB': 10 }, 'MAX_UPLOAD_MB'],
    ['a string where a number belongs', { 'api.replicas': 'two' }, 'replicas'],
    ['a mode that does not exist', { 'kafka.mode': 'zookeeper' }, 'mode'],
    ['a log level Pictor does not have', { 'config.LOG_LEVEL': 'verbose' }, 'LOG_LEVEL'],
  ])('when values hold %s, then the render fails naming it', async (_what, set, name) => {
    const error = await renderError({ set });
    expect(error).toMatch(/values don't meet the specifications of the schema|schema/i);
    expect(error).toContain(name);
  });

  it.each([
    [
      'both an Ingress and an HTTPRoute',
      { 'gatewayApi.httpRoute.enabled': true, 'gatewayApi.httpRoute.parentRefs': [{ name: 'gw' }] },
      'Choose one way in',
    ],
    [
      'an external database without its Secret',
      { 'postgresql.mode': 'external' },
      'postgresql.external.existingSecret',
    ],
    ['a MinIO of three pods', { 'objectStorage.minio.replicas': 3 }, 'minimum'],
    [
      'a replication factor above one on the single bundled broker',
      { 'config.KAFKA_REPLICATION_FACTOR': 3 },
      'must be 1',
    ],
  ])('when values ask for %s, then the render fails with the reason', async (_what, set, reason) => {
    expect(await renderError({ set })).toContain(reason);
  });

  it('when helm lints each scenario strictly, then it finds nothing', async () => {
    for (const { file } of scenarios()) {
      const result = await helm(['lint', '--strict', CHART_DIR, '--values', file]);
      expect([file, result.code, result.stdout.includes('[ERROR]') || result.stdout.includes('[WARNING]')]).toEqual([
        file,
        0,
        false,
      ]);
    }
  });
});
