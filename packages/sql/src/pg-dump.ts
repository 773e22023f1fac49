import { spawn } from 'node:child_process';

export interface PgDumpToolOptions {
  /** The `pg_dump` binary (a name on PATH or a path). */
  pgDump: string;
  /** The `pg_restore` binary. */
  pgRestore: string;
}

/** A failed pg_dump or pg_restore: the tool's exit code and the end of what it wrote on stderr. */
export class PgToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${tool} exited with ${exitCode ?? 'a signal'}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    this.name = 'PgToolError';
  }
}

/**
 * PostgreSQL's own dump tools, run as child processes. Dumps are in the custom format
 * (compressed, restorable table by table); the connection goes through libpq's environment
 * variables, never the command line, so no password shows up in `ps`.
 */
export class PgDumpTool {
  constructor(private readonly options: PgDumpToolOptions) {}

  /** Writes a custom-format dump of the database at `url` to `file`. */
  async dump(url: string, file: string): Promise<void> {
    await this.run(this.options.pgDump, ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`], url);
  }

  /** The table of contents of a dump; fails when the file is not a readable dump. */
  async list(file: string): Promise<string> {
    return this.run(this.options.pgRestore, ['--list', file]);
  }

  /**
   * Restores `file` into the database at `url`, dropping what the dump re-creates, in a single
   * transaction: a failure leaves the database as it was.
   */
  async restore(url: string, file: string): Promise<void> {
    await this.run(
      this.options.pgRestore,
      [
        '--clean',
        '--if-exists',
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-privileges',
        `--dbname=${connectionEnv(url).PGDATABASE ?? 'postgres'}`,
        file,
      ],
      url,
    );
  }

  private run(binary: string, args: string[], url?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...(url ? connectionEnv(url) : {}) };
      const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-8000);
      });
      child.on('error', (error) => reject(new PgToolError(binary, null, error.message)));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
        else reject(new PgToolError(binary, code, stderr));
      });
    });
  }
}

/** libpq environment variables for a `postgres://` URL. */
export function connectionEnv(url: string): Record<string, string> {
  const parsed = new URL(url);
  const env: Record<string, string> = {};
  if (parsed.hostname) env.PGHOST = decodeURIComponent(parsed.hostname);
  if (parsed.port) env.PGPORT = parsed.port;
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  const host = parsed.searchParams.get('host');
  if (host) env.PGHOST = host;
  return env;
}
