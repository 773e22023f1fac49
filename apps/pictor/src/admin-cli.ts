import type { Config } from '@pictor/config';
import { type Account, type Notifier } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import { MemoryCache } from '@pictor/cache';
import { migrate } from '@pictor/sql';
import { openDatabase } from './modules/adapters.js';
import { createAccountService } from './modules/wiring.js';

export const ADMIN_USAGE = `Usage: pictor admin create-user --username=<name> --email=<address> [--role=admin|user]
       (also: pictor --target=admin create-user …)

Makes an account from the shell, whatever REGISTRATION says: the way to the first admin of a
fresh install. The password is read from PICTOR_PASSWORD, or else from the first line of standard
input (never from the command line, where other users of the machine could read it).
With the embedded database, run it while Pictor is stopped.`;

export interface CreateUserArgs {
  username: string;
  email: string;
  role: 'admin' | 'user';
}

/** Parses `create-user --username=… --email=… [--role=…]`; throws a usage message when wrong. */
export function parseAdminArgs(argv: readonly string[]): { command: 'create-user'; args: CreateUserArgs } {
  const [command, ...rest] = argv;
  if (command !== 'create-user') throw new UsageError(`unknown admin command: ${command ?? '(none)'}`);
  const values: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const match = /^--(username|email|role)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument: ${arg}`);
    values[match[1]!] = match[2] ?? rest[++i] ?? '';
  }
  if (!values.username || !values.email) throw new UsageError('--username and --email are required');
  const role = values.role ?? 'admin';
  if (role !== 'admin' && role !== 'user') throw new UsageError('--role is admin or user');
  return { command: 'create-user', args: { username: values.username, email: values.email, role } };
}

export class UsageError extends Error {}

/** No mail is sent for accounts made from the shell. */
const quiet: Notifier = { notify: () => Promise.resolve() };

/** Creates the account (migrating first, so it works on a fresh database). */
export async function createUser(
  config: Config,
  logger: Logger,
  args: CreateUserArgs,
  password: string,
): Promise<Account> {
  const database = await openDatabase(config, logger);
  const cache = new MemoryCache();
  try {
    await migrate(database.pool);
    const accounts = createAccountService(config, database.pool, cache, undefined, quiet);
    const account = await accounts.createAccount({ ...args, password });
    logger.info('account created', { accountId: account.id, username: account.username, role: account.role });
    return account;
  } finally {
    await cache.close();
    await database.close();
  }
}

/** The password for create-user: PICTOR_PASSWORD, else the first line of standard input. */
export async function readPassword(env: NodeJS.ProcessEnv, stdin: NodeJS.ReadableStream): Promise<string> {
  if (env.PICTOR_PASSWORD) return env.PICTOR_PASSWORD;
  let data = '';
  for await (const chunk of stdin) {
    data += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (data.includes('\n') || data.length > 4096) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}
