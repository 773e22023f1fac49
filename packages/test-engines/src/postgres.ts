// PostgreSQL: Debian's server, one cluster per set (initdb, pg_ctl), a fresh database per test file.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type * as Pg from 'pg';
import { IS_ROOT, requireLazily } from './common.ts';
import { isExecutable, runOk, userIds } from './process.ts';
import type { DebianRequirement, ServerEngine } from './server.ts';
import type { EngineRecord } from './state.ts';

const PG_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'pg_dump', 'pg_restore'];

/** Highest PostgreSQL major under /usr/lib/postgresql that has every binary we need. */
export function findPgBinDir() {
  const root = '/usr/lib/postgresql';
  let majors;
  try {
    majors = fs
      .readdirSync(root)
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return null;
  }
  for (const major of majors) {
    const dir = join(root, String(major), 'bin');
    if (PG_BINARIES.every((binary) => isExecutable(join(dir, binary)))) return dir;
  }
  return null;
}

export const POSTGRES_DEBIAN: DebianRequirement[] = [
  { engine: 'postgres', packages: ['postgresql'], find: () => findPgBinDir() !== null, what: 'PostgreSQL' },
];

function pgConnection(record: EngineRecord, database = 'postgres'): Pg.ClientConfig {
  return {
    host: '127.0.0.1',
    port: record.ports.postgres,
    user: 'postgres',
    database,
    connectionTimeoutMillis: 3000,
  };
}

export async function pgQuery(
  record: EngineRecord,
  sql: string,
  database = 'postgres',
): Promise<Pg.QueryResult<Record<string, unknown>>> {
  const { Client } = requireLazily('pg') as typeof Pg;
  const client = new Client(pgConnection(record, database));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresEngine: ServerEngine = {
  portsNeeded: 1,
  readyTimeoutMs: 60_000,
  ready: async (record) => (await pgQuery(record, 'SELECT 1 AS ok')).rows[0]?.ok === 1,

  async prepare({ dir, ports: [port], paths }) {
    const home = join(dir, 'postgres');
    const dataDir = join(home, 'data');
    const logFile = join(home, 'postgres.log');
    fs.mkdirSync(home, { recursive: true });
    let asPostgres: string[] = [];
    if (IS_ROOT) {
      // The server refuses to run as root: hand its directory to the postgres user.
      const ids = userIds('postgres');
      if (!ids)
        throw new Error(
          'PostgreSQL: running as root but there is no `postgres` user (apt-get install postgresql creates it)',
        );
      fs.chownSync(home, ids.uid, ids.gid);
      asPostgres = ['runuser', '-u', 'postgres', '--'];
    }
    const bin = paths.pgBinDir as string;
    const initdb = [
      ...asPostgres,
      join(bin, 'initdb'),
      '-D',
      dataDir,
      '--auth=trust',
      '--username=postgres',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ];
    await runOk(initdb[0] as string, initdb.slice(1), { cwd: home, timeoutMs: 120_000 });
    // Settings live in postgresql.conf so that `pg_ctl start -D` alone restarts the same server.
    fs.appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# pictor test engine',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${home}'`,
        'max_connections = 200',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        "dynamic_shared_memory_type = 'posix'",
        'logging_collector = off',
        '',
      ].join('\n'),
    );
    const pgCtl = [join(bin, 'pg_ctl'), 'start', '-w', '-t', '60', '-s', '-D', dataDir, '-l', logFile];
    const full = [...asPostgres, ...pgCtl];
    return {
      name: 'postgres',
      pid: null,
      ports: { postgres: port },
      dataDir,
      logFile,
      processMatch: 'postgres',
      start: {
        mode: 'daemon',
        command: full[0] as string,
        args: full.slice(1),
        env: {},
        cwd: home,
        pidFile: join(dataDir, 'postmaster.pid'),
      },
      info: { binDir: bin, socketDir: home, user: 'postgres' },
    };
  },
};

/**
 * A fresh database on the shared server, for one test file.
 * @param databaseUrl  any database on the server (e.g. DATABASE_URL)
 */
export async function createTestDatabase(
  databaseUrl: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const { Client } = requireLazily('pg') as typeof Pg;
  const name = `pictor_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
