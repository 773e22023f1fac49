import { SETTINGS } from '@pictor/config';

/**
 * Settings the chart derives from its own sections (mode of each dependency, the target of each
 * workload, the container's port and scratch directory). Every other setting is a key of the
 * chart's `config` value, under its environment variable's name.
 */
export const CHART_OWNED = [
  'PICTOR_TARGET',
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'S3_REGION',
  'KAFKA_BROKERS',
  'REDIS_URL',
  'RELAY_IN_API',
  'METRICS_PORT',
  'METRICS_HOST',
] as const;

/**
 * Settings the chart sets on the api with `admin.enabled`: the token from a Secret (a secret is
 * never a `config` key, which lands in a ConfigMap), the CronJob and namespace from the release.
 */
export const CHART_OWNED_ADMIN = ['ADMIN_TOKEN', 'BACKUP_CRONJOB', 'KUBERNETES_NAMESPACE'] as const;

/** Settings with no use in a cluster: pods reach the Kubernetes API with their service account. */
export const OUTSIDE_CLUSTER_ONLY = ['KUBECONFIG'] as const;

/** Names the chart sets before Pictor reads them (none at the moment). */
export const FORTHCOMING: readonly string[] = [];

interface ZodLike {
  def?: { type?: string; innerType?: ZodLike; in?: ZodLike };
  options?: readonly string[];
  minValue?: number | null;
  maxValue?: number | null;
}

function settingSchema(schema: ZodLike, description: string): Record<string, unknown> {
  let s = schema;
  // Unwrap optional(…) and pipe(…): the environment always holds strings in the end.
  while (s.def?.type === 'optional' && s.def.innerType) s = s.def.innerType;
  const type = s.def?.type;
  if (type === 'enum' && s.options) return { description, enum: [...s.options] };
  if (type === 'number') {
    const out: Record<string, unknown> = { description, type: ['integer', 'string'], pattern: '^[0-9]+$' };
    // Bounds the application states (zod's unbounded ones are ±MAX_SAFE_INTEGER or 0 for positive).
    if (typeof s.minValue === 'number' && s.minValue > 0) out.minimum = s.minValue;
    if (typeof s.maxValue === 'number' && s.maxValue < Number.MAX_SAFE_INTEGER) out.maximum = s.maxValue;
    return out;
  }
  return { description, type: 'string' };
}

/**
 * The `config` part of values.schema.json, generated from packages/config's settings: the names,
 * descriptions and types are the README table's, so the chart cannot drift from the application.
 */
export function configValuesSchema(): Record<string, unknown> {
  const owned = new Set<string>([...CHART_OWNED, ...CHART_OWNED_ADMIN, ...OUTSIDE_CLUSTER_ONLY]);
  const properties: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (owned.has(name) || ('secret' in setting && setting.secret)) continue;
    properties[name] = settingSchema(setting.schema, setting.description);
  }
  return {
    type: 'object',
    description:
      "Pictor's settings by environment variable name (the README's configuration table). The chart sets " +
      `${CHART_OWNED.join(', ')} itself, and ${CHART_OWNED_ADMIN.join(', ')} with admin.enabled.`,
    additionalProperties: false,
    properties,
  };
}
