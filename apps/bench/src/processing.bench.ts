import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { loadConfig } from '@pictor/config';
import { DISPLAY, planOutputs, type ImageFormat, type PlannedOutput } from '@pictor/core';
import { SharpImageInspector, SharpImageProcessor } from '@pictor/imaging';
import type { BenchInput } from './inputs.js';
import { measure, type Measurement } from './measure.js';

/** The defaults users get: the variant set and encoder settings of an unconfigured Pictor. */
const DEFAULTS = loadConfig({});
export const DEFAULT_VARIANTS = DEFAULTS.variants;
export const DEFAULT_ENCODING = DEFAULTS.encoding;
const MAX_PIXELS = DEFAULTS.limits.maxImagePixels;

export interface AvifEffortPoint {
  effort: number;
  cpuMsPerOp: number;
  bytes: number;
}

export interface ProcessingResult {
  /** One 1280-wide AVIF of each input, at several encoder efforts: why AVIF_EFFORT defaults to 2. */
  avifEfforts: AvifEffortPoint[];
  pictor: Measurement;
  naive: Measurement;
  floor: Measurement;
  ratioToNaive: number;
  outputsPerImage: number;
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
      return pipeline.avif({ quality, effort: DEFAULT_ENCODING.avifEffort });
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

/**
 * Measurement 1: CPU-ms per uploaded image for Pictor's full output set (display copy,
 * thumbnail and widths in three formats, placeholder), against the same set made by independent
 * sharp pipelines (each output decodes the original again: the naive baseline), and against the
 * cheapest useful pipeline (decode + one JPEG thumbnail: the floor).
 */
export async function processingBenchmark(inputs: readonly BenchInput[], rounds: number): Promise<ProcessingResult> {
  const inspector = new SharpImageInspector({
    maxPixels: MAX_PIXELS,
    maxFrames: 300,
    allowedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif'],
  });
  const processor = new SharpImageProcessor(DEFAULT_ENCODING, MAX_PIXELS);
  const prepared = await Promise.all(
    inputs.map(async (input) => {
      const info = await inspector.inspect(input.bytes);
      const plan = planOutputs(
        { id: 'BenchImage00', format: info.format, width: info.width, hasAlpha: info.hasAlpha },
        DEFAULT_VARIANTS,
      );
      return { bytes: input.bytes, info, plan };
    }),
  );

  const pictor = await measure(prepared, rounds, async ({ bytes, info, plan }) => {
    const source = {
      format: info.format,
      width: info.width,
      frames: info.frames,
      hasAlpha: info.hasAlpha,
      watermark: null,
    };
    const [display, ...variants] = plan as [PlannedOutput, ...PlannedOutput[]];
    await processor.renderDisplay(bytes, source, display);
    const { render } = await processor.prepareVariants(bytes, source, variants);
    for await (const rendered of render()) void rendered;
  });

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

  const avifEfforts: AvifEffortPoint[] = [];
  const bases = await Promise.all(
    prepared.map(({ bytes }) => sharp(bytes).resize({ width: 1280 }).raw().toBuffer({ resolveWithObject: true })),
  );
  for (const effort of [0, 2, 4]) {
    let bytes = 0;
    const m = await measure(bases, 1, async ({ data, info }) => {
      const out = await sharp(data, { raw: info }).avif({ quality: DEFAULT_ENCODING.avifQuality, effort }).toBuffer();
      bytes += out.length;
    });
    avifEfforts.push({ effort, cpuMsPerOp: m.cpuMsPerOp, bytes: Math.round(bytes / (2 * bases.length)) });
  }

  return {
    avifEfforts,
    pictor,
    naive,
    floor,
    ratioToNaive: pictor.cpuMsPerOp / naive.cpuMsPerOp,
    outputsPerImage: prepared[0]?.plan.length ?? 0,
  };
}
