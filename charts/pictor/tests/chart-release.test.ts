import { readFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseDocument } from 'yaml';
import { CHART_DIR, render, scenarios, type K8sObject, type RenderOptions } from '@pictor/test-harness/chart';

/**
 * `helm upgrade` patches each object of the release in place, and the API server refuses a patch
 * that touches an immutable field (`Job.batch "…" is invalid: spec.template: … field is
 * immutable`), leaving the release half-upgraded. So for every change an operator makes release
 * after release (a new image tag, a new chart version, labels, pull secrets, the pod security
 * context), an object that keeps its name must keep its immutable fields; hooks are deleted and
 * created again (before-hook-creation) instead.
 */

type Change = { name: string; options: () => RenderOptions };

let bumpedChart: string;
const changes: Change[] = [
  { name: 'a new image tag', options: () => ({ set: { 'image.tag': '0.2.0' } }) },
  { name: 'a new chart version', options: () => ({ chart: bumpedChart }) },
  { name: 'new commonLabels', options: () => ({ set: { commonLabels: { team: 'media' } } }) },
  { name: 'pull secrets', options: () => ({ set: { imagePullSecrets: [{ name: 'registry' }] } }) },
  { name: 'another fsGroup', options: () => ({ set: { 'podSecurityContext.fsGroup': 20001 } }) },
];

const rendered = new Map<string, K8sObject[]>();
const key = (scenario: string, change?: string) => `${scenario}|${change ?? ''}`;
const objectsOf = (scenario: string, change?: string) => {
  const objects = rendered.get(key(scenario, change));
  if (!objects) throw new Error(`${key(scenario, change)} was not rendered`);
  return objects;
};

beforeAll(async () => {
  // The same chart with the next version (and appVersion), as a release of it would be.
  bumpedChart = await mkdtemp(path.join(tmpdir(), 'pictor-chart-'));
  await cp(CHART_DIR, bumpedChart, { recursive: true, filter: (src) => !src.includes(`${path.sep}tests`) });
  const chartYaml = parseDocument(await readFile(path.join(CHART_DIR, 'Chart.yaml'), 'utf8'));
  chartYaml.set('version', '0.2.0');
  chartYaml.set('appVersion', '0.2.0');
  await writeFile(path.join(bumpedChart, 'Chart.yaml'), chartYaml.toString());

  for (const { name, file } of scenarios()) {
    rendered.set(key(name), await render({ values: [file] }));
    for (const change of changes) {
      const options = change.options();
      rendered.set(key(name, change.name), await render({ ...options, values: [file] }));
    }
  }
}, 300_000);

afterAll(async () => {
  await rm(bumpedChart, { recursive: true, force: true });
});

const isHook = (o: K8sObject) => o.metadata.annotations?.['helm.sh/hook'] !== undefined;

/** What the API server will not change on an existing object of this kind (undefined: nothing checked). */
function immutable(o: K8sObject): unknown {
  const spec = o.spec ?? {};
  switch (o.kind) {
    case 'Job':
      // The template and selector are immutable, and the chart names its Job after all of its spec.
      return spec;
    case 'StatefulSet': {
      const {
        replicas,
        ordinals,
        template,
        updateStrategy,
        persistentVolumeClaimRetentionPolicy,
        minReadySeconds,
        ...rest
      } = spec;
      void [replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds];
      return rest;
    }
    case 'Deployment':
    case 'DaemonSet':
      return spec.selector;
    default:
      return undefined;
  }
}

const bucketJob = (objects: K8sObject[]) => {
  const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('pictor-bucket-'));
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
};

describe('helm upgrade of a running release', () => {
  it.each(changes.map((c) => [c.name]))(
    'when an upgrade brings %s, then every object that keeps its name keeps its immutable fields',
    (change) => {
      let compared = 0;
      for (const { name } of scenarios()) {
        const before = objectsOf(name);
        const after = objectsOf(name, change);
        for (const next of after) {
          if (isHook(next)) continue;
          const previous = before.find((o) => o.kind === next.kind && o.metadata.name === next.metadata.name);
          if (!previous || immutable(next) === undefined) continue;
          expect({ object: `${name}: ${next.kind}/${next.metadata.name}`, fields: immutable(next) }).toEqual({
            object: `${name}: ${next.kind}/${next.metadata.name}`,
            fields: immutable(previous),
          });
          compared += 1;
        }
      }
      // Deployments and StatefulSets of every scenario at least: the check never passes on nothing.
      expect(compared).toBeGreaterThan(10);
    },
  );

  it('when the image tag or the chart version changes, then the bucket Job stays as it is and does not run again', () => {
    const before = bucketJob(objectsOf('default'));
    for (const change of ['a new image tag', 'a new chart version']) {
      const after = bucketJob(objectsOf('default', change));
      expect(after.metadata.name).toBe(before.metadata.name);
      expect(after.spec).toEqual(before.spec);
      // The Job's own labels are not immutable: they tell the release's version like every object's.
      expect(after.metadata.labels?.['app.kubernetes.io/version']).toBe('0.2.0');
    }
  });

  it('when labels, pull secrets or the pod security context change, then the bucket Job gets a new name', () => {
    const before = bucketJob(objectsOf('default'));
    for (const change of ['new commonLabels', 'pull secrets', 'another fsGroup']) {
      const after = bucketJob(objectsOf('default', change));
      expect(after.metadata.name).not.toBe(before.metadata.name);
      expect(after.metadata.name).toMatch(/^pictor-bucket-[0-9a-f]{8}$/);
    }
  });

  it('when a Job is a hook, then Helm deletes the previous one before creating it again', () => {
    const hookJobs = [...rendered.values()].flat().filter((o) => o.kind === 'Job' && isHook(o));
    expect(hookJobs.length).toBeGreaterThan(0);
    for (const job of hookJobs) {
      expect(job.metadata.annotations?.['helm.sh/hook-delete-policy']?.split(',')).toContain('before-hook-creation');
    }
  });
});

/**
 * What `helm uninstall` leaves in the namespace, by Helm's rules: it deletes the objects of the
 * release but those marked `helm.sh/resource-policy: keep`; it never deletes hooks (only their
 * delete policy does: `hook-succeeded` once they succeed); and the claims a StatefulSet made from
 * its volumeClaimTemplates outlive it unless its retention policy deletes them.
 */
function leftAfterUninstall(objects: K8sObject[]): string[] {
  const left: string[] = [];
  for (const o of objects) {
    const annotations = o.metadata.annotations ?? {};
    if (isHook(o)) {
      if (!annotations['helm.sh/hook-delete-policy']?.split(',').includes('hook-succeeded'))
        left.push(`${o.kind}/${o.metadata.name} (hook)`);
    } else if (annotations['helm.sh/resource-policy'] === 'keep') {
      left.push(`${o.kind}/${o.metadata.name}`);
    }
    if (o.kind === 'StatefulSet') {
      const spec = o.spec as {
        volumeClaimTemplates?: { metadata: { name: string } }[];
        persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string };
      };
      if (spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete') continue;
      for (const claim of spec.volumeClaimTemplates ?? [])
        left.push(`PersistentVolumeClaim/${claim.metadata.name}-${o.metadata.name}-*`);
    }
  }
  return left.sort();
}

describe('helm uninstall', () => {
  it('when the default release is uninstalled, then only the data and the credentials it was made with remain', () => {
    expect(leftAfterUninstall(objectsOf('default'))).toEqual([
      'PersistentVolumeClaim/data-pictor-kafka-*',
      'PersistentVolumeClaim/data-pictor-minio-*',
      'PersistentVolumeClaim/data-pictor-postgresql-*',
      'Secret/pictor-minio',
      'Secret/pictor-minio-pictor',
      'Secret/pictor-postgresql',
      'Secret/pictor-valkey',
    ]);
  });

  it('when operators or external services hold the data, then uninstall leaves only the credentials the chart made', () => {
    // production: the MinIO Tenant's volumes were initialised with the root credentials of
    // pictor-minio, and the admin token is kept like every generated credential.
    expect(leftAfterUninstall(objectsOf('production'))).toEqual([
      'Secret/pictor-admin',
      'Secret/pictor-minio',
      'Secret/pictor-minio-pictor',
    ]);
    // external: nothing bundled, nothing generated, nothing left.
    expect(leftAfterUninstall(objectsOf('external'))).toEqual([]);
  });

  it('when migrations succeed, then their hook Job is deleted, so uninstall leaves no Job behind', () => {
    for (const objects of rendered.values()) {
      const migrate = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'pictor-migrate');
      expect(migrate?.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    }
  });
});
