import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg`; the server takes one connection at a time. */
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL compiled to WASM (PGlite), persisted in `dir` (or in memory when `dir` is
 * undefined), behind its wire-protocol socket server on a free loopback port, so the same `pg`
 * code talks to it as to a real server.
 */
export async function startEmbeddedPostgres(dir: string | undefined): Promise<EmbeddedPostgres> {
  if (dir) await mkdir(dir, { recursive: true });
  const db = dir ? await PGlite.create(dir) : await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const address = server.getServerConn();
  return {
    connectionString: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
