import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { ERRORS, type ImageFormat, type ImageInspector, type InspectedImage } from '@pictor/core';
import { restrictLibvipsLoaders } from './libvips.js';

export interface InspectionLimits {
  /** Most pixels in one frame; for animations, across all frames. */
  maxPixels: number;
  maxFrames: number;
  allowedFormats: readonly ImageFormat[];
}

const MIME_TO_FORMAT: Readonly<Record<string, ImageFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
};

/** What sharp's metadata calls each format (AVIF is a HEIF container). */
const SHARP_FORMAT: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif',
};

/**
 * Validation from the bytes alone: the magic numbers name the type (never the client's header
 * or file name), sharp's metadata must agree, limits are checked before any pixel is decoded,
 * and a small decode proves the file is whole (truncated files fail here, not in the worker).
 */
export class SharpImageInspector implements ImageInspector {
  constructor(private readonly limits: InspectionLimits) {
    restrictLibvipsLoaders();
  }

  async inspect(bytes: Buffer): Promise<InspectedImage> {
    const sniffed = await fileTypeFromBuffer(bytes).catch(() => undefined);
    const format = sniffed ? MIME_TO_FORMAT[sniffed.mime] : undefined;
    if (!format || !this.limits.allowedFormats.includes(format)) {
      throw ERRORS.unsupportedMediaType(sniffed?.mime, this.limits.allowedFormats);
    }

    let metadata: Metadata;
    try {
      metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch (error) {
      throw ERRORS.corruptImage(`the ${format} header is not readable`, describe(error));
    }
    if (metadata.format !== SHARP_FORMAT[format] || !metadata.width || !metadata.height) {
      throw ERRORS.corruptImage(`the ${format} header is not readable`);
    }
    if (format === 'avif' && metadata.compression !== 'av1') {
      throw ERRORS.unsupportedMediaType(
        `image/heif (${metadata.compression ?? 'unknown'})`,
        this.limits.allowedFormats,
      );
    }

    const frames = metadata.pages ?? 1;
    const frameHeight = metadata.pageHeight ?? metadata.height;
    const framePixels = metadata.width * frameHeight;
    if (frames > this.limits.maxFrames) throw ERRORS.frameLimitExceeded(frames, this.limits.maxFrames);
    if (framePixels * frames > this.limits.maxPixels) {
      throw ERRORS.pixelLimitExceeded(framePixels * frames, this.limits.maxPixels);
    }

    try {
      // Shrink-on-load keeps this cheap for JPEG and WebP while still reading every byte.
      await sharp(bytes, { failOn: 'warning', limitInputPixels: this.limits.maxPixels })
        .resize(64, 64, { fit: 'inside' })
        .raw()
        .toBuffer();
    } catch (error) {
      throw ERRORS.corruptImage(`the ${format} data is damaged or cut short`, describe(error));
    }

    const oriented = metadata.autoOrient ?? { width: metadata.width, height: frameHeight };
    return {
      format,
      width: frames > 1 ? metadata.width : oriented.width,
      height: frames > 1 ? frameHeight : oriented.height,
      frames,
      hasAlpha: metadata.hasAlpha,
    };
  }
}

/** What libvips said, for the logs only: its wording names loaders and internals, not for clients. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // libvips prefixes messages with its loader name; keep the human part, one line.
  return (message.split('\n')[0] ?? message).replace(/^Vips\w+: /, '').slice(0, 200);
}
