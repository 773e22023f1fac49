import sharp, { type Sharp } from 'sharp';

/** How close an output is to its reference, on luma: SSIM (1 = identical) and PSNR in dB. */
export interface Fidelity {
  ssim: number;
  psnr: number;
}

/** A luma plane (BT.601 weights), one byte per pixel. */
export interface LumaPlane {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes any image sharp reads (JPEG, WebP, AVIF, PNG) to its luma plane, flattened on white. */
export async function lumaOf(image: Buffer | Sharp): Promise<LumaPlane> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image) : image;
  const { data, info } = await pipeline
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const luma = new Uint8Array(pixels);
  const channels = info.channels;
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    luma[i] = Math.round(0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!);
  }
  return { data: luma, width: info.width, height: info.height };
}

const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/**
 * SSIM and PSNR of `test` against `reference` (same size), on luma. SSIM is computed as ffmpeg's
 * `ssim` filter does: 8×8 windows every 4 pixels, averaged; PSNR over every pixel (Infinity when
 * the planes are equal).
 */
export function fidelity(reference: LumaPlane, test: LumaPlane): Fidelity {
  if (reference.width !== test.width || reference.height !== test.height) {
    throw new Error(
      `cannot compare ${test.width}×${test.height} with a ${reference.width}×${reference.height} reference`,
    );
  }
  const { width, height } = reference;
  const a = reference.data;
  const b = test.data;
  let squaredError = 0;
  for (let i = 0; i < a.length; i++) squaredError += (a[i]! - b[i]!) ** 2;
  const mse = squaredError / a.length;
  let ssimSum = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= height; y += 4) {
    for (let x = 0; x + 8 <= width; x += 4) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let dy = 0; dy < 8; dy++) {
        let o = (y + dy) * width + x;
        for (let dx = 0; dx < 8; dx++, o++) {
          const va = a[o]!;
          const vb = b[o]!;
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const ma = sa / 64;
      const mb = sb / 64;
      const va = saa / 64 - ma * ma;
      const vb = sbb / 64 - mb * mb;
      const cov = sab / 64 - ma * mb;
      ssimSum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      windows++;
    }
  }
  return {
    ssim: windows > 0 ? ssimSum / windows : 1,
    psnr: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse),
  };
}
