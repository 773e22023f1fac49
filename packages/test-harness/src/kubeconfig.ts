import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A kubeconfig (in a temporary directory of its own) that points at a stand-in Kubernetes API
 * server on loopback, with a bearer token and optionally a default namespace.
 */
export async function writeLoopbackKubeconfig(options: {
  port: number;
  token: string;
  namespace?: string;
}): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-kubeconfig-'));
  const file = path.join(dir, 'kubeconfig');
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      // client-node refuses plain HTTP unless TLS verification is off, as for any loopback stand-in.
      `- name: fake\n  cluster:\n    server: http://127.0.0.1:${options.port}\n    insecure-skip-tls-verify: true`,
      'users:',
      `- name: fake\n  user:\n    token: ${options.token}`,
      'contexts:',
      `- name: fake\n  context:\n    cluster: fake\n    user: fake${options.namespace ? `\n    namespace: ${options.namespace}` : ''}`,
      'current-context: fake',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { path: file, remove: () => rm(dir, { recursive: true, force: true }) };
}
