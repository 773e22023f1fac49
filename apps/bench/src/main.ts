#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { cleanupBenchmark } from './cleanup.bench.js';
import { CORES, LOAD_CPU, log, QUICK, SERVER_CPU, startBenchEngines, type BenchEngines } from './harness.js';
import { ingestBenchmark } from './ingest.bench.js';
import { photographs, uploadInputs, type BenchInput } from './inputs.js';
import { pastesBenchmark } from './pastes.bench.js';
import { processingBenchmark } from './processing.bench.js';
import { readyBenchmark } from './ready.bench.js';
import { relayBenchmark } from './relay.bench.js';
import { markdown, MEASUREMENTS, type Measurement, type Results } from './report.js';
import { servingBenchmark } from './serving.bench.js';
import { provisionWrk } from './wrk.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const RESULTS = path.join(DOCS, 'benchmarks', 'results.json');

const USAGE = `Usage: node apps/bench/dist/main.js [${MEASUREMENTS.join('|')} ...]

Runs the named measurements (all of them without arguments) and rewrites docs/BENCHMARKS.md and
docs/benchmarks/results.json; the figures of measurements not run are kept from the last run.
BENCH_QUICK=1 shortens every measurement (for development; never published).
BENCH_ROUNDS=N sets the rounds of the processing measurement (default 2).`;

async function describe(inputs: readonly BenchInput[]) {
  return Promise.all(
    inputs.map(async (i) => {
      const m = await sharp(i.bytes).metadata();
      return {
        name: i.name,
        bytes: i.bytes.length,
        width: m.width ?? 0,
        height: m.pageHeight ?? m.height ?? 0,
        format: m.format ?? '?',
        ...(m.pages && m.pages > 1 ? { frames: m.pages } : {}),
      };
    }),
  );
}

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]!
      .trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  const file = fileURLToPath(new URL(`../../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const unknown = args.filter((a) => !MEASUREMENTS.includes(a as Measurement));
  if (unknown.length > 0) throw new Error(`unknown measurement(s): ${unknown.join(', ')}\n${USAGE}`);
  const selected = (args.length > 0 ? args : MEASUREMENTS) as Measurement[];
  const started = Date.now();

  const previous: Partial<Results> =
    (await readFile(RESULTS, 'utf8').then(
      (text) => JSON.parse(text) as Results,
      () => undefined,
    )) ?? {};
  const results = { ...previous } as Results;

  const photos = await photographs();
  results.inputs = await describe(photos);
  const needsEngines = selected.some((m) => m !== 'processing');
  const uploads = needsEngines ? await uploadInputs() : undefined;
  if (uploads) {
    results.uploadInputs = await describe([
      ...uploads.small,
      ...uploads.medium,
      uploads.large,
      uploads.png,
      uploads.animated,
    ]);
  }

  if (selected.includes('processing')) {
    const rounds = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 2));
    log(`processing: ${photos.length} photographs × ${rounds} rounds`);
    results.processing = { ...(await processingBenchmark(photos, rounds)), date: new Date().toISOString() };
  }

  let bench: BenchEngines | undefined;
  try {
    if (needsEngines && uploads) {
      bench = await startBenchEngines();
      const wrk = provisionWrk();
      results.versions = {
        ...bench.versions,
        node: process.version,
        sharp: `${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
        wrk: wrk.version,
        pgbench: toolVersion(path.join(process.env.PICTOR_PG_BIN_DIR ?? '', 'pgbench'), ['--version']),
        kafkajs: packageVersion('kafkajs'),
        'minio-js': packageVersion('minio'),
        pg: packageVersion('pg'),
      };
      results.pinning = LOAD_CPU
        ? { loadCpu: LOAD_CPU, serverCpu: SERVER_CPU! }
        : { loadCpu: 'none (one core)', serverCpu: 'none (one core)' };
      const now = () => new Date().toISOString();
      if (selected.includes('ingest'))
        results.ingest = { ...(await ingestBenchmark(bench, wrk, uploads)), date: now() };
      if (selected.includes('relay')) {
        const peak = results.ingest?.sizes[0]?.full.rps ?? 200;
        results.relay = { ...(await relayBenchmark(bench, peak)), date: now() };
      }
      if (selected.includes('serving'))
        results.serving = { ...(await servingBenchmark(bench, wrk, uploads.small[0]!)), date: now() };
      if (selected.includes('ready')) results.ready = { ...(await readyBenchmark(bench, uploads)), date: now() };
      if (selected.includes('cleanup')) results.cleanup = { ...(await cleanupBenchmark(bench)), date: now() };
      if (selected.includes('pastes')) results.pastes = { ...(await pastesBenchmark(bench, wrk)), date: now() };
    }
  } finally {
    await bench?.stop();
  }

  results.date = new Date().toISOString();
  results.quick = QUICK;
  results.runSeconds = {
    ...(previous.runSeconds ?? {}),
    [selected.join('+')]: Math.round((Date.now() - started) / 1000),
  };
  results.machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: CORES,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
  };
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(DOCS, 'BENCHMARKS.md'), markdown(results));
  log(`done in ${Math.round((Date.now() - started) / 1000)} s: docs/BENCHMARKS.md, docs/benchmarks/results.json`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
