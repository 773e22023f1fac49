import type { Config, Target } from '@pictor/config';
import { ERRORS } from '@pictor/core';
import { EmbeddedDatabaseBusyError } from '@pictor/sql';
import { startBus, startCache, startDatabase, startObjects } from './modules/adapters.js';
import type { PictorContext } from './modules/context.js';
import { startHttp } from './modules/http.module.js';
import { startMetrics } from './modules/metrics.module.js';
import type { ModuleTable } from './modules/module-manager.js';
import { startNotifierModule } from './modules/notifier.module.js';
import { observeOutbox, observeWorkerLag, startRelayModule, startWorkerModule } from './modules/pipeline.module.js';
import { backupOnce } from './targets/backup.js';
import { cleanupOnce, startCleanupSchedule } from './targets/cleanup.js';
import { applyMigrations } from './targets/migrate.js';
import { restoreOnce } from './targets/restore.js';
import { runStorageSetup } from './targets/storage-setup.js';

export type ModuleName =
  | 'database'
  | 'migrations'
  | 'objects'
  | 'bus'
  | 'cache'
  | 'metrics'
  | 'outbox-metrics'
  | 'worker-lag'
  | 'worker'
  | 'notifier'
  | 'relay'
  | 'cleanup-schedule'
  | 'http'
  | 'storage-setup'
  | 'cleanup-once'
  | 'backup-once'
  | 'restore-once';

/** Modules that use the database run after the migrations when their target applies them (`all`). */
const MIGRATED = ['migrations'] as const;

/**
 * Every module of Pictor: what it needs (`deps`, started before it and stopped after it), what
 * it must follow when the target has it too (`after`), and how it starts (returning its stop).
 * A target starts its modules in this order and stops them in reverse, so the shutdown order
 * follows from here: the api stops taking uploads first, the metrics server and the adapters
 * close last.
 */
export const MODULES: ModuleTable<ModuleName, PictorContext> = {
  database: { deps: [], start: startDatabase },
  migrations: { deps: ['database'], start: applyMigrations },
  objects: { deps: [], start: startObjects },
  bus: { deps: [], start: startBus },
  cache: { deps: [], start: startCache },
  metrics: { deps: [], start: startMetrics },
  'outbox-metrics': { deps: ['database', 'metrics'], start: observeOutbox },
  'worker-lag': { deps: ['bus', 'metrics'], start: observeWorkerLag },
  worker: { deps: ['database', 'objects', 'bus', 'cache', 'metrics'], after: MIGRATED, start: startWorkerModule },
  notifier: { deps: ['database', 'bus', 'metrics'], after: MIGRATED, start: startNotifierModule },
  // Stops before the worker and notifier of its process: nothing new is handed to them while they drain.
  relay: { deps: ['database', 'bus', 'metrics'], after: [...MIGRATED, 'worker', 'notifier'], start: startRelayModule },
  'cleanup-schedule': { deps: ['database', 'objects'], after: MIGRATED, start: startCleanupSchedule },
  http: {
    deps: ['database', 'objects', 'bus', 'cache', 'metrics'],
    // The api wakes its process's relay at each commit; stopping first, it takes no new work while the rest drains.
    after: [...MIGRATED, 'relay', 'worker', 'notifier', 'cleanup-schedule'],
    start: startHttp,
  },
  'storage-setup': {
    deps: [],
    start: async (ctx) => {
      ctx.result = await runStorageSetup(ctx.config, ctx.logger);
      return undefined;
    },
  },
  // Opens object storage itself, inside the recorded run: unreachable storage is a failed run.
  'cleanup-once': { deps: ['database'], start: cleanupOnce },
  'backup-once': { deps: ['database', 'objects'], start: backupOnce },
  'restore-once': { deps: ['database', 'objects'], start: restoreOnce },
};

export interface TargetDefinition {
  /** The modules it runs (their dependencies come with them). */
  modules: readonly ModuleName[];
  /** Modules added when a setting asks for them. */
  when?: { modules: readonly ModuleName[]; enabled: (config: Config) => boolean }[];
  /** Runs its modules, then stops and exits (Jobs, hooks, operator commands). */
  oneShot?: boolean;
  /** Turns a start failure into what the operator should read. */
  explain?: (error: unknown) => unknown;
}

/** The embedded database of a running Pictor cannot be opened by a second process. */
const busyDatabase =
  (action: 'backup' | 'restore') =>
  (error: unknown): unknown => {
    if (!(error instanceof EmbeddedDatabaseBusyError)) return error;
    return action === 'backup'
      ? ERRORS.backupFailed(
          `the embedded database is in use by a running Pictor (process ${error.pid}): back it up through that process (POST /api/v1/admin/backups), or stop it first`,
          error,
        )
      : ERRORS.restoreRefused(
          `The embedded database is in use by a running Pictor (process ${error.pid}): stop it before restoring.`,
        );
  };

/** Every target `--target` (PICTOR_TARGET) names: the modules it runs. */
export const TARGET_MODULES: Record<Target, TargetDefinition> = {
  // One machine: everything in one process, migrations first, the cleanup on a timer.
  all: {
    modules: [
      'database',
      'migrations',
      'objects',
      'bus',
      'cache',
      'metrics',
      'outbox-metrics',
      'worker-lag',
      'worker',
      'notifier',
      'relay',
      'cleanup-schedule',
      'http',
    ],
  },
  api: {
    modules: ['database', 'objects', 'bus', 'cache', 'metrics', 'outbox-metrics', 'http'],
    when: [{ modules: ['worker-lag', 'relay'], enabled: (config) => config.relayInApi }],
  },
  relay: { modules: ['database', 'bus', 'metrics', 'outbox-metrics', 'worker-lag', 'relay'] },
  worker: { modules: ['database', 'objects', 'bus', 'cache', 'metrics', 'worker-lag', 'worker'] },
  notifier: { modules: ['database', 'bus', 'metrics', 'notifier'] },
  migrate: { modules: ['database', 'migrations'], oneShot: true },
  'storage-setup': { modules: ['storage-setup'], oneShot: true },
  cleanup: { modules: ['cleanup-once'], oneShot: true },
  backup: { modules: ['backup-once'], oneShot: true, explain: busyDatabase('backup') },
  restore: { modules: ['restore-once'], oneShot: true, explain: busyDatabase('restore') },
};

/** The modules `config.target` asks for, with those its settings add. */
export function modulesOf(config: Config): ModuleName[] {
  const target = TARGET_MODULES[config.target];
  return [
    ...target.modules,
    ...(target.when ?? []).filter((extra) => extra.enabled(config)).flatMap((extra) => extra.modules),
  ];
}
