import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { find, NAMESPACE, podsOf, RELEASE, render, type K8sObject } from '@pictor/test-harness/chart';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';

/**
 * Generated credentials must survive `helm upgrade`: a new PostgreSQL password on every upgrade
 * would lock Pictor out of its own database. The chart reads the live Secret with `lookup`,
 * which only runs against an API server, so these renders use --dry-run=server against a fake
 * one that holds the Secrets of a previous install.
 */
let api: FakeApiServer;

beforeAll(async () => {
  api = await startFakeApiServer(RELEASE);
});
afterAll(async () => {
  await api.stop();
});
beforeEach(() => api.clear());

const serverRender = () =>
  render({ args: ['--dry-run=server', '--disable-openapi-validation', '--kubeconfig', api.kubeconfig] });
const decoded = (objects: K8sObject[], name: string) => {
  const secret = find(objects, 'Secret', name);
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
};

const previous = {
  'pictor-postgresql': { password: 'pg-password-of-the-first-install' },
  'pictor-minio': { 'root-user': 'root-user-first', 'root-password': 'root-password-of-the-first-install' },
  'pictor-minio-pictor': { 'access-key': 'access-key-first', 'secret-key': 'secret-key-of-the-first-install' },
  'pictor-valkey': { password: 'valkey-password-of-the-first-install' },
};

describe('generated secrets', () => {
  it('when nothing is installed yet, then every credential is generated, long and random', async () => {
    const [first, second] = [await serverRender(), await serverRender()];
    expect(api.requests).toContain(`/api/v1/namespaces/${NAMESPACE}/secrets/pictor-postgresql`);
    for (const [name, keys] of Object.entries(previous)) {
      for (const key of Object.keys(keys)) {
        const value = decoded(first, name)[key]!;
        expect(value).toMatch(/^[A-Za-z0-9]{20,}$/);
        expect(decoded(second, name)[key]).not.toBe(value);
      }
    }
  });

  it('when the chart generates a credential, then helm uninstall keeps its Secret, as it keeps the data', async () => {
    const objects = await render({ set: { 'admin.enabled': true } });
    const generated = objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    expect(generated.sort()).toEqual([...Object.keys(previous), 'pictor-admin'].sort());
    for (const name of generated)
      expect(find(objects, 'Secret', name).metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
  });

  it('when the Secrets exist (an upgrade, or an install over the Secrets an uninstall kept), then every credential keeps its value', async () => {
    for (const [name, data] of Object.entries(previous)) api.setSecret(NAMESPACE, name, data);
    const objects = await serverRender();
    for (const [name, data] of Object.entries(previous)) expect(decoded(objects, name)).toMatchObject(data);
    // URLs derived from a kept password are rebuilt from it, not from a new one.
    expect(decoded(objects, 'pictor-postgresql')['database-url']).toBe(
      `postgresql://pictor:pg-password-of-the-first-install@pictor-postgresql.${NAMESPACE}.svc.cluster.local:5432/pictor`,
    );
    expect(decoded(objects, 'pictor-valkey')['redis-url']).toBe(
      `redis://:valkey-password-of-the-first-install@pictor-valkey.${NAMESPACE}.svc.cluster.local:6379/0`,
    );
  });

  it('when the Secrets exist, then two upgrades give the same checksum, so pods do not roll for nothing', async () => {
    for (const [name, data] of Object.entries(previous)) api.setSecret(NAMESPACE, name, data);
    const checksum = (objects: K8sObject[]) =>
      podsOf([find(objects, 'Deployment', 'pictor-api')])[0]!.podMeta.annotations!['checksum/secrets'];
    expect(checksum(await serverRender())).toBe(checksum(await serverRender()));
  });

  it('when a kept Secret lacks a key, then only that key is generated', async () => {
    api.setSecret(NAMESPACE, 'pictor-minio', { 'root-user': 'root-user-first' });
    const minio = decoded(await serverRender(), 'pictor-minio');
    expect(minio['root-user']).toBe('root-user-first');
    expect(minio['root-password']).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('when existing Secrets are named, then the chart generates none of them and the pods read those', async () => {
    const objects = await render({
      set: {
        'postgresql.bundled.existingSecret': 'my-pg',
        'redis.valkey.existingSecret': 'my-valkey',
        'objectStorage.minio.existingSecret': 'my-minio',
      },
    });
    const secrets = objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    expect(secrets).toEqual(['pictor-minio-pictor']);
    const env = podsOf([find(objects, 'Deployment', 'pictor-api')])[0]!.pod.containers[0]!.env!;
    expect(env).toContainEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'my-pg', key: 'database-url' } },
    });
    expect(env).toContainEqual({
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: 'my-valkey', key: 'redis-url' } },
    });
  });
});
