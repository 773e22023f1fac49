import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { loadConfig } from '@pictor/config';
import { DISPLAY, planOutputs, type ImageFormat, type PlannedOutput } from '@pictor/core';
import { SharpImageInspector, SharpImageProcessor, type EncodingSettings } from '@pictor/imaging';
import { fidelity, lumaOf, type Fidelity, type LumaPlane } from './fidelity.js';
import { log } from './harness.js';
import type { BenchInput } from './inputs.js';
import { measure, type Measurement } from './measure.js';
import { startThumbor, type Thumbor, type ThumborSettings } from './thumbor.js';

/** The defaults users get: the variant set and encoder settings of an unconfigured Pictor. */
const DEFAULTS = loadConfig({});
export const DEFAULT_VARIANTS = DEFAULTS.variants;
export const DEFAULT_ENCODING = DEFAULTS.encoding;
const MAX_PIXELS = DEFAULTS.limits.maxImagePixels;

export interface AvifEffortPoint {
  effort: number;
  chroma: '4:2:0' | '4:4:4';
  cpuMsPerOp: number;
  bytes: number;
  ssim: number;
  psnr: number;
}

/** One output of the default set (e.g. `w640.avif`), averaged over the inputs. */
export interface OutputQuality {
  output: string;
  bytes: number;
  ssim: number;
  psnr: number;
}

/** Pictor and thumbor side by side on the same photographs and the same outputs. */
export interface PeerComparison {
  peer: ThumborSettings;
  rounds: number;
  /** CPU-ms per image for the default output set, measured in interleaved rounds. */
  pictorCpuMs: number;
  peerCpuMs: number;
  ratio: number;
  /** thumbor's CPU for a request that does almost nothing (a 1×1 JPEG of a small input): its fixed cost. */
  peerRequestCpuMs: number;
  outputs: { output: string; pictor: OutputQuality; peer: OutputQuality }[];
  /** One fit-640 JPEG (q = JPEG_QUALITY) from the original, alone. */
  single: {
    pictorCpuMs: number;
    peerCpuMs: number;
    ratio: number;
    pictor: OutputQuality;
    peer: OutputQuality;
    /** The same output as a baseline (not progressive) JPEG: what progressive costs. */
    pictorBaselineCpuMs: number;
    /**
     * A fit-512 JPEG: for these inputs sharp's JPEG shrink-on-load then decodes straight to 640
     * wide (¼ or ⅛ scale) and reduces a little, where for fit-640 it decodes at twice that and
     * reduces by half; the difference is what the decode scale costs.
     */
    pictorQuarterDecodeCpuMs: number;
  };
}

/** A setting of Pictor's pipeline tried on the same photographs: CPU, bytes and quality of the whole set. */
export interface LeverPoint {
  lever: string;
  setting: string;
  adopted: boolean;
  cpuMsPerImage: number;
  wallMsPerImage: number;
  bytesPerImage: number;
  /** Mean luma SSIM of the set's variants (display copy excluded). */
  ssim: number;
}

export interface ProcessingResult {
  /** One 1280-wide AVIF of each input, at several encoder efforts and chroma subsamplings. */
  avifEfforts: AvifEffortPoint[];
  pictor: Measurement;
  naive: Measurement;
  floor: Measurement;
  ratioToNaive: number;
  outputsPerImage: number;
  peer?: PeerComparison;
  levers?: LeverPoint[];
}

function encode(pipeline: Sharp, format: ImageFormat, quality: number): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality, progressive: true });
    case 'png':
      return pipeline.png({ compressionLevel: 6 });
    case 'webp':
      return pipeline.webp({ quality, effort: 4 }); // as the processor
    case 'avif':
      return pipeline.avif({ quality, effort: DEFAULT_ENCODING.avifEffort, chromaSubsampling: '4:2:0' });
    case 'gif':
      return pipeline.gif();
  }
}

function quality(format: ImageFormat, display: boolean): number {
  if (display) return DEFAULT_ENCODING.displayQuality;
  return format === 'jpeg'
    ? DEFAULT_ENCODING.jpegQuality
    : format === 'webp'
      ? DEFAULT_ENCODING.webpQuality
      : DEFAULT_ENCODING.avifQuality;
}

type Prepared = Awaited<ReturnType<typeof prepare>>[number];

async function prepare(inputs: readonly BenchInput[]) {
  const inspector = new SharpImageInspector({
    maxPixels: MAX_PIXELS,
    maxFrames: 300,
    allowedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif'],
  });
  return Promise.all(
    inputs.map(async (input, i) => {
      const info = await inspector.inspect(input.bytes);
      const plan = planOutputs(
        { id: 'BenchImage00', format: info.format, width: info.width, hasAlpha: info.hasAlpha },
        DEFAULT_VARIANTS,
      );
      return { name: input.name, file: `input-${i}.${info.format}`, bytes: input.bytes, info, plan };
    }),
  );
}

/** What the worker does for one upload: the display copy, then the placeholder and every variant. */
async function* pictorOutputs(processor: SharpImageProcessor, { bytes, info, plan }: Prepared) {
  const source = {
    format: info.format,
    width: info.width,
    frames: info.frames,
    hasAlpha: info.hasAlpha,
    watermark: null,
  };
  const [display, ...variants] = plan as [PlannedOutput, ...PlannedOutput[]];
  yield await processor.renderDisplay(bytes, source, display);
  const { render } = await processor.prepareVariants(bytes, source, variants);
  yield* render();
}

async function runPictor(processor: SharpImageProcessor, input: Prepared): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const rendered of pictorOutputs(processor, input)) out.push(rendered.bytes);
  return out;
}

const outputName = (o: PlannedOutput) => `${o.name}.${o.format}`;

/** thumbor's URL for one planned output, with Pictor's quality for its format. */
function thumborPath(output: PlannedOutput, file: string): string {
  const display = output.name === DISPLAY;
  const box = output.box ? `fit-in/${output.box.width}x${output.box.height ?? 0}/` : '';
  const format = display ? '' : `format(${output.format}):`;
  return `/unsafe/${box}filters:${format}quality(${quality(output.format, display)})/${file}`;
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`thumbor answered ${res.status} to ${url}: ${body.toString().slice(0, 200)}`);
  return body;
}

/** Runs `jobs` with at most `concurrency` at once (thumbor's worker processes). */
async function pool<T>(jobs: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  });
  await Promise.all(workers);
  return results;
}

async function runThumbor(thumbor: Thumbor, input: Prepared): Promise<Buffer[]> {
  return pool(
    input.plan.map((o) => () => fetchBytes(`${thumbor.url}${thumborPath(o, input.file)}`)),
    2,
  );
}

/** The luma of the original resized to exactly `width`×`height` (Lanczos 3): the reference of an output that size. */
class References {
  private readonly cache = new Map<string, Promise<LumaPlane>>();
  of(input: Prepared, width: number, height: number): Promise<LumaPlane> {
    const key = `${input.file}:${width}x${height}`;
    let plane = this.cache.get(key);
    if (!plane) {
      plane = lumaOf(
        sharp(input.bytes, { limitInputPixels: MAX_PIXELS }).autoOrient().resize(width, height, { fit: 'fill' }),
      );
      this.cache.set(key, plane);
    }
    return plane;
  }
}

async function score(references: References, input: Prepared, output: Buffer): Promise<Fidelity> {
  const plane = await lumaOf(output);
  return fidelity(await references.of(input, plane.width, plane.height), plane);
}

function mean(points: readonly { bytes: number; fidelity: Fidelity }[], output: string): OutputQuality {
  const n = points.length || 1;
  return {
    output,
    bytes: Math.round(points.reduce((s, p) => s + p.bytes, 0) / n),
    ssim: points.reduce((s, p) => s + p.fidelity.ssim, 0) / n,
    psnr: points.reduce((s, p) => s + p.fidelity.psnr, 0) / n,
  };
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Pictor against thumbor on the same photographs and outputs: CPU per image in interleaved rounds
 * (Pictor's from this process, thumbor's from /proc over its parent and worker processes), then
 * bytes and fidelity of every output against the same reference, then one fit-640 JPEG alone.
 */
async function comparePeer(
  prepared: readonly Prepared[],
  processor: SharpImageProcessor,
  rounds: number,
  references: References,
): Promise<PeerComparison> {
  const thumbor = await startThumbor();
  try {
    for (const input of prepared) await thumbor.addImage(input.file, input.bytes);
    const small = prepared[0]!;
    const idle = () => fetchBytes(`${thumbor.url}/unsafe/fit-in/1x1/filters:quality(50)/${small.file}`);
    for (const input of prepared) {
      await runPictor(processor, input);
      await runThumbor(thumbor, input);
    }
    let pictorMs = 0;
    let peerMs = 0;
    for (let r = 0; r < rounds; r++) {
      let started = cpuNow();
      for (const input of prepared) await runPictor(processor, input);
      pictorMs += cpuNow() - started;
      started = thumbor.cpuMs();
      for (const input of prepared) await runThumbor(thumbor, input);
      peerMs += thumbor.cpuMs() - started;
    }
    const images = rounds * prepared.length;

    const idleStart = thumbor.cpuMs();
    for (let i = 0; i < 20; i++) await idle();
    const peerRequestCpuMs = (thumbor.cpuMs() - idleStart) / 20;

    const pictorPoints = new Map<string, { bytes: number; fidelity: Fidelity }[]>();
    const peerPoints = new Map<string, { bytes: number; fidelity: Fidelity }[]>();
    for (const input of prepared) {
      const ours = await runPictor(processor, input);
      const theirs = await runThumbor(thumbor, input);
      for (const [i, output] of input.plan.entries()) {
        const name = outputName(output);
        for (const [points, bytes] of [
          [pictorPoints, ours[i]!],
          [peerPoints, theirs[i]!],
        ] as const) {
          const list = points.get(name) ?? [];
          list.push({ bytes: bytes.length, fidelity: await score(references, input, bytes) });
          points.set(name, list);
        }
      }
    }
    const outputs = [...pictorPoints.keys()].map((output) => ({
      output,
      pictor: mean(pictorPoints.get(output)!, output),
      peer: mean(peerPoints.get(output) ?? [], output),
    }));

    // One fit-640 JPEG from the original, as a resizing service would make it on request.
    const single640 = (bytes: Buffer) =>
      sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
        .autoOrient()
        .resize({ width: 640 })
        .jpeg({ quality: DEFAULT_ENCODING.jpegQuality, progressive: true, mozjpeg: false })
        .toBuffer();
    const peer640 = (input: Prepared) =>
      fetchBytes(`${thumbor.url}/unsafe/640x0/filters:quality(${DEFAULT_ENCODING.jpegQuality})/${input.file}`);
    const baseline640 = (bytes: Buffer) =>
      sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
        .autoOrient()
        .resize({ width: 640 })
        .jpeg({ quality: DEFAULT_ENCODING.jpegQuality, mozjpeg: false })
        .toBuffer();
    const quarter512 = (bytes: Buffer) =>
      sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
        .autoOrient()
        .resize({ width: 512 })
        .jpeg({ quality: DEFAULT_ENCODING.jpegQuality, progressive: true, mozjpeg: false })
        .toBuffer();
    const singleRounds = rounds * 4;
    let ours = 0;
    let theirs = 0;
    let baseline = 0;
    let quarter = 0;
    for (const input of prepared) {
      await single640(input.bytes);
      await peer640(input);
      await baseline640(input.bytes);
      await quarter512(input.bytes);
    }
    for (let r = 0; r < singleRounds; r++) {
      let started = cpuNow();
      for (const input of prepared) await single640(input.bytes);
      ours += cpuNow() - started;
      started = thumbor.cpuMs();
      for (const input of prepared) await peer640(input);
      theirs += thumbor.cpuMs() - started;
      started = cpuNow();
      for (const input of prepared) await baseline640(input.bytes);
      baseline += cpuNow() - started;
      started = cpuNow();
      for (const input of prepared) await quarter512(input.bytes);
      quarter += cpuNow() - started;
    }
    const singlePictor: { bytes: number; fidelity: Fidelity }[] = [];
    const singlePeer: { bytes: number; fidelity: Fidelity }[] = [];
    for (const input of prepared) {
      const a = await single640(input.bytes);
      const b = await peer640(input);
      singlePictor.push({ bytes: a.length, fidelity: await score(references, input, a) });
      singlePeer.push({ bytes: b.length, fidelity: await score(references, input, b) });
    }
    const n = singleRounds * prepared.length;
    return {
      peer: thumbor.settings,
      rounds,
      pictorCpuMs: pictorMs / images,
      peerCpuMs: peerMs / images,
      ratio: pictorMs / peerMs,
      peerRequestCpuMs,
      outputs,
      single: {
        pictorCpuMs: ours / n,
        peerCpuMs: theirs / n,
        ratio: ours / theirs,
        pictor: mean(singlePictor, 'w640.jpeg'),
        peer: mean(singlePeer, 'w640.jpeg'),
        pictorBaselineCpuMs: baseline / n,
        pictorQuarterDecodeCpuMs: quarter / n,
      },
    };
  } finally {
    await thumbor.stop();
  }
}

/** The levers of Pictor's own pipeline, each a setting tried on the whole default set. */
async function measureLevers(
  prepared: readonly Prepared[],
  references: References,
  rounds: number,
): Promise<LeverPoint[]> {
  const base: EncodingSettings = { ...DEFAULT_ENCODING, avifChromaSubsampling: '4:2:0' };
  const tries: {
    lever: string;
    setting: string;
    adopted: boolean;
    encoding: EncodingSettings;
    concurrency?: number;
    parallel?: number;
  }[] = [
    {
      lever: 'AVIF chroma',
      setting: '4:4:4 (sharp default)',
      adopted: false,
      encoding: { ...base, avifChromaSubsampling: '4:4:4' },
    },
    { lever: 'AVIF chroma', setting: '4:2:0', adopted: true, encoding: base },
    { lever: 'AVIF effort', setting: '1', adopted: false, encoding: { ...base, avifEffort: 1 } },
    { lever: 'AVIF effort', setting: '3', adopted: false, encoding: { ...base, avifEffort: 3 } },
    {
      lever: 'libvips threads per job',
      setting: '2 (sharp.concurrency)',
      adopted: false,
      encoding: base,
      concurrency: 2,
    },
    {
      lever: 'jobs in parallel',
      setting: '2 images at once, 1 thread each (the worker: WORKER_CONCURRENCY=2)',
      adopted: true,
      encoding: base,
      parallel: 2,
    },
  ];
  const points: LeverPoint[] = [];
  const threads = sharp.concurrency();
  for (const t of tries) {
    const processor = new SharpImageProcessor(t.encoding, MAX_PIXELS);
    sharp.concurrency(t.concurrency ?? threads);
    try {
      // Images in groups of `parallel`, all of a group at once; per image = per group / its size.
      const size = t.parallel ?? 1;
      const groups = Array.from({ length: Math.ceil(prepared.length / size) }, (_, g) =>
        prepared.slice(g * size, g * size + size),
      );
      const perGroup = await measure(groups, rounds, (group) =>
        Promise.all(group.map((input) => runPictor(processor, input))),
      );
      const m = {
        cpuMsPerOp: (perGroup.cpuMsPerOp * groups.length) / prepared.length,
        wallMsPerOp: (perGroup.wallMsPerOp * groups.length) / prepared.length,
      };
      let bytes = 0;
      let ssim = 0;
      let scored = 0;
      for (const input of prepared) {
        const outputs = await runPictor(processor, input);
        for (const [i, output] of input.plan.entries()) {
          bytes += outputs[i]!.length;
          if (output.name === DISPLAY) continue;
          ssim += (await score(references, input, outputs[i]!)).ssim;
          scored++;
        }
      }
      points.push({
        lever: t.lever,
        setting: t.setting,
        adopted: t.adopted,
        cpuMsPerImage: m.cpuMsPerOp,
        wallMsPerImage: m.wallMsPerOp,
        bytesPerImage: Math.round(bytes / prepared.length),
        ssim: ssim / scored,
      });
    } finally {
      sharp.concurrency(threads);
    }
  }
  return points;
}

/**
 * Measurement 1: CPU-ms per uploaded image for Pictor's full output set (display copy,
 * thumbnail and widths in three formats, placeholder), against thumbor making the same outputs
 * (the peer), against the same set made by independent sharp pipelines (each output decodes the
 * original again: the naive baseline), and against the cheapest useful pipeline (decode + one
 * JPEG thumbnail: the floor); then the levers of Pictor's own settings.
 */
export async function processingBenchmark(
  inputs: readonly BenchInput[],
  rounds: number,
  options: { peer: boolean } = { peer: true },
): Promise<ProcessingResult> {
  const processor = new SharpImageProcessor(DEFAULT_ENCODING, MAX_PIXELS);
  const prepared = await prepare(inputs);
  const references = new References();

  let peer: PeerComparison | undefined;
  if (options.peer) {
    log('processing: Pictor and thumbor, interleaved');
    peer = await comparePeer(prepared, processor, rounds, references);
  }

  log('processing: Pictor, naive and floor');
  const pictor = await measure(prepared, rounds, (input) => runPictor(processor, input));

  const naive = await measure(prepared, rounds, async ({ bytes, plan }) => {
    for (const output of plan) {
      let pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS }).autoOrient();
      if (output.name === DISPLAY) pipeline = pipeline.keepIccProfile();
      else
        pipeline = pipeline.resize({
          width: output.box!.width,
          ...(output.box?.height ? { height: output.box.height } : {}),
          fit: 'inside',
          withoutEnlargement: true,
        });
      await encode(pipeline, output.format, quality(output.format, output.name === DISPLAY)).toBuffer();
    }
    await sharp(bytes).autoOrient().resize(100, 100, { fit: 'inside' }).ensureAlpha().raw().toBuffer();
  });

  const floor = await measure(prepared, rounds, async ({ bytes }) => {
    await sharp(bytes).resize(256, 256, { fit: 'inside' }).jpeg({ quality: 82 }).toBuffer();
  });

  log('processing: AVIF effort and chroma');
  const avifEfforts: AvifEffortPoint[] = [];
  const bases = await Promise.all(
    prepared.map(async (input) => ({
      input,
      ...(await sharp(input.bytes).autoOrient().resize({ width: 1280 }).raw().toBuffer({ resolveWithObject: true })),
    })),
  );
  // Every effort at the default chroma; sharp's default 4:4:4 at the default effort for comparison.
  const points = [
    ...[0, 1, 2, 3, 4].map((effort) => ({ chroma: '4:2:0' as const, effort })),
    { chroma: '4:4:4' as const, effort: DEFAULT_ENCODING.avifEffort },
  ];
  for (const { chroma, effort } of points) {
    const outputs: Buffer[] = [];
    const m = await measure(bases, 1, async ({ data, info }) => {
      const out = await sharp(data, { raw: info })
        .avif({ quality: DEFAULT_ENCODING.avifQuality, effort, chromaSubsampling: chroma })
        .toBuffer();
      outputs.push(out);
    });
    const last = outputs.slice(-bases.length);
    const scores = await Promise.all(last.map((out, i) => score(references, bases[i]!.input, out)));
    avifEfforts.push({
      effort,
      chroma,
      cpuMsPerOp: m.cpuMsPerOp,
      bytes: Math.round(last.reduce((s, b) => s + b.length, 0) / last.length),
      ssim: scores.reduce((s, f) => s + f.ssim, 0) / scores.length,
      psnr: scores.reduce((s, f) => s + f.psnr, 0) / scores.length,
    });
  }

  log('processing: levers');
  const levers = await measureLevers(prepared, references, 1);

  return {
    avifEfforts,
    pictor,
    naive,
    floor,
    ratioToNaive: pictor.cpuMsPerOp / naive.cpuMsPerOp,
    outputsPerImage: prepared[0]?.plan.length ?? 0,
    ...(peer ? { peer } : {}),
    levers,
  };
}
