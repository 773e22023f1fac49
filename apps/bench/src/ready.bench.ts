import { loadConfig } from '@pictor/config';
import { planOutputs, type ImageFormat, type VariantRecord } from '@pictor/core';
import { deploy, freshStore, log, resetTopics, seconds, sql, waitFor, type BenchEngines } from './harness.js';
import type { BenchInput, UploadInputs } from './inputs.js';
import { summarize, type Summary } from './stats.js';

export interface ReadySeries {
  inputs: string[];
  images: number;
  /** 201 → the display copy and every JPEG (PNG) and WebP variant recorded. */
  baseAndWebpMs: Summary;
  /** 201 → status ready (AVIF too). */
  allMs: Summary;
}

export interface ReadyResult {
  workerConcurrency: number;
  /** Images per second the worker finished from a burst of 2 MB photographs (the calibration). */
  capacityPerS: number;
  ratePerS: number;
  photographs: ReadySeries;
  /** A few PNG and animated GIF uploads at the same rate (no target; for reference). */
  others: { png: ReadySeries; animated: ReadySeries };
}

const VARIANTS = loadConfig({}).variants;
const CONCURRENCY = loadConfig({}).worker.concurrency;

interface Row {
  id: string;
  status: string;
  format: ImageFormat;
  width: number;
  has_alpha: boolean;
  variants: VariantRecord[];
}

/** Watches images in PostgreSQL every 25 ms and notes when each output group is first recorded. */
class ReadyWatch {
  readonly uploadedAt = new Map<string, number>();
  readonly baseAndWebpAt = new Map<string, number>();
  readonly readyAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private failure: string | undefined;

  constructor(private readonly db: Awaited<ReturnType<typeof sql>>) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), 25);
    return this;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const open = [...this.uploadedAt.keys()].filter((id) => !this.readyAt.has(id));
      if (open.length === 0) return;
      const { rows } = await this.db.query<Row>(
        'SELECT id, status, format, width, has_alpha, variants FROM images WHERE id = ANY($1)',
        [open],
      );
      const now = Date.now();
      for (const row of rows) {
        const recorded = new Set(row.variants.map((v) => `${v.name}.${v.format}`));
        const group = planOutputs(
          { id: row.id, format: row.format, width: row.width, hasAlpha: row.has_alpha },
          VARIANTS,
        )
          .filter((o) => o.format !== 'avif')
          .every((o) => recorded.has(`${o.name}.${o.format}`));
        if ((group || row.status === 'ready') && !this.baseAndWebpAt.has(row.id)) this.baseAndWebpAt.set(row.id, now);
        if (row.status === 'ready') this.readyAt.set(row.id, now);
        if (row.status === 'failed') this.failure = `image ${row.id} failed to process`;
      }
    } catch (error) {
      this.failure = `polling failed: ${String(error)}`;
    } finally {
      this.polling = false;
    }
  }

  async allReady(ids: readonly string[]): Promise<void> {
    await waitFor(
      'every image to be ready',
      () => {
        if (this.failure) throw new Error(this.failure);
        return ids.every((id) => this.readyAt.has(id)) ? true : undefined;
      },
      300_000,
    );
  }

  series(ids: readonly string[], inputs: readonly BenchInput[]): ReadySeries {
    const since = (at: Map<string, number>) => ids.map((id) => at.get(id)! - this.uploadedAt.get(id)!);
    return {
      inputs: [...new Set(inputs.map((i) => i.name))],
      images: ids.length,
      baseAndWebpMs: summarize(since(this.baseAndWebpAt)),
      allMs: summarize(since(this.readyAt)),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Measurement 5: time from the 201 to the variants being stored, with uploads arriving at half
 * the processing capacity (measured first, on a burst of the same photographs).
 */
export async function readyBenchmark(bench: BenchEngines, inputs: UploadInputs): Promise<ReadyResult> {
  await resetTopics();
  const store = await freshStore();
  const deployment = await deploy(store, bench, { api: true, relay: true, worker: true, edge: true });
  const db = await sql(store.databaseUrl);
  const watch = new ReadyWatch(db).start();
  const edge = deployment.edge!;
  const upload = async (input: BenchInput): Promise<string> => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(input.bytes)]), input.name.endsWith('.png') ? 'a.png' : 'a.jpg');
    const res = await fetch(`${edge.url}/api/v1/images`, { method: 'POST', body: form });
    if (res.status !== 201) throw new Error(`upload of ${input.name} answered ${res.status}`);
    const id = ((await res.json()) as { images: { id: string }[] }).images[0]!.id;
    watch.uploadedAt.set(id, Date.now());
    return id;
  };
  const paced = async (list: readonly BenchInput[], ratePerS: number): Promise<string[]> => {
    const started = performance.now();
    const ids: Promise<string>[] = [];
    for (const [i, input] of list.entries()) {
      const wait = started + (i * 1000) / ratePerS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      ids.push(upload(input));
    }
    return Promise.all(ids);
  };
  const cycle = (from: readonly BenchInput[], count: number) =>
    Array.from({ length: count }, (_, i) => from[i % from.length]!);
  try {
    // Warm-up: the worker's first image pays for loading libvips' codecs.
    await watch.allReady([await upload(inputs.medium[0]!)]);

    const burst = cycle(inputs.medium, seconds(12, 6));
    log(`ready: calibration, ${burst.length} photographs at once`);
    const burstIds = await Promise.all(burst.map(upload));
    await watch.allReady(burstIds);
    const first = Math.min(...burstIds.map((id) => watch.uploadedAt.get(id)!));
    const last = Math.max(...burstIds.map((id) => watch.readyAt.get(id)!));
    const capacityPerS = burst.length / ((last - first) / 1000);
    const ratePerS = capacityPerS / 2;

    const run = cycle(inputs.medium, seconds(40, 10));
    log(`ready: ${run.length} photographs at ${ratePerS.toFixed(2)}/s`);
    const ids = await paced(run, ratePerS);
    await watch.allReady(ids);

    log('ready: PNG and animated GIF');
    const pngIds = await paced(cycle([inputs.png], 3), ratePerS);
    const gifIds = await paced(cycle([inputs.animated], 3), ratePerS);
    await watch.allReady([...pngIds, ...gifIds]);
    return {
      workerConcurrency: CONCURRENCY,
      capacityPerS,
      ratePerS,
      photographs: watch.series(ids, run),
      others: { png: watch.series(pngIds, [inputs.png]), animated: watch.series(gifIds, [inputs.animated]) },
    };
  } finally {
    watch.stop();
    await db.end();
    await deployment.stop();
    await store.drop();
  }
}
