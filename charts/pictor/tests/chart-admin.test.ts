import { beforeAll, describe, expect, it } from '@jest/globals';
import { find, NAMESPACE, podsOf, render, renderError, type K8sObject } from '@pictor/test-harness/chart';

/**
 * The admin API's access to the Kubernetes API: off by default; with admin.enabled, a Role that
 * allows exactly what creating a backup Job from the CronJob needs, bound to the api's own
 * ServiceAccount, whose token only the api pods mount.
 */
let off: K8sObject[];
let on: K8sObject[];

beforeAll(async () => {
  off = await render();
  on = await render({ set: { 'admin.enabled': true, 'networkPolicy.enabled': true } });
}, 120_000);

const apiPod = (objects: K8sObject[]) => podsOf([find(objects, 'Deployment', 'pictor-api')])[0]!.pod;
const rbac = (objects: K8sObject[]) =>
  objects.filter((o) => ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));

describe('admin disabled (the default)', () => {
  it('when the chart renders, then there is no RBAC, no admin Secret, no api ServiceAccount, and no pod mounts a token', () => {
    expect(rbac(off)).toEqual([]);
    expect(off.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).not.toContain('pictor-admin');
    expect(off.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).not.toContain('pictor-api');
    for (const { object, pod } of podsOf(off)) {
      expect([object.metadata.name, pod.automountServiceAccountToken]).toEqual([object.metadata.name, false]);
    }
    const env = apiPod(off).containers[0]!.env!.map((e) => e.name);
    expect(env).not.toContain('ADMIN_TOKEN');
    expect(env).not.toContain('BACKUP_CRONJOB');
  });
});

describe('admin enabled', () => {
  it('when the chart renders, then the Role allows exactly get on the backup CronJob and create, get, list on Jobs', () => {
    expect(rbac(on).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Role/pictor-admin',
      'RoleBinding/pictor-admin',
    ]);
    const role = find(on, 'Role', 'pictor-admin');
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(role.rules).toEqual([
      { apiGroups: ['batch'], resources: ['cronjobs'], resourceNames: ['pictor-backup'], verbs: ['get'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list'] },
    ]);
    // The CronJob it names is the one the chart renders.
    find(on, 'CronJob', 'pictor-backup');
  });

  it('when the chart renders, then the Role is bound to the api’s own ServiceAccount, which only the api pods use and mount', () => {
    const binding = find(on, 'RoleBinding', 'pictor-admin');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pictor-admin' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pictor-api', namespace: NAMESPACE }]);
    expect(find(on, 'ServiceAccount', 'pictor-api').automountServiceAccountToken).toBe(false);
    for (const { object, pod } of podsOf(on)) {
      const isApi = object.metadata.name === 'pictor-api';
      expect([object.metadata.name, pod.automountServiceAccountToken]).toEqual([object.metadata.name, isApi]);
      if (isApi) expect(pod.serviceAccountName).toBe('pictor-api');
      else if (pod.serviceAccountName) expect(pod.serviceAccountName).not.toBe('pictor-api');
    }
  });

  it('when the api starts, then it gets the token from the generated Secret, the CronJob and the namespace; no other pod gets them', () => {
    const env = apiPod(on).containers[0]!.env!;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'pictor-admin', key: 'admin-token' } } },
        { name: 'BACKUP_CRONJOB', value: 'pictor-backup' },
        { name: 'KUBERNETES_NAMESPACE', value: NAMESPACE },
      ]),
    );
    const token = Buffer.from(find(on, 'Secret', 'pictor-admin').data!['admin-token']!, 'base64').toString();
    expect(token).toMatch(/^[A-Za-z0-9]{40}$/);
    for (const { object, pod } of podsOf(on)) {
      if (object.metadata.name === 'pictor-api') continue;
      for (const c of pod.containers) expect(c.env?.map((e) => e.name) ?? []).not.toContain('ADMIN_TOKEN');
    }
    expect(find(on, 'ConfigMap', 'pictor-config').data).not.toHaveProperty('ADMIN_TOKEN');
  });

  it('when an existing Secret is named, then none is generated and the api reads that one', async () => {
    const objects = await render({
      set: { 'admin.enabled': true, 'admin.existingSecret': 'ops-admin', 'admin.tokenKey': 'token' },
    });
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).not.toContain('pictor-admin');
    expect(apiPod(objects).containers[0]!.env).toContainEqual({
      name: 'ADMIN_TOKEN',
      valueFrom: { secretKeyRef: { name: 'ops-admin', key: 'token' } },
    });
  });

  it('when NetworkPolicies are on, then the api may reach the Kubernetes API server', () => {
    const policy = find(on, 'NetworkPolicy', 'pictor-api');
    const egress = (policy.spec as { egress: { ports?: { port: number }[]; to?: unknown }[] }).egress;
    expect(egress).toContainEqual({
      ports: [
        { port: 443, protocol: 'TCP' },
        { port: 6443, protocol: 'TCP' },
      ],
    });
    const without = find(off, 'ConfigMap', 'pictor-config');
    expect(without).toBeDefined();
  });

  it('when backups are off, then the admin API cannot be turned on: the render fails saying why', async () => {
    expect(await renderError({ set: { 'admin.enabled': true, 'backup.enabled': false } })).toContain(
      'admin.enabled needs backup.enabled',
    );
  });
});
