// The engines by name: servers that startEngines() runs, binaries that are only provisioned.

/** Engines that run as servers started by startEngines(). */
export const SERVER_ENGINES = ['postgres', 'redis', 'kafka', 'minio'] as const;
/** Engines that are only provisioned and resolved (tests start them with their own config). */
export const BINARY_ENGINES = ['nginx', 'prometheus', 'chromium', 'docker', 'schemathesis', 'kubernetes'] as const;
export const ALL_ENGINES = [...SERVER_ENGINES, ...BINARY_ENGINES] as const;

export type ServerEngineName = (typeof SERVER_ENGINES)[number];
export type EngineName = (typeof ALL_ENGINES)[number];

/** The engines named by `only` (a list, or a comma-separated string); every engine when absent. */
export function normalizeOnly(only: Iterable<string> | string | undefined | null): EngineName[] {
  if (only === undefined || only === null) return [...ALL_ENGINES];
  const names = typeof only === 'string' ? only.split(',') : [...only];
  for (const name of names) {
    if (!ALL_ENGINES.includes(name as EngineName)) {
      throw new Error(`unknown engine "${name}" (known: ${ALL_ENGINES.join(', ')})`);
    }
  }
  return ALL_ENGINES.filter((name) => names.includes(name));
}
