#!/usr/bin/env node
import { ConfigError, loadConfig, TARGETS, type SettingName } from '@pictor/config';
import { createLogger } from '@pictor/observability';
import { runMigrations, startPictor } from './pictor.js';

const USAGE = `Usage: pictor [--target=${TARGETS.join('|')}]

Runs Pictor. Every setting comes from the environment (see the README's configuration table).`;

function parseArgs(argv: string[]): Partial<Record<SettingName, string>> {
  const overrides: Partial<Record<SettingName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('--target=')) {
      overrides.PICTOR_TARGET = arg.slice('--target='.length);
    } else if (arg === '--target' || arg === '-target') {
      overrides.PICTOR_TARGET = argv[++i] ?? '';
    } else {
      process.stderr.write(`Unknown argument: ${arg}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  return overrides;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, parseArgs(process.argv.slice(2)));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pictor: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, base: { target: config.target } });
  if (config.target === 'migrate') {
    await runMigrations(config, logger);
    return;
  }
  const handle = await startPictor(config, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting', { timeoutMs: config.shutdownTimeoutMs + 5000 });
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    deadline.unref();
    handle.stop().then(
      () => {
        logger.info('stopped');
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `pictor: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
