import { beforeAll, describe, expect, it } from '@jest/globals';
import { find, podsOf, render, renderError, type K8sObject } from '@pictor/test-harness/chart';

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

  it('when enabled without sites or the Secret of the replicas, then the render fails saying what is missing', async () => {
    expect(await renderError({ set: { 'objectStorage.replication.enabled': true } })).toMatch(
      /objectStorage\.replication\.sites, or objectStorage\.replication\.existingSecret/,
    );
  });
});

interface PodSpecLike {
  affinity?: {
    nodeAffinity?: unknown;
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution: {
        podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } };
      }[];
    };
  };
  containers: { command?: string[]; env?: EnvVar[] }[];
}

describe('objectStorage.replication.sites (ci/replicas-values.yaml)', () => {
  let sites: K8sObject[];
  beforeAll(async () => {
    sites = await render({ values: [new URL('../ci/replicas-values.yaml', import.meta.url).pathname] });
  }, 120_000);

  it('when a site is bundled, then it runs as its own MinIO StatefulSet with a PVC, a Secret and a Service, away from the primary’s zone', () => {
    const set = find(sites, 'StatefulSet', 'pictor-minio-replica-eu2') as K8sObject & {
      spec: {
        replicas: number;
        volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[];
        template: { spec: PodSpecLike };
      };
    };
    expect(set.spec.replicas).toBe(1);
    expect(set.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('10Gi');
    const pod = set.spec.template.spec;
    expect(pod.containers[0]!.command).toContain('/data');
    const env = Object.fromEntries((pod.containers[0]!.env ?? []).map((e) => [e.name, e]));
    expect(env.MINIO_ROOT_PASSWORD?.valueFrom?.secretKeyRef).toEqual({
      name: 'pictor-minio-replica-eu2',
      key: 'root-password',
    });
    const away = pod.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution[0]!.podAffinityTerm;
    expect(away.topologyKey).toBe('topology.kubernetes.io/zone');
    expect(away.labelSelector.matchLabels['app.kubernetes.io/component']).toBe('minio');
    expect(find(sites, 'Secret', 'pictor-minio-replica-eu2')).toBeDefined();
    expect(find(sites, 'Service', 'pictor-minio-replica-eu2')).toBeDefined();
    // The external site is reached, not run.
    expect(sites.some((o) => o.metadata.name === 'pictor-minio-replica-us')).toBe(false);
  });

  it('when a bundled site names a zone, then it is required there', async () => {
    const zoned = await render({
      values: [new URL('../ci/replicas-values.yaml', import.meta.url).pathname],
      set: { 'objectStorage.replication.sites[0].bundled.zone': 'eu-central-1b' },
    });
    const set = find(zoned, 'StatefulSet', 'pictor-minio-replica-eu2') as K8sObject & {
      spec: { template: { spec: PodSpecLike } };
    };
    expect(JSON.stringify(set.spec.template.spec.affinity?.nodeAffinity)).toContain('eu-central-1b');
  });

  it('when sites are listed, then the api and the storage-setup Job get S3_REPLICAS with locations and public endpoints, keys only by reference', () => {
    const api = podsOf(sites).find((p) => p.object.metadata.name === 'pictor-api')!.pod.containers[0]!.env as EnvVar[];
    const job = find(sites, 'Job', 'pictor-storage-setup') as K8sObject & {
      spec: { template: { spec: { containers: { env: EnvVar[] }[] } } };
    };
    for (const env of [api, job.spec.template.spec.containers[0]!.env]) {
      const replicas = env.find((e) => e.name === 'S3_REPLICAS')!.value!;
      expect(replicas).toBe(
        'eu2=http://pictor-minio-replica-eu2.pictor.svc.cluster.local:9000 at=50.11,8.68 public=https://eu2.s3.example.org access=$(PICTOR_REPLICA_0_ACCESS_KEY) secret=$(PICTOR_REPLICA_0_SECRET_KEY); ' +
          'us=https://s3.us.example.org at=US,CA,na public=https://s3.us.example.org access=$(PICTOR_REPLICA_1_ACCESS_KEY) secret=$(PICTOR_REPLICA_1_SECRET_KEY)',
      );
      // Kubernetes expands $(VAR) only from variables defined before it.
      const at = (name: string) => env.findIndex((e) => e.name === name);
      expect(at('PICTOR_REPLICA_1_SECRET_KEY')).toBeLessThan(at('S3_REPLICAS'));
      expect(env[at('PICTOR_REPLICA_0_ACCESS_KEY')]!.valueFrom?.secretKeyRef).toEqual({
        name: 'pictor-minio-replica-eu2',
        key: 'root-user',
      });
      expect(env[at('PICTOR_REPLICA_1_SECRET_KEY')]!.valueFrom?.secretKeyRef).toEqual({
        name: 'pictor-replica-us',
        key: 'secret-key',
      });
    }
  });

  it('when NetworkPolicies are on, then the primary may push to the bundled site, which takes S3 from the primary, the api and storage-setup', () => {
    interface Policy {
      spec: {
        podSelector: { matchExpressions: { values: string[] }[] };
        policyTypes: string[];
        ingress?: { from?: { podSelector?: { matchExpressions: { values: string[] }[] } }[] }[];
        egress?: { to?: { podSelector?: { matchExpressions?: { values: string[] }[] } }[] }[];
      };
    }
    const push = find(sites, 'NetworkPolicy', 'pictor-minio-replication') as K8sObject & Policy;
    expect(push.spec.podSelector.matchExpressions[0]!.values).toEqual(['minio']);
    expect(JSON.stringify(push.spec.egress)).toContain('minio-replica-eu2');
    const site = find(sites, 'NetworkPolicy', 'pictor-minio-replicas') as K8sObject & Policy;
    expect(site.spec.podSelector.matchExpressions[0]!.values).toEqual(['minio-replica-eu2']);
    expect(site.spec.ingress![0]!.from![0]!.podSelector!.matchExpressions[0]!.values).toEqual([
      'minio',
      'api',
      'storage-setup',
    ]);
    const clients = find(sites, 'NetworkPolicy', 'pictor-replica-clients') as K8sObject & Policy;
    expect(clients.spec.podSelector.matchExpressions[0]!.values).toEqual(['api', 'storage-setup']);
  });
});
