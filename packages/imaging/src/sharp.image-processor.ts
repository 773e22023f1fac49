import sharp from 'sharp';
import type { OutputInfo, OverlayOptions, Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import {
  DISPLAY,
  type ImageFormat,
  type ImageProcessor,
  type PlannedOutput,
  type PreparedVariants,
  type RenderedOutput,
  type SourceImage,
} from '@pictor/core';
import { restrictLibvipsLoaders } from './libvips.js';

export interface EncodingSettings {
  displayQuality: number;
  jpegQuality: number;
  webpQuality: number;
  avifQuality: number;
  avifEffort: number;
  /**
   * Chroma subsampling of AVIF outputs; 4:2:0 unless set. Measured on the benchmark's photographs
   * (docs/BENCHMARKS.md, measurement 1): at the same quality and effort, 4:2:0 gives ~5 % smaller
   * AVIF files at the same luma SSIM than sharp's default 4:4:4, and the whole output set 8–11 %
   * less CPU.
   */
  avifChromaSubsampling?: '4:2:0' | '4:4:4';
}

interface DecodedBase {
  pixels: Buffer;
  info: OutputInfo;
}

/**
 * The image pipeline. The display copy is the original re-encoded in its own format with
 * orientation applied, the colour profile kept and every other piece of metadata (EXIF, GPS,
 * XMP, IPTC) dropped. Variants come from one shrink-on-load decode of the original, held as raw
 * pixels, so no variant decodes the original again.
 */
export class SharpImageProcessor implements ImageProcessor {
  constructor(
    private readonly encoding: EncodingSettings,
    private readonly maxPixels: number,
  ) {
    restrictLibvipsLoaders();
  }

  async renderDisplay(original: Buffer, source: SourceImage, output: PlannedOutput): Promise<RenderedOutput> {
    const animated = source.frames > 1;
    let pipeline = sharp(original, { animated, limitInputPixels: this.maxPixels, failOn: 'error' });
    if (!animated) pipeline = pipeline.autoOrient();
    if (source.watermark && !animated) {
      // The label is composited in sRGB; the result is tagged sRGB instead of the original profile.
      pipeline = (
        await withWatermark(pipeline.toColourspace('srgb'), source.watermark, source.width, source.hasAlpha)
      ).withIccProfile('srgb');
    } else {
      pipeline = pipeline.keepIccProfile();
    }
    const { data, info } = await this.encode(pipeline, output.format, this.encoding.displayQuality).toBuffer({
      resolveWithObject: true,
    });
    return { output, bytes: data, width: info.width, height: info.pageHeight ?? info.height };
  }

  /** Renders the variants in plan order. `outputs` must not include the display copy. */
  async *renderVariants(
    original: Buffer,
    source: SourceImage,
    outputs: readonly PlannedOutput[],
  ): AsyncGenerator<RenderedOutput> {
    if (outputs.length === 0) return;
    yield* this.renderFrom(await this.decodeBase(original, source, outputs), outputs);
  }

  /**
   * The variants and the placeholder from one decode: the ThumbHash is computed from the decoded
   * base the variants are resized from, not from a second decode of the original.
   */
  async prepareVariants(
    original: Buffer,
    source: SourceImage,
    outputs: readonly PlannedOutput[],
  ): Promise<PreparedVariants> {
    if (outputs.length === 0) {
      return { placeholder: await this.placeholder(original, source), render: async function* () {} };
    }
    const base = await this.decodeBase(original, source, outputs);
    const { data, info } = await sharp(base.pixels, { raw: base.info })
      .resize(100, 100, { fit: 'inside' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      placeholder: Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64'),
      render: () => this.renderFrom(base, outputs),
    };
  }

  /**
   * Yields the outputs in plan order. The outputs of one format group (consecutive outputs of the
   * same format: the worker publishes a group when its last output is stored) are encoded at once,
   * each pipeline on its own libvips thread, so a group takes about as long as its largest output
   * while a core is free, and no more CPU than one after another.
   */
  private async *renderFrom(base: DecodedBase, outputs: readonly PlannedOutput[]): AsyncGenerator<RenderedOutput> {
    for (const group of formatGroups(outputs)) {
      const pending = group.map((output) => this.renderOne(base, output));
      // A consumer that stops early (the image was deleted) leaves the rest to finish unobserved.
      for (const rendering of pending) rendering.catch(() => undefined);
      for (const rendering of pending) yield await rendering;
    }
  }

  private async renderOne(base: DecodedBase, output: PlannedOutput): Promise<RenderedOutput> {
    if (output.name === DISPLAY) throw new Error('renderVariants does not render the display copy');
    const startedAt = process.hrtime.bigint();
    const box: { width: number; height?: number } = output.box ?? { width: base.info.width };
    const pipeline = sharp(base.pixels, { raw: base.info }).resize({
      width: box.width,
      ...(box.height ? { height: box.height } : {}),
      fit: 'inside',
      withoutEnlargement: true,
    });
    const quality =
      output.format === 'jpeg'
        ? this.encoding.jpegQuality
        : output.format === 'webp'
          ? this.encoding.webpQuality
          : this.encoding.avifQuality;
    const { data, info } = await this.encode(pipeline, output.format, quality).toBuffer({ resolveWithObject: true });
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    return { output, bytes: data, width: info.width, height: info.height, seconds };
  }

  /** A ThumbHash of the image (base64), a ~30-byte blurred preview for placeholders. */
  async placeholder(original: Buffer, source: SourceImage): Promise<string> {
    let pipeline = sharp(original, { limitInputPixels: this.maxPixels });
    if (source.frames <= 1) pipeline = pipeline.autoOrient();
    const { data, info } = await pipeline
      .resize(100, 100, { fit: 'inside' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
  }

  private async decodeBase(
    original: Buffer,
    source: SourceImage,
    outputs: readonly PlannedOutput[],
  ): Promise<DecodedBase> {
    const widest = Math.max(...outputs.map((o) => o.box?.width ?? 0));
    let pipeline = sharp(original, { limitInputPixels: this.maxPixels, failOn: 'error' });
    if (source.frames <= 1) pipeline = pipeline.autoOrient();
    pipeline = pipeline
      .resize({ width: widest, height: widest, fit: 'outside', withoutEnlargement: true })
      .toColourspace('srgb');
    if (source.watermark) {
      const width = Math.min(source.width, widest);
      pipeline = await withWatermark(pipeline, source.watermark, width, source.hasAlpha);
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { pixels: data, info };
  }

  private encode(pipeline: Sharp, format: ImageFormat, quality: number): Sharp {
    switch (format) {
      case 'jpeg':
        return pipeline.jpeg({ quality, progressive: true, mozjpeg: false });
      case 'png':
        return pipeline.png({ compressionLevel: 6 });
      case 'webp':
        return pipeline.webp({ quality, effort: 4 });
      case 'avif':
        return pipeline.avif({
          quality,
          effort: this.encoding.avifEffort,
          chromaSubsampling: this.encoding.avifChromaSubsampling ?? '4:2:0',
        });
      case 'gif':
        return pipeline.gif();
    }
  }
}

/** Consecutive outputs of the same format, in plan order. */
function formatGroups(outputs: readonly PlannedOutput[]): PlannedOutput[][] {
  const groups: PlannedOutput[][] = [];
  for (const output of outputs) {
    const last = groups.at(-1);
    if (last && last[0]!.format === output.format) last.push(output);
    else groups.push([output]);
  }
  return groups;
}

/**
 * Composites the label onto the pipeline's output. Compositing adds an alpha channel, which an
 * opaque image must not gain, so the result is materialised and the alpha dropped again.
 */
async function withWatermark(pipeline: Sharp, text: string, width: number, keepAlpha: boolean): Promise<Sharp> {
  const { data, info } = await pipeline
    .composite([await watermarkLayer(text, width)])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const marked = sharp(data, { raw: info });
  return keepAlpha ? marked : marked.removeAlpha();
}

/** A semi-transparent text label for the bottom-right corner, scaled to the image width. */
async function watermarkLayer(text: string, imageWidth: number): Promise<OverlayOptions> {
  const escaped = text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
  const size = Math.max(10, Math.round(imageWidth / 32));
  const label = await sharp({
    text: {
      text: `<span foreground="white" background="#00000080"> ${escaped} </span>`,
      font: `sans ${size}px`,
      rgba: true,
      dpi: 72,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const maxWidth = Math.max(1, Math.floor(imageWidth * 0.9));
  const input =
    label.info.width > maxWidth ? await sharp(label.data).resize({ width: maxWidth }).png().toBuffer() : label.data;
  return { input, gravity: 'southeast', blend: 'over' };
}
