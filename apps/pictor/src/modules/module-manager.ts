/** What a started module leaves behind: how to stop it (nothing to stop: undefined). */
export type Stop = () => Promise<void>;

/** One module: what must run before it, and how to start it on the shared context. */
export interface ModuleDefinition<Name extends string, Context> {
  /** Modules this one needs; they are started with it whenever it is, before it. */
  deps: readonly Name[];
  /**
   * Modules this one must follow when the target has them too, without pulling them in (the api
   * wakes the relay of its own process when there is one; stopping in reverse then stops the
   * api first).
   */
  after?: readonly Name[];
  start(context: Context): Promise<Stop | undefined>;
}

export type ModuleTable<Name extends string, Context> = Record<Name, ModuleDefinition<Name, Context>>;

export class ModuleGraphError extends Error {}

/**
 * The modules to start for `wanted`, with their dependencies, in start order: every module after
 * everything it depends on or must follow, otherwise in the order they are asked for. Throws on a
 * cycle or an unknown module.
 */
export function startOrder<Name extends string, Context>(
  table: ModuleTable<Name, Context>,
  wanted: readonly Name[],
): Name[] {
  // Everything `wanted` pulls in through `deps`.
  const included = new Set<Name>();
  const include = (name: Name, path: readonly Name[]) => {
    const module = table[name] as ModuleDefinition<Name, Context> | undefined;
    if (!module)
      throw new ModuleGraphError(`unknown module ${name}${path.length ? ` (needed by ${path.at(-1)})` : ''}`);
    if (included.has(name)) return;
    included.add(name);
    for (const dep of module.deps) include(dep, [...path, name]);
  };
  for (const name of wanted) include(name, []);

  const order: Name[] = [];
  const state = new Map<Name, 'visiting' | 'done'>();
  const visit = (name: Name, path: readonly Name[]) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new ModuleGraphError(`module cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    const module = table[name];
    for (const before of [...module.deps, ...(module.after ?? []).filter((n) => included.has(n))]) {
      visit(before, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of included) visit(name, []);
  return order;
}

/**
 * Starts `order` one module at a time and returns one stop that stops them in reverse. When a
 * module fails to start, the ones already started are stopped before the error is rethrown.
 */
export async function startModules<Name extends string, Context>(
  table: ModuleTable<Name, Context>,
  order: readonly Name[],
  context: Context,
  onStopError: (module: Name, error: unknown) => void,
): Promise<() => Promise<void>> {
  const started: { name: Name; stop: Stop | undefined }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of started.splice(0).reverse()) {
      await stop?.().catch((error: unknown) => onStopError(name, error));
    }
  };
  try {
    for (const name of order) started.push({ name, stop: await table[name].start(context) });
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
