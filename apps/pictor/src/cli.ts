import { ConfigError, loadConfig, TARGETS, type SettingName } from '@pictor/config';
import { createLogger } from '@pictor/observability';
import { isAppError } from '@pictor/core';
import { ADMIN_USAGE, createUser, parseAdminArgs, readPassword, UsageError } from './admin-cli.js';
import { TARGET_MODULES } from './modules.js';
import { runTarget, startPictor, type RestoreOptions } from './pictor.js';
import type { Telemetry } from './telemetry.js';

const USAGE = `Usage: pictor [--target=${TARGETS.join('|')}]
       pictor --target=restore --from=<key|latest> [--force]
       pictor admin create-user --username=<name> --email=<address> [--role=admin|user]

Runs Pictor. Every setting comes from the environment (see the README's configuration table).
--from     the dump to restore: its key under backups/postgres/ (or file name), or latest
--force    restore even into a database that holds images (they are replaced)`;

function parseArgs(argv: string[]): {
  overrides: Partial<Record<SettingName, string>>;
  restore: Partial<RestoreOptions>;
} {
  const overrides: Partial<Record<SettingName, string>> = {};
  const restore: Partial<RestoreOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('--target=')) {
      overrides.PICTOR_TARGET = arg.slice('--target='.length);
    } else if (arg === '--target' || arg === '-target') {
      overrides.PICTOR_TARGET = argv[++i] ?? '';
    } else if (arg.startsWith('--from=')) {
      restore.from = arg.slice('--from='.length);
    } else if (arg === '--from') {
      restore.from = argv[++i] ?? '';
    } else if (arg === '--force') {
      restore.force = true;
    } else {
      process.stderr.write(`Unknown argument: ${arg}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  return { overrides, restore };
}

/** One-shot targets: run, log the outcome, and set the exit code Kubernetes Jobs go by. */
async function runOnce(work: () => Promise<unknown>, logger: ReturnType<typeof createLogger>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isAppError(error)) {
      logger.error(error.message, { code: error.code, details: error.details });
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

/** Runs the target the arguments and environment name; main.ts calls it once tracing is up. */
export async function main(telemetry: Telemetry | undefined): Promise<void> {
  try {
    await run(telemetry);
  } catch (error) {
    process.stderr.write(
      `pictor: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await telemetry?.shutdown().catch(() => undefined);
    process.exit(1);
  }
}

/** `pictor admin …` and `pictor --target=admin …`: operator commands, then exit. */
function adminArgv(argv: string[]): string[] | undefined {
  if (argv[0] === 'admin') return argv.slice(1);
  const at = argv.findIndex((a) => a === '--target=admin' || a === '-target=admin');
  if (at >= 0) return argv.filter((_, i) => i !== at);
  const spaced = argv.findIndex((a, i) => (a === '--target' || a === '-target') && argv[i + 1] === 'admin');
  if (spaced >= 0) return argv.filter((_, i) => i !== spaced && i !== spaced + 1);
  return undefined;
}

async function runAdmin(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseAdminArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pictor admin: ${error.message}\n${ADMIN_USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  let config;
  try {
    config = loadConfig(process.env, { PICTOR_TARGET: 'migrate' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pictor: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, base: { target: 'admin' } });
  const password = await readPassword(process.env, process.stdin);
  await runOnce(async () => {
    const account = await createUser(config, logger, parsed.args, password);
    process.stdout.write(
      `${JSON.stringify({ id: account.id, username: account.username, email: account.email, role: account.role })}\n`,
    );
  }, logger);
}

async function run(telemetry: Telemetry | undefined): Promise<void> {
  let config;
  const admin = adminArgv(process.argv.slice(2));
  if (admin) {
    await runAdmin(admin);
    await telemetry?.shutdown().catch(() => undefined);
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  try {
    config = loadConfig(process.env, args.overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pictor: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger({
    level: config.logLevel,
    base: { target: config.target },
    ...(config.logFile ? { file: config.logFile } : {}),
  });
  const flushTraces = () =>
    telemetry?.shutdown().catch((error: unknown) => logger.warn('could not flush traces', { error }));
  if (TARGET_MODULES[config.target].oneShot) {
    const { from, force = false } = args.restore;
    if (config.target === 'restore' && !from) {
      process.stderr.write(`pictor: --target=restore needs --from=<key|latest>\n${USAGE}\n`);
      process.exit(2);
    }
    await runOnce(() => runTarget(config, logger, from ? { restore: { from, force } } : {}), logger);
    await flushTraces();
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
    handle
      .stop()
      .then(
        () => {
          logger.info('stopped');
          process.exitCode = 0;
        },
        (error: unknown) => {
          logger.error('shutdown failed', { error });
          process.exitCode = 1;
        },
      )
      .finally(() => void flushTraces());
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
