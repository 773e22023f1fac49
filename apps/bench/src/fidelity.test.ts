import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { fidelity, lumaOf } from './fidelity.js';

async function photo(): Promise<Buffer> {
  // A smooth gradient with detail: enough structure for SSIM to react to a lossy encode.
  const width = 96;
  const height = 64;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      pixels[o] = (x * 255) / width;
      pixels[o + 1] = (y * 255) / height;
      pixels[o + 2] = (x * y) % 2 === 0 ? 200 : 40;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('fidelity', () => {
  it('when an image is compared with itself, then SSIM is 1 and PSNR infinite', async () => {
    const plane = await lumaOf(await photo());
    expect(fidelity(plane, plane)).toEqual({ ssim: 1, psnr: Number.POSITIVE_INFINITY });
  });

  it('when an image is encoded at a lower quality, then it scores lower on both measures', async () => {
    const source = await photo();
    const reference = await lumaOf(source);
    const good = fidelity(reference, await lumaOf(await sharp(source).jpeg({ quality: 95 }).toBuffer()));
    const poor = fidelity(reference, await lumaOf(await sharp(source).jpeg({ quality: 10 }).toBuffer()));
    expect(good.ssim).toBeLessThan(1);
    expect(poor.ssim).toBeLessThan(good.ssim);
    expect(poor.psnr).toBeLessThan(good.psnr);
  });

  it('when the sizes differ, then the comparison is refused', async () => {
    const source = await photo();
    const smaller = await lumaOf(await sharp(source).resize(48).png().toBuffer());
    expect(() => fidelity(smaller, { data: new Uint8Array(4), width: 2, height: 2 })).toThrow(/cannot compare/);
  });
});
