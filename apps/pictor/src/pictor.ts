import type { Config } from '@pictor/config';
import type { BackupResult, CleanupReport } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import type { Registry } from 'prom-client';
import { MODULES, modulesOf, TARGET_MODULES } from './modules.js';
import type { Infrastructure } from './modules/adapters.js';
import { PictorContext, type PictorOptions } from './modules/context.js';
import { startModules, startOrder } from './modules/module-manager.js';
import type { RestoreOptions } from './targets/restore.js';

export type { RestoreOptions };

export interface PictorHandle {
  /** The HTTP port, when the target serves HTTP. */
  port: number | undefined;
  /** The port of `/metrics` (METRICS_PORT, or the one picked when it is 0). */
  metricsPort: number;
  /** This process's registry, on which each of its components created its instruments. */
  registry: Registry;
  /** The adapters this process opened (a target without one throws when it is asked for). */
  infrastructure: Infrastructure;
  /** Graceful stop: stop accepting, finish in-flight uploads and jobs, close pools. */
  stop(): Promise<void>;
}

/**
 * Starts the modules of `config.target` (see `TARGET_MODULES` in modules.ts) in dependency order and
 * returns the handle that stops them in reverse.
 */
export async function startPictor(config: Config, logger: Logger, options: PictorOptions = {}): Promise<PictorHandle> {
  if (TARGET_MODULES[config.target].oneShot) {
    throw new Error(`--target=${config.target} runs once and exits: use runTarget, not startPictor`);
  }
  const ctx = new PictorContext(config, logger, options);
  const order = startOrder(MODULES, modulesOf(config));
  logger.info('starting', { modules: order });
  let stopModules: () => Promise<void>;
  try {
    stopModules = await startModules(MODULES, order, ctx, (module, error) =>
      logger.error('error during shutdown', { module, error }),
    );
  } catch (error) {
    throw TARGET_MODULES[config.target].explain?.(error) ?? error;
  }
  return {
    port: ctx.find('port'),
    metricsPort: ctx.find('metricsPort') ?? 0,
    registry: ctx.use('registry'),
    infrastructure: {
      get pool() {
        return ctx.use('database').pool;
      },
      get objects() {
        return ctx.use('objects');
      },
      get bus() {
        return ctx.use('bus');
      },
      get cache() {
        return ctx.use('cache').cache;
      },
    },
    stop: () => {
      ctx.shuttingDown = true;
      return stopModules();
    },
  };
}

/**
 * Runs a one-shot target (`migrate`, `storage-setup`, `cleanup`, `backup`, `restore`): starts
 * its modules, which do the work, stops them, and returns what the work produced.
 */
export async function runTarget(config: Config, logger: Logger, options: PictorOptions = {}): Promise<unknown> {
  if (!TARGET_MODULES[config.target].oneShot) throw new Error(`--target=${config.target} is not a one-shot target`);
  const ctx = new PictorContext(config, logger, options);
  let stopModules: () => Promise<void>;
  try {
    stopModules = await startModules(MODULES, startOrder(MODULES, modulesOf(config)), ctx, (module, error) =>
      logger.warn('error while closing', { module, error }),
    );
  } catch (error) {
    throw TARGET_MODULES[config.target].explain?.(error) ?? error;
  }
  await stopModules();
  return ctx.result;
}

/** `--target=migrate`: applies migrations; returns the ones applied. */
export async function runMigrations(config: Config, logger: Logger): Promise<string[]> {
  return (await runTarget({ ...config, target: 'migrate' }, logger)) as string[];
}

/** `--target=cleanup`: one cleanup pass. */
export async function runCleanup(config: Config, logger: Logger): Promise<CleanupReport> {
  return (await runTarget({ ...config, target: 'cleanup' }, logger)) as CleanupReport;
}

/** `--target=backup`: one verified backup. */
export async function runBackup(config: Config, logger: Logger): Promise<BackupResult> {
  return (await runTarget({ ...config, target: 'backup' }, logger)) as BackupResult;
}

/** `--target=restore --from=<key|latest> [--force]`. */
export async function runRestore(config: Config, logger: Logger, restore: RestoreOptions): Promise<{ key: string }> {
  return (await runTarget({ ...config, target: 'restore' }, logger, { restore })) as { key: string };
}
