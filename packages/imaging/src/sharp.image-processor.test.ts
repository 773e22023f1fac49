import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { planOutputs } from '@pictor/core';
import { SharpImageProcessor } from './sharp.image-processor.js';

const processor = new SharpImageProcessor(
  { displayQuality: 90, jpegQuality: 80, webpQuality: 80, avifQuality: 50, avifEffort: 0 },
  100_000_000,
);

/** A 1600×900 photo-like JPEG: a warm left half, a cool right half. */
async function twoTone(): Promise<Buffer> {
  const half = (r: number, g: number, b: number) =>
    sharp({ create: { width: 800, height: 900, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  return sharp({ create: { width: 1600, height: 900, channels: 3, background: '#000' } })
    .composite([
      { input: await half(230, 120, 40), left: 0, top: 0 },
      { input: await half(40, 110, 220), left: 800, top: 0 },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('SharpImageProcessor.prepareVariants', () => {
  it('when variants are prepared, then the placeholder from the shared decode matches one from the original', async () => {
    const original = await twoTone();
    const source = { format: 'jpeg' as const, width: 1600, frames: 1, hasAlpha: false, watermark: null };
    const plan = planOutputs(
      { id: 'Ab12Cd34Ef56', format: 'jpeg', width: 1600, hasAlpha: false },
      {
        thumbnailSize: 256,
        widths: [640, 1280],
      },
    ).slice(1);

    const { placeholder, render } = await processor.prepareVariants(original, source, plan);
    const reference = await processor.placeholder(original, source);

    const shared = Buffer.from(placeholder, 'base64');
    const separate = Buffer.from(reference, 'base64');
    expect(thumbHashToApproximateAspectRatio(shared)).toBeCloseTo(thumbHashToApproximateAspectRatio(separate), 1);
    const a = thumbHashToAverageRGBA(shared);
    const b = thumbHashToAverageRGBA(separate);
    for (const channel of ['r', 'g', 'b'] as const) expect(Math.abs(a[channel] - b[channel])).toBeLessThan(0.03);

    const rendered = [];
    for await (const output of render()) rendered.push(`${output.output.name}.${output.output.format}:${output.width}`);
    expect(rendered).toEqual(plan.map((p) => expect.stringMatching(new RegExp(`^${p.name}\\.${p.format}:`))));
    expect(rendered).toContain('w640.webp:640');
  });
});
