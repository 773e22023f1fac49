import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, repoPath } from '@pictor/test-engines';
import { parseAllDocuments } from 'yaml';

// Helm renders of the chart under test (charts/pictor), for the chart's own tests and the
// integration tests that run what it renders.

/** The chart under test and the repository around it. */
export const CHART_DIR = repoPath('charts/pictor');
export const REPO_DIR = path.resolve(REPO_ROOT);

/** Helm's release and namespace in every render, so names are predictable: `pictor-<component>`. */
export const RELEASE = 'pictor';
export const NAMESPACE = 'pictor';
/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) is what renders are checked on. */
export const KUBE_VERSION = '1.30.0';

/** A Kubernetes object as Helm rendered it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Tools {
  helm: string;
  hadolint: string;
}

/**
 * The pinned Helm and hadolint. The chart project's jest globalSetup (@pictor/test-engines, jest-chart-setup.ts)
 * provisions them with tools.sh into ~/.cache/pictor/tools before any test runs, and passes
 * their paths in the environment; a test never builds or fetches anything under its timeout.
 */
export function testTools(): Tools {
  const helm = process.env.PICTOR_HELM_BIN;
  const hadolint = process.env.PICTOR_HADOLINT_BIN;
  if (!helm || !hadolint) {
    throw new Error(
      'PICTOR_HELM_BIN and PICTOR_HADOLINT_BIN are not set: run the chart tests through jest ' +
        '(--selectProjects chart), whose globalSetup provisions them, or set them to the output of charts/pictor/tests/tools.sh',
    );
  }
  return { helm, hadolint };
}

/** The ci/*-values.yaml scenarios, by name (default, production, external). */
export function scenarios(): { name: string; file: string }[] {
  return readdirSync(path.join(CHART_DIR, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/-values\.yaml$/, ''), file: path.join(CHART_DIR, 'ci', f) }));
}

export interface RenderOptions {
  /** Another copy of the chart (default: the chart under test). */
  chart?: string;
  /** Values files, in order. */
  values?: string[];
  /** Values set on the command line, typed (`--set-json`). */
  set?: Record<string, unknown>;
  /** Further helm arguments (e.g. --is-upgrade, --dry-run=server, --kubeconfig). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[], env?: NodeJS.ProcessEnv): Promise<HelmResult> {
  const { helm: bin } = testTools();
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: '/tmp/pictor-helm-cache', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function templateArgs(options: RenderOptions): string[] {
  const args = [
    'template',
    RELEASE,
    options.chart ?? CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
  ];
  for (const file of options.values ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {}))
    args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  return [...args, ...(options.args ?? [])];
}

/** `helm template` output as text; rejects with Helm's message when the render fails. */
export async function renderText(options: RenderOptions = {}): Promise<string> {
  const result = await helm(templateArgs(options), options.env);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

/** `helm template` output as objects (hooks and tests included). */
export async function render(options: RenderOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await renderText(options));
}

/** Helm's error message of a render that must fail; rejects when it renders. */
export async function renderError(options: RenderOptions = {}): Promise<string> {
  const result = await helm(templateArgs(options), options.env);
  if (result.code === 0) throw new Error('helm template rendered, but a failure was expected');
  return result.stderr;
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map(String).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

/** One object by kind and name; throws when absent, so a test never checks nothing. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} among: ${have}`);
  }
  return found;
}

export interface PodTemplateOwner {
  object: K8sObject;
  pod: PodSpec;
  podMeta: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: unknown[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: { name: string }[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  restartPolicy?: string;
}

/** Every pod the objects would create, with the object that owns its template. */
export function podsOf(objects: K8sObject[]): PodTemplateOwner[] {
  const pods: PodTemplateOwner[] = [];
  for (const object of objects) {
    type Template = { metadata?: PodTemplateOwner['podMeta']; spec: PodSpec };
    const spec = object.spec as { template?: Template; jobTemplate?: { spec?: { template?: Template } } } | undefined;
    let template: Template | undefined;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind)) template = spec?.template;
    else if (object.kind === 'CronJob') template = spec?.jobTemplate?.spec?.template;
    else if (object.kind === 'Pod') template = { metadata: object.metadata, spec: object.spec as unknown as PodSpec };
    if (template) pods.push({ object, pod: template.spec, podMeta: template.metadata ?? {} });
  }
  return pods;
}
