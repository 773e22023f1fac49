import type { ImageFormat } from './image.js';
import { storageKeys } from './storage-keys.js';

export interface VariantSettings {
  /** Longest side of the thumbnail, in pixels. */
  thumbnailSize: number;
  /** Widths of the resized variants; a width at or above the original's is skipped (no upscaling). */
  widths: readonly number[];
}

export interface PlannedOutput {
  name: string;
  format: ImageFormat;
  key: string;
  /** Resize so neither side exceeds these; undefined for the full-size display copy. */
  box?: { width: number; height?: number };
}

/** Display name of the sanitised full-size copy. */
export const DISPLAY = 'display';
export const THUMBNAIL = 'thumb';

/** The lossless fallback keeps alpha and flat artwork; photographs go to JPEG. */
export function baseFormatFor(source: ImageFormat, hasAlpha: boolean): ImageFormat {
  return hasAlpha || source === 'png' || source === 'gif' ? 'png' : 'jpeg';
}

/**
 * Every output the worker will write for an image, in the order it writes them: the display
 * copy first, so direct links work as early as possible, then the variants format by format. Pure: the API uses it to know which URLs
 * will exist before the worker has run.
 */
export function planOutputs(
  image: { id: string; format: ImageFormat; width: number; hasAlpha: boolean },
  settings: VariantSettings,
): PlannedOutput[] {
  const base = baseFormatFor(image.format, image.hasAlpha);
  const formats: ImageFormat[] = [base, 'webp', 'avif'];
  const outputs: PlannedOutput[] = [
    { name: DISPLAY, format: image.format, key: storageKeys.display(image.id, image.format) },
  ];
  const size = settings.thumbnailSize;
  const widths = [...settings.widths].sort((a, b) => a - b).filter((width) => width < image.width);
  // Format by format, cheapest first: JPEG/PNG and WebP variants are servable long before the
  // AVIF encoder (by far the costliest step) has finished.
  for (const format of formats) {
    outputs.push({
      name: THUMBNAIL,
      format,
      key: storageKeys.variant(image.id, THUMBNAIL, format),
      box: { width: size, height: size },
    });
    for (const width of widths) {
      outputs.push({
        name: `w${width}`,
        format,
        key: storageKeys.variant(image.id, `w${width}`, format),
        box: { width },
      });
    }
  }
  return outputs;
}
