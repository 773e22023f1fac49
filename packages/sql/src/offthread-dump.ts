import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/**
 * Runs in a worker thread (plain CommonJS, so it loads the same way from the built code and from
 * the TypeScript sources under test): opens the copy of the data directory, dumps it
 * with PGlite's pg_dump, writes the SQL to `file`, replays it into a fresh in-memory database and
 * answers the tables that came back.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeFile } = require('node:fs/promises');
const { PGlite } = require(workerData.pglite);
const { pgDump } = require(workerData.pgDump);
(async () => {
  const copy = await PGlite.create(workerData.dataDir);
  let sql;
  try {
    sql = await (await pgDump({ pg: copy, args: workerData.args })).text();
  } finally {
    await copy.close();
  }
  await writeFile(workerData.file, sql);
  const fresh = await PGlite.create();
  try {
    await fresh.exec(sql);
    const { rows } = await fresh.query(
      "SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    parentPort.postMessage({ ok: true, tables: rows.map((r) => r.name), bytes: Buffer.byteLength(sql) });
  } catch (error) {
    parentPort.postMessage({ ok: false, stage: 'verify', message: String(error && error.message || error) });
  } finally {
    await fresh.close();
  }
})().catch((error) => parentPort.postMessage({ ok: false, stage: 'dump', message: String(error && error.message || error) }));
`;

export class OffThreadDumpError extends Error {
  constructor(
    readonly stage: 'dump' | 'verify',
    message: string,
  ) {
    super(message);
    this.name = 'OffThreadDumpError';
  }
}

/**
 * Dumps a copy of an embedded database's data directory (`EmbeddedPostgres.snapshotTo()`, which
 * this opens and changes: give it a copy of its own) to plain SQL in `file` and verifies it
 * restores, in a worker thread: the minutes of WASM work a large database takes never block the
 * event loop that answers requests and probes. Fails with an {@link OffThreadDumpError} naming
 * the stage.
 */
export function dumpSnapshotOffThread(
  dataDir: string,
  file: string,
  args: readonly string[],
): Promise<{ tables: string[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        dataDir,
        file,
        args: [...args],
        pglite: require.resolve('@electric-sql/pglite'),
        pgDump: require.resolve('@electric-sql/pglite-tools/pg_dump'),
      },
    });
    let settled = false;
    worker.once(
      'message',
      (
        message:
          { ok: true; tables: string[]; bytes: number } | { ok: false; stage: 'dump' | 'verify'; message: string },
      ) => {
        settled = true;
        if (message.ok) resolve({ tables: message.tables, bytes: message.bytes });
        else reject(new OffThreadDumpError(message.stage, message.message));
        void worker.terminate();
      },
    );
    worker.once('error', (error: Error) => {
      if (!settled) reject(new OffThreadDumpError('dump', error.message));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new OffThreadDumpError('dump', `the dump worker exited with code ${code}`));
      settled = true;
    });
  });
}
