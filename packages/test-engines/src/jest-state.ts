// The set jest's globalSetup started, handed to its globalTeardown (both run in jest's main process).

import type { EngineSet } from './engine-set.ts';

declare global {
  var __PICTOR_ENGINES__: EngineSet | undefined;
}

export function keepEngineSet(set: EngineSet): void {
  globalThis.__PICTOR_ENGINES__ = set;
}

/** The set kept by keepEngineSet (once), or undefined when the engines were reused. */
export function takeEngineSet(): EngineSet | undefined {
  const set = globalThis.__PICTOR_ENGINES__;
  delete globalThis.__PICTOR_ENGINES__;
  return set;
}
