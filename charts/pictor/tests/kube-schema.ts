import path from 'node:path';
import ts from 'typescript';
import { CHART_DIR, type K8sObject } from '@pictor/test-harness/chart';

/**
 * Offline validation of rendered objects, two ways:
 *
 * 1. The models' own validators (`kubernetes-models`, `@kubernetes-models/gateway-api`, `keda`,
 *    `prometheus-operator`): types, formats, required fields, as the API server's OpenAPI would.
 * 2. A strict walk of each object against the model's TypeScript declaration, with the type
 *    checker: every field must exist in the model (the validators, like an API server without
 *    strict field validation, let unknown fields through and drop them silently), and every
 *    value must have the declared type. The operators without a models package (Strimzi,
 *    CloudNativePG, MinIO Operator) are walked against operator-crds.ts the same way.
 */

interface ModelRef {
  /** Module that declares the model (the same path as its runtime class). */
  module: string;
  /** Interface name exported by that module. */
  iface: string;
  /** Whether a runtime validator exists (false for operator-crds.ts). */
  runtime: boolean;
}

const CORE_GROUPS = new Set([
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
]);
const OPERATOR_CRDS: Record<string, string> = {
  'kafka.strimzi.io/v1/Kafka': 'IStrimziKafka',
  'kafka.strimzi.io/v1/KafkaNodePool': 'IStrimziKafkaNodePool',
  'kafka.strimzi.io/v1/KafkaTopic': 'IStrimziKafkaTopic',
  'postgresql.cnpg.io/v1/Cluster': 'ICnpgCluster',
  'minio.min.io/v2/Tenant': 'IMinioTenant',
};

export function modelOf(apiVersion: string, kind: string): ModelRef {
  const crd = OPERATOR_CRDS[`${apiVersion}/${kind}`];
  if (crd) return { module: path.join(CHART_DIR, 'tests/operator-crds.js'), iface: crd, runtime: false };
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  let module: string | undefined;
  if (group === '') module = `kubernetes-models/${version}/${kind}`;
  else if (CORE_GROUPS.has(group)) module = `kubernetes-models/${group}/${version}/${kind}`;
  else if (group === 'gateway.networking.k8s.io') module = `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  else if (group === 'keda.sh') module = `@kubernetes-models/keda/${group}/${version}/${kind}`;
  else if (group === 'monitoring.coreos.com')
    module = `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  if (!module)
    throw new Error(`no model known for ${apiVersion} ${kind}: add one to kube-schema.ts or operator-crds.ts`);
  return { module, iface: `I${kind}`, runtime: true };
}

interface ValidatableModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatableModel;

/** Problems the model's runtime validator finds (empty when valid). */
export async function runtimeProblems(object: K8sObject): Promise<string[]> {
  const ref = modelOf(object.apiVersion, object.kind);
  if (!ref.runtime) return [];
  const mod = (await import(ref.module)) as Record<string, ModelClass>;
  const Model = mod[object.kind];
  if (!Model) throw new Error(`${ref.module} exports no ${object.kind}`);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [String(error instanceof Error ? error.message : error)];
  }
}

/** Checks objects against the TypeScript declarations of their models. */
export class StrictFieldChecker {
  private readonly checker: ts.TypeChecker;
  private readonly types = new Map<string, ts.Type>();

  /** Builds one program over the models of every (apiVersion, kind) given. */
  constructor(kinds: { apiVersion: string; kind: string }[]) {
    const unique = new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k]));
    const lines: string[] = [];
    const aliases = new Map<string, string>();
    [...unique.entries()].forEach(([key, k], i) => {
      const ref = modelOf(k.apiVersion, k.kind);
      lines.push(`import type { ${ref.iface} as M${i} } from ${JSON.stringify(ref.module)};`);
      lines.push(`export type T${i} = M${i};`);
      aliases.set(key, `T${i}`);
    });
    // A virtual entry file in the chart's tests folder, so packages resolve from the repository.
    const entry = path.join(CHART_DIR, 'tests', '__models__.ts');
    const text = lines.join('\n');
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const fileExists = host.fileExists.bind(host);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (file) => file === entry || fileExists(file);
    host.readFile = (file) => (file === entry ? text : readFile(file));
    host.getSourceFile = (file, language, ...rest) =>
      file === entry ? ts.createSourceFile(file, text, language) : getSourceFile(file, language, ...rest);
    const program = ts.createProgram([entry], options, host);
    const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (problems.length > 0) {
      throw new Error(
        `the model declarations do not compile:\n${problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n')}`,
      );
    }
    this.checker = program.getTypeChecker();
    const moduleSymbol = this.checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const exported = this.checker.getExportsOfModule(moduleSymbol);
    for (const [key, alias] of aliases) {
      const symbol = exported.find((s) => s.name === alias)!;
      this.types.set(key, this.checker.getDeclaredTypeOfSymbol(symbol));
    }
  }

  /** Every field that is unknown to the model, of the wrong type, or missing while required. */
  problems(object: K8sObject): string[] {
    const type = this.types.get(`${object.apiVersion}/${object.kind}`);
    if (!type) throw new Error(`no model loaded for ${object.apiVersion} ${object.kind}`);
    const problems: string[] = [];
    this.walk(object, type, '', problems);
    return problems;
  }

  private walk(value: unknown, type: ts.Type, at: string, problems: string[]): void {
    const candidates = (type.isUnion() ? type.types : [type]).filter(
      (t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)),
    );
    if (candidates.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
    const where = at || '/';
    const describe = () => candidates.map((t) => this.checker.typeToString(t)).join(' | ');

    if (value === null || value === undefined) return; // Kubernetes treats null as unset.
    if (Array.isArray(value)) {
      const array = candidates.find((t) => this.checker.isArrayType(t) || this.checker.isTupleType(t));
      if (!array) return void problems.push(`${where}: an array where the model has ${describe()}`);
      const element = this.checker.getTypeArguments(array as ts.TypeReference)[0]!;
      value.forEach((item, i) => this.walk(item, element, `${at}/${i}`, problems));
      return;
    }
    if (typeof value === 'object') {
      const objects = candidates.filter((t) => t.flags & ts.TypeFlags.Object && !this.checker.isArrayType(t));
      if (objects.length === 0) return void problems.push(`${where}: an object where the model has ${describe()}`);
      const record = value as Record<string, unknown>;
      for (const [key, field] of Object.entries(record)) {
        const owner = objects.find((t) => this.checker.getPropertyOfType(t, key));
        if (owner) {
          const property = this.checker.getPropertyOfType(owner, key)!;
          this.walk(field, this.checker.getTypeOfSymbol(property), `${at}/${key}`, problems);
          continue;
        }
        const index = objects.map((t) => this.checker.getIndexInfoOfType(t, ts.IndexKind.String)).find(Boolean);
        if (index) this.walk(field, index.type, `${at}/${key}`, problems);
        else problems.push(`${at}/${key}: unknown field (not in ${describe()})`);
      }
      if (objects.length === 1) {
        for (const property of this.checker.getPropertiesOfType(objects[0]!)) {
          if (!(property.flags & ts.SymbolFlags.Optional) && !(property.name in record)) {
            problems.push(`${where}: required field ${property.name} is missing`);
          }
        }
      }
      return;
    }
    const literals = candidates.filter((t) => t.isStringLiteral() || t.isNumberLiteral());
    const accepts =
      (typeof value === 'string' &&
        (candidates.some((t) => t.flags & ts.TypeFlags.String) ||
          literals.some((t) => (t as ts.LiteralType).value === value))) ||
      (typeof value === 'number' &&
        (candidates.some((t) => t.flags & ts.TypeFlags.Number) ||
          literals.some((t) => (t as ts.LiteralType).value === value))) ||
      (typeof value === 'boolean' && candidates.some((t) => t.flags & ts.TypeFlags.BooleanLike));
    if (!accepts) problems.push(`${where}: ${JSON.stringify(value)} where the model has ${describe()}`);
  }
}
