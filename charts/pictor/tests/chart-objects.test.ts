import { beforeAll, describe, expect, it } from '@jest/globals';
import { render, scenarios, type K8sObject } from '@pictor/test-harness/chart';
import { runtimeProblems, StrictFieldChecker } from './kube-schema.js';

/** Scenarios beyond ci/: the other branches of the templates, so every object kind gets checked. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  'relay deployment, two drives per MinIO pod, NetworkPolicies over bundled services': {
    'relay.mode': 'deployment',
    'objectStorage.minio.drivesPerNode': 2,
    'networkPolicy.enabled': true,
    'metrics.enabled': true,
    'monitoring.serviceMonitor.enabled': true,
    'worker.autoscaling.enabled': false,
    'ingress.tls': [{ secretName: 'pictor-tls', hosts: ['pictor.localhost'] }],
  },
  'external everything with NetworkPolicies': {
    'objectStorage.mode': 'external',
    'objectStorage.external.endpoint': 'https://s3.eu-west-1.amazonaws.com',
    'objectStorage.external.existingSecret': 'pictor-s3',
    'postgresql.mode': 'external',
    'postgresql.external.existingSecret': 'pictor-db',
    'kafka.mode': 'external',
    'kafka.external.brokers': 'kafka:9092',
    'redis.mode': 'external',
    'redis.external.existingSecret': 'pictor-redis',
    'networkPolicy.enabled': true,
  },
};

const rendered: { name: string; objects: K8sObject[] }[] = [];
let checker: StrictFieldChecker;

beforeAll(async () => {
  for (const { name, file } of scenarios()) rendered.push({ name, objects: await render({ values: [file] }) });
  for (const [name, set] of Object.entries(VARIANTS)) rendered.push({ name, objects: await render({ set }) });
  checker = new StrictFieldChecker(rendered.flatMap((r) => r.objects));
}, 600_000);

describe('rendered objects against their schemas', () => {
  it('when every scenario renders, then every object passes its model validator', async () => {
    const problems: string[] = [];
    for (const { name, objects } of rendered) {
      for (const object of objects) {
        for (const problem of await runtimeProblems(object))
          problems.push(`${name}: ${object.kind}/${object.metadata.name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('when every scenario renders, then no object has a field its model does not know or a value of the wrong type', () => {
    const problems = rendered.flatMap(({ name, objects }) =>
      objects.flatMap((o) => checker.problems(o).map((p) => `${name}: ${o.kind}/${o.metadata.name}${p}`)),
    );
    expect(problems).toEqual([]);
  });

  it('when the scenarios render, then every kind the chart can produce was checked', () => {
    const kinds = new Set(rendered.flatMap((r) => r.objects.map((o) => o.kind)));
    for (const kind of [
      'Deployment',
      'StatefulSet',
      'Job',
      'CronJob',
      'Pod',
      'Service',
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Ingress',
      'HTTPRoute',
      'NetworkPolicy',
      'ScaledObject',
      'ServiceMonitor',
      'PodMonitor',
      'PrometheusRule',
      'Kafka',
      'KafkaNodePool',
      'KafkaTopic',
      'Cluster',
      'Tenant',
    ]) {
      expect(kinds).toContain(kind);
    }
  });
});

describe('the strict field check itself', () => {
  const deployment = (): K8sObject =>
    structuredClone(rendered[0]!.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pictor-api')!);

  it('when a container carries a misspelt field, then the check names it', () => {
    const object = deployment();
    const spec = object.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
    spec.template.spec.containers[0]!.resource = { limits: { cpu: '1' } };
    expect(checker.problems(object)).toEqual([
      expect.stringContaining('/spec/template/spec/containers/0/resource: unknown field'),
    ]);
  });

  it('when a field has the wrong type, then the check names it', () => {
    const object = deployment();
    (object.spec as Record<string, unknown>).revisionHistoryLimit = 'five';
    expect(checker.problems(object)).toEqual([expect.stringContaining('/spec/revisionHistoryLimit: "five"')]);
  });

  it('when an operator resource has a field outside its API, then the check names it', async () => {
    const objects = await render({ set: { 'kafka.mode': 'strimzi' } });
    const topic = structuredClone(objects.find((o) => o.kind === 'KafkaTopic')!);
    (topic.spec as Record<string, unknown>).partition = 3;
    expect(checker.problems(topic)).toEqual([expect.stringContaining('/spec/partition: unknown field')]);
  });
});
