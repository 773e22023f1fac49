import type { Config } from '@pictor/config';
import { NotificationHub, type EventBus, type ObjectStore } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import type { Registry } from 'prom-client';
import type { RelayHandle } from '@pictor/relay';
import type { CacheAdapters, OpenedDatabase } from './adapters.js';
import type { RestoreOptions } from '../targets/restore.js';

/** What modules hand on to the modules started after them. */
export interface Provided {
  database: OpenedDatabase;
  objects: ObjectStore;
  bus: EventBus;
  cache: CacheAdapters;
  /** This process's registry: each component creates its own instruments on it. */
  registry: Registry;
  metricsPort: number;
  relay: RelayHandle;
  port: number;
}

/** Options of a start that do not come from the environment. */
export interface PictorOptions {
  /** The built web page (apps/web/dist by default). */
  webDir?: string;
  /** `--target=restore`: what to restore. */
  restore?: RestoreOptions;
}

/**
 * The state modules share while they start: the configuration, and what each module provides
 * (the database, the bus, the metrics, …) for the modules that depend on it.
 */
export class PictorContext {
  /** In-app notifications reach open pages of this process at once (all-in-one). */
  readonly hub = new NotificationHub();
  /** Reasons for `/healthz` to ask for a restart, registered by the modules that know them. */
  readonly healthChecks: (() => string | undefined)[] = [];
  /** Set when the process is stopping: the api answers 503 to new work meanwhile. */
  shuttingDown = false;
  /** What a one-shot target's module produced (a backup's key, a cleanup's report, …). */
  result: unknown;
  private readonly provided = new Map<keyof Provided, unknown>();

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly options: PictorOptions = {},
  ) {}

  provide<K extends keyof Provided>(name: K, value: Provided[K]): void {
    this.provided.set(name, value);
  }

  has(name: keyof Provided): boolean {
    return this.provided.has(name);
  }

  /** What a module provided; a module may use only what its own dependencies provide. */
  use<K extends keyof Provided>(name: K): Provided[K] {
    if (!this.provided.has(name)) {
      throw new Error(`${name} is not part of target ${this.config.target} (a module uses it without depending on it)`);
    }
    return this.provided.get(name) as Provided[K];
  }

  /** What was provided under `name`, if a module did. */
  find<K extends keyof Provided>(name: K): Provided[K] | undefined {
    return this.provided.get(name) as Provided[K] | undefined;
  }
}
