import { loadConfig } from '@pictor/config';
import { runPictorOnce } from '@pictor/test-harness';
import { CLAIM_EXPIRED_SQL } from '@pictor/sql';
import { benchEnv, freshStore, log, QUICK, sql, type BenchEngines } from './harness.js';
import { CpuMeter } from './proc.js';

export interface CleanupCase {
  total: number;
  expired: number;
  seedS: number;
  /** Wall time of `pictor --target=cleanup`, process start to exit. */
  runS: number;
  /** What the cleanup logged as its own duration (without the process start). */
  loggedMs: number;
  deleted: number;
  postgresCpuMs: number;
  /** pg_stat_user_tables of `images` over the run: rows read by sequential and index scans. */
  scanned: { seqScans: number; seqTupRead: number; idxScans: number; idxTupFetch: number; rows: number };
  /** EXPLAIN (ANALYZE, BUFFERS) of one batch's claim, before the run. */
  claim: { plan: string; rows: number; sharedBlocks: number; executionMs: number };
}

export interface CleanupResult {
  batchSize: number;
  cases: CleanupCase[];
}

const BATCH = loadConfig({}).cleanup.batchSize;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function describePlan(node: PlanNode): string {
  const self = `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`;
  const children = (node.Plans ?? []).map(describePlan);
  return children.length ? `${self} ← ${children.join(', ')}` : self;
}

function scanRows(node: PlanNode): number {
  const own = /Scan/.test(node['Node Type']) ? (node['Actual Rows'] ?? 0) : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + scanRows(child), 0);
}

/**
 * Seeds `total` image rows with SQL (generate_series), `expired` of them expired and spread
 * evenly through the table, half of the rest expiring in a month and half never.
 */
async function seed(db: Awaited<ReturnType<typeof sql>>, total: number, expired: number): Promise<void> {
  const step = Math.floor(total / expired);
  await db.query(
    `INSERT INTO images (id, status, format, width, height, bytes, visibility, variants, delete_token_hash, created_at, expires_at)
     SELECT 'c' || lpad(i::text, 11, '0'), 'ready', 'jpeg', 1280, 800, 204800, 'public', '[]'::jsonb, '\\x00'::bytea,
            now() - interval '60 days' + i * interval '1 ms',
            CASE WHEN i % $2 = 0 THEN now() - interval '1 hour' + i * interval '1 ms'
                 WHEN i % 2 = 0 THEN now() + interval '30 days'
                 ELSE NULL END
       FROM generate_series(1, $1::int) AS i`,
    [total, step],
  );
  await db.query('VACUUM ANALYZE images');
}

async function tableStats(db: Awaited<ReturnType<typeof sql>>) {
  const { rows } = await db.query<{ seq_scan: string; seq_tup_read: string; idx_scan: string; idx_tup_fetch: string }>(
    `SELECT seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch
       FROM pg_stat_user_tables WHERE relname = 'images'`,
  );
  const r = rows[0]!;
  return {
    seqScans: Number(r.seq_scan),
    seqTupRead: Number(r.seq_tup_read),
    idxScans: Number(r.idx_scan),
    idxTupFetch: Number(r.idx_tup_fetch),
  };
}

/**
 * Measurement 6: `pictor --target=cleanup` on tables of 100 000 and 1 000 000 images with the
 * same 10 000 expired. No objects are seeded: the run still lists and deletes each image's keys
 * in MinIO (absent keys), so the time includes the storage round trips of a real run.
 */
export async function cleanupBenchmark(bench: BenchEngines): Promise<CleanupResult> {
  const expired = QUICK ? 2_000 : 10_000;
  const cases: CleanupCase[] = [];
  for (const total of QUICK ? [20_000, 200_000] : [100_000, 1_000_000]) {
    const store = await freshStore();
    const db = await sql(store.databaseUrl);
    try {
      log(`cleanup: seeding ${total} images, ${expired} expired`);
      const seeded = performance.now();
      await seed(db, total, expired);
      const seedS = (performance.now() - seeded) / 1000;

      await db.query('BEGIN');
      const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${CLAIM_EXPIRED_SQL}`,
        [new Date(), BATCH],
      );
      await db.query('ROLLBACK');
      const explained = rows[0]!['QUERY PLAN'][0];
      const plan = explained.Plan;

      const before = await tableStats(db);
      const meter = new CpuMeter({ postgres: [bench.pids.postgres] }).start();
      log(`cleanup: pictor --target=cleanup over ${total} images`);
      const started = performance.now();
      const run = runPictorOnce(
        'cleanup',
        benchEnv(store.databaseUrl, store.bucket, { CLEANUP_ORPHAN_GRACE_SECONDS: '0' }),
      );
      await run.done;
      const runS = (performance.now() - started) / 1000;
      const postgresCpuMs = meter.stop().postgres!;
      if (run.code !== 0) throw new Error(`cleanup exited with ${run.code}: ${JSON.stringify(run.lines.slice(-5))}`);
      const finished = run.lines.find((l) => l.msg === 'cleanup finished') as
        { expired?: number; durationMs?: number } | undefined;
      // Statistics reach the views when the cleanup's backends exit; give them a moment.
      await new Promise((r) => setTimeout(r, 1500));
      const after = await tableStats(db);
      const { rows: left } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM images');
      if (left[0]!.n !== total - expired)
        throw new Error(`cleanup left ${left[0]!.n} rows of ${total} (${expired} expired)`);
      const seqTupRead = after.seqTupRead - before.seqTupRead;
      const idxTupFetch = after.idxTupFetch - before.idxTupFetch;
      cases.push({
        total,
        expired,
        seedS,
        runS,
        loggedMs: finished?.durationMs ?? Number.NaN,
        deleted: finished?.expired ?? Number.NaN,
        postgresCpuMs,
        scanned: {
          seqScans: after.seqScans - before.seqScans,
          seqTupRead,
          idxScans: after.idxScans - before.idxScans,
          idxTupFetch,
          rows: seqTupRead + idxTupFetch,
        },
        claim: {
          plan: describePlan(plan),
          rows: scanRows(plan),
          sharedBlocks: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
          executionMs: explained['Execution Time'],
        },
      });
    } finally {
      await db.end();
      await store.drop();
    }
  }
  return { batchSize: BATCH, cases };
}
