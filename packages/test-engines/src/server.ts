// What each server engine module provides to startEngines() and engineControl().

import type { Log } from './common.ts';
import type { EngineName } from './names.ts';
import type { EnginePaths, EngineRecord } from './state.ts';

export interface PrepareContext {
  dir: string;
  /** The engine's free ports, as many as it needs (its `portsNeeded`). */
  ports: [number, number];
  paths: EnginePaths;
  log: Log;
}

/** A server engine: how to set it up once, how many ports it takes, how to tell it is ready. */
export interface ServerEngine {
  portsNeeded: number;
  readyTimeoutMs: number;
  /** First-time setup in its directory; returns the record to launch. */
  prepare(context: PrepareContext): Promise<EngineRecord>;
  /** Resolves truthy only when the engine really answers. */
  ready(record: EngineRecord): Promise<boolean>;
}

/** A Debian package set an engine needs: what to install and how to find it afterwards. */
export interface DebianRequirement {
  engine: EngineName;
  packages: string[];
  find: () => boolean;
  what: string;
}
