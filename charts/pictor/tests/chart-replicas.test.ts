import { beforeAll, describe, expect, it } from '@jest/globals';
import { find, podsOf, render, renderError, type K8sObject } from './chart.js';

/** objectStorage.replication: the storage-setup hook Job, the replicas reaching the api, NetworkPolicies. */
let objects: K8sObject[];

beforeAll(async () => {
  objects = await render({
    set: {
      'objectStorage.replication.enabled': true,
      'objectStorage.replication.existingSecret': 'pictor-replicas',
      'objectStorage.replication.egressCidrs': ['10.20.0.0/16'],
      'networkPolicy.enabled': true,
    },
  });
}, 120_000);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

describe('objectStorage.replication', () => {
  it('when enabled, then a post-install/upgrade hook Job runs storage-setup with the MinIO client and the root user', () => {
    const job = find(objects, 'Job', 'pictor-storage-setup') as K8sObject & {
      metadata: { annotations: Record<string, string> };
      spec: {
        template: {
          spec: {
            initContainers: { image: string; command: string[] }[];
            containers: { args: string[]; env: EnvVar[] }[];
          };
        };
      };
    };
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade');
    const pod = job.spec.template.spec;
    expect(pod.initContainers[0]!.image).toContain('minio/mc');
    const container = pod.containers[0]!;
    expect(container.args).toEqual(['--target=storage-setup']);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
    expect(env.S3_REPLICAS?.valueFrom?.secretKeyRef).toEqual({ name: 'pictor-replicas', key: 'S3_REPLICAS' });
    expect(env.MINIO_CLIENT_PATH?.value).toBe('/tools/mc');
    expect(env.S3_ACCESS_KEY?.valueFrom?.secretKeyRef?.key).toBe('root-user');
  });

  it('when enabled, then the api gets S3_REPLICAS from the Secret and the worker does not', () => {
    const pods = podsOf(objects);
    const envOf = (name: string) =>
      (pods.find((p) => p.object.metadata.name === name)!.pod.containers[0]!.env ?? []) as EnvVar[];
    expect(envOf('pictor-api').find((e) => e.name === 'S3_REPLICAS')?.valueFrom?.secretKeyRef?.name).toBe(
      'pictor-replicas',
    );
    expect(envOf('pictor-worker').some((e) => e.name === 'S3_REPLICAS')).toBe(false);
  });

  it('when NetworkPolicies are on, then the api and the storage-setup Job may reach the replicas’ blocks', () => {
    const api = find(objects, 'NetworkPolicy', 'pictor-api') as K8sObject & {
      spec: { egress: { to?: { ipBlock?: { cidr: string } }[] }[] };
    };
    expect(api.spec.egress.some((rule) => rule.to?.some((to) => to.ipBlock?.cidr === '10.20.0.0/16'))).toBe(true);
    const processes = find(objects, 'NetworkPolicy', 'pictor-processes') as K8sObject & {
      spec: {
        podSelector: { matchExpressions?: { values: string[] }[] };
        egress: { to?: { ipBlock?: { cidr: string } }[] }[];
      };
    };
    expect(JSON.stringify(processes.spec.podSelector)).toContain('storage-setup');
    expect(processes.spec.egress.some((rule) => rule.to?.some((to) => to.ipBlock?.cidr === '10.20.0.0/16'))).toBe(true);
  });

  it('when disabled (the default), then there is no storage-setup Job', async () => {
    const plain = await render();
    expect(plain.some((o) => o.kind === 'Job' && o.metadata.name === 'pictor-storage-setup')).toBe(false);
  });

  it('when enabled without the Secret of the replicas, then the render fails saying what is missing', async () => {
    expect(await renderError({ set: { 'objectStorage.replication.enabled': true } })).toMatch(
      /objectStorage\.replication\.existingSecret/,
    );
  });
});
