import sharp from 'sharp';

/** libvips loaders for the formats Pictor accepts; every other loader (SVG, PDF, TIFF, magick…) is blocked. */
const TRUSTED_LOADERS = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadPng',
  'VipsForeignLoadWebp',
  'VipsForeignLoadNsgif',
  'VipsForeignLoadHeif',
];

let restricted = false;

/**
 * Blocks every libvips loader but the trusted ones, process-wide. Validation already refuses
 * other types by their magic bytes; this is the second lock on the same door.
 */
export function restrictLibvipsLoaders(): void {
  if (restricted) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: TRUSTED_LOADERS });
  restricted = true;
}
