import type { ImageFormat } from '../images/image.js';
import type { PlannedOutput } from '../images/variant-plan.js';

/** What the processor needs to know of the original besides its bytes (from the image's row). */
export interface SourceImage {
  format: ImageFormat;
  /** Width after orientation is applied. */
  width: number;
  frames: number;
  hasAlpha: boolean;
  watermark: string | null;
}

export interface RenderedOutput {
  output: PlannedOutput;
  bytes: Buffer;
  width: number;
  height: number;
  /** Time its own pipeline took (variants; outputs of a group are rendered at the same time). */
  seconds?: number;
}

/** The variants of an image from one decode of its original, and its placeholder. */
export interface PreparedVariants {
  /** ThumbHash of the image, base64. */
  placeholder: string;
  /** Renders the variants in plan order; a consumer may stop early. */
  render: () => AsyncGenerator<RenderedOutput>;
}

/**
 * Renders the outputs of the variant plan (`planOutputs`) from an original. The display copy is
 * the original re-encoded in its own format without its metadata (EXIF, GPS, XMP, IPTC); the
 * variants come from one decode of the original. An error thrown here that is not an AppError is
 * about the image itself: retrying will not help.
 */
export interface ImageProcessor {
  /** The display copy (the plan's first output). */
  renderDisplay(original: Buffer, source: SourceImage, output: PlannedOutput): Promise<RenderedOutput>;
  /** Decodes the original once for `outputs`, which must not include the display copy. */
  prepareVariants(original: Buffer, source: SourceImage, outputs: readonly PlannedOutput[]): Promise<PreparedVariants>;
}
