import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { find, podsOf, render, REPO_DIR, testTools } from '@pictor/test-harness/chart';

const read = (file: string) => readFileSync(path.join(REPO_DIR, file), 'utf8');

function hadolint(dockerfile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(testTools().hadolint, ['--no-color', '-'], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    }).stdin!.end(dockerfile);
  });
}

/** The instructions of the Dockerfile's last stage, continuation lines joined. */
function runtimeStage(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const last = lines
    .map((l, i) => (/^FROM\s/i.test(l) ? i : -1))
    .filter((i) => i >= 0)
    .pop()!;
  return lines.slice(last);
}

describe('the container image', () => {
  const dockerfile = read('Dockerfile');

  it('when hadolint lints the Dockerfile, then it finds nothing', async () => {
    const { code, output } = await hadolint(dockerfile);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('when hadolint lints a Dockerfile with a known mistake, then it fails (the lint really runs)', async () => {
    const { code, output } = await hadolint('FROM node:latest\nRUN cd /app && npm install\n');
    expect(code).not.toBe(0);
    expect(output).toMatch(/DL3007|DL3003/);
  });

  it('when the image runs, then it is a numeric non-root user under tini', () => {
    const stage = runtimeStage(dockerfile);
    expect(stage.find((l) => l.startsWith('USER'))).toMatch(/^USER [1-9][0-9]*:[1-9][0-9]*$/);
    expect(stage.find((l) => l.startsWith('ENTRYPOINT'))).toContain('"/usr/bin/tini", "--", "node"');
    // The chart's pod security context runs as the same user the image declares.
    const values = parse(read('charts/pictor/values.yaml')) as { podSecurityContext: { runAsUser: number } };
    expect(stage.find((l) => l.startsWith('USER'))).toBe(
      `USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsUser}`,
    );
  });

  it('when backups run, then pg_dump is not older than the bundled PostgreSQL', () => {
    const client = Number(/postgresql-client-(\d+)/.exec(runtimeStage(dockerfile).join('\n'))?.[1]);
    const values = parse(read('charts/pictor/values.yaml')) as { postgresql: { bundled: { image: { tag: string } } } };
    const server = Number(/^(\d+)/.exec(values.postgresql.bundled.image.tag)?.[1]);
    expect(client).toBeGreaterThanOrEqual(17);
    expect(client).toBeGreaterThanOrEqual(server);
  });

  it('when the image is built, then its Node.js is the major the repository needs', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    const major = /^ARG NODE_VERSION=(\d+)\./m.exec(dockerfile)?.[1];
    expect(pkg.engines.node).toContain(`>=${major}.`);
    expect(dockerfile).toMatch(/^ARG RUNTIME_BASE=docker\.io\/library\/node:\$\{NODE_VERSION\}-trixie-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{RUNTIME_BASE\} AS runtime$/m);
  });

  it('when the image is labelled, then it carries the OCI annotations', () => {
    for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'vendor']) {
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    }
  });

  it('when the build context is sent, then dependencies, builds and git stay out of it', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git']) expect(ignored).toContain(entry);
  });
});

describe('the development loop', () => {
  it('when kind creates the cluster, then the node publishes ports 80 and 443 on the host', () => {
    const kind = parse(read('kind-config.yaml')) as {
      apiVersion: string;
      name: string;
      nodes: { labels?: Record<string, string>; extraPortMappings: { containerPort: number; hostPort: number }[] }[];
    };
    expect(kind.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    const mappings = kind.nodes.flatMap((n) => n.extraPortMappings.map((m) => [m.containerPort, m.hostPort]));
    expect(mappings).toEqual(
      expect.arrayContaining([
        [80, 80],
        [443, 443],
      ]),
    );
    expect(kind.nodes[0]!.labels).toEqual({ 'ingress-ready': 'true' });
  });

  it('when skaffold deploys, then it builds the Dockerfile into the image the chart runs, on the kind cluster', () => {
    const skaffold = parse(read('skaffold.yaml')) as {
      apiVersion: string;
      build: { local: { push: boolean }; artifacts: { image: string; docker: { dockerfile: string } }[] };
      deploy: {
        kubeContext: string;
        helm: { releases: { chartPath: string; valuesFiles: string[]; setValueTemplates: Record<string, string> }[] };
      };
    };
    const kind = parse(read('kind-config.yaml')) as { name: string };
    expect(skaffold.apiVersion).toBe('skaffold/v4beta14');
    expect(skaffold.build.local.push).toBe(false);
    expect(skaffold.build.artifacts[0]).toMatchObject({ image: 'pictor', docker: { dockerfile: 'Dockerfile' } });
    expect(skaffold.deploy.kubeContext).toBe(`kind-${kind.name}`);
    const release = skaffold.deploy.helm.releases[0]!;
    expect(release.chartPath).toBe('charts/pictor');
    expect(release.setValueTemplates).toEqual({
      'image.repository': '{{.IMAGE_REPO_pictor}}',
      'image.tag': '{{.IMAGE_TAG_pictor}}',
    });
    for (const file of release.valuesFiles) expect(() => read(file)).not.toThrow();
  });

  it('when the chart renders with the development values, then the api runs the skaffold image once, not autoscaled', async () => {
    const objects = await render({ values: [path.join(REPO_DIR, 'k8s/dev-values.yaml')], set: { 'image.tag': 'dev' } });
    const api = find(objects, 'Deployment', 'pictor-api');
    expect((api.spec as { replicas: number }).replicas).toBe(1);
    expect(podsOf([api])[0]!.pod.containers[0]!.image).toBe('pictor:dev');
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('when the restore runbook is applied, then its Job is a restricted pod on the restore target', () => {
    const job = parse(read('k8s/restore-job.yaml')) as {
      kind: string;
      spec: { template: { spec: { containers: { args: string[]; securityContext: Record<string, unknown> }[] } } };
    };
    expect(job.kind).toBe('Job');
    const container = job.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(['--target=restore', '--from=latest']);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });
});
