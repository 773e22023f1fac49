import { describe, expect, it } from '@jest/globals';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { AppError, type ImageFormat } from '@pictor/core';
import { animatedGif } from '@pictor/testing/images';
import { SharpImageInspector, type InspectionLimits } from './sharp.image-inspector.js';

const ALL_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'avif'];

function inspector(limits: Partial<InspectionLimits> = {}): SharpImageInspector {
  return new SharpImageInspector({ maxPixels: 50_000_000, maxFrames: 300, allowedFormats: ALL_FORMATS, ...limits });
}

/** The same pseudo-random bytes on every run: noise keeps encoders from shrinking a file to its header. */
function noiseBytes(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

function noise(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  return sharp(noiseBytes(width * height * channels), { raw: { width, height, channels } });
}

function encode(image: Sharp, format: ImageFormat): Promise<Buffer> {
  return image.toFormat(format).toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A real, decodable all-black PNG of any size, built by hand: 1-bit greyscale rows of zeros
 * deflate to almost nothing, so 20000×20000 (400 MP) is about 50 kB. A decompression bomb.
 */
function blackPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale; compression, filter and interlace stay 0
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

async function rejection(pending: Promise<unknown>): Promise<AppError> {
  const outcome = await pending.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(AppError);
  return outcome.error as AppError;
}

describe('SharpImageInspector: allowed formats', () => {
  it.each([
    { format: 'jpeg', channels: 3, hasAlpha: false },
    { format: 'png', channels: 4, hasAlpha: true },
    { format: 'png', channels: 3, hasAlpha: false },
    { format: 'webp', channels: 4, hasAlpha: true },
    { format: 'gif', channels: 3, hasAlpha: false },
    { format: 'avif', channels: 3, hasAlpha: false },
  ] as const)(
    'when a $format has $channels channels, then its format, size, frames and alpha are reported',
    async ({ format, channels, hasAlpha }) => {
      const bytes = await encode(noise(120, 80, channels), format);
      await expect(inspector().inspect(bytes)).resolves.toEqual({
        format,
        width: 120,
        height: 80,
        frames: 1,
        hasAlpha,
      });
    },
  );

  it('when it is an animated GIF within the limits, then every frame is counted and the size is one frame', async () => {
    const inspected = await inspector({ maxFrames: 6 }).inspect(await animatedGif(40, 30, 6));
    expect(inspected).toMatchObject({ format: 'gif', width: 40, height: 30, frames: 6 });
  });

  it('when a JPEG carries EXIF orientation 6, then the width and height are those of the upright image', async () => {
    const bytes = await noise(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    await expect(inspector().inspect(bytes)).resolves.toMatchObject({ format: 'jpeg', width: 200, height: 300 });
  });

  it('when PNG bytes arrive under any name or declared type, then the bytes decide and it is a png', async () => {
    // The inspector is given the bytes only: nothing the client says about them can reach it.
    const bytes = await encode(noise(64, 48), 'png');
    await expect(inspector().inspect(bytes)).resolves.toMatchObject({ format: 'png', width: 64, height: 48 });
  });
});

describe('SharpImageInspector: types that are refused', () => {
  it.each(['webp', 'gif', 'avif'] as const)(
    'when the allowlist leaves out %s, then such a file is refused with 415',
    async (format) => {
      const narrow = inspector({ allowedFormats: ['jpeg', 'png'] });
      const error = await rejection(narrow.inspect(await encode(noise(32, 32), format)));
      expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
      await expect(narrow.inspect(await encode(noise(32, 32), 'png'))).resolves.toMatchObject({ format: 'png' });
    },
  );

  const html = '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>';
  const svgBody =
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script>' +
    '<rect width="100" height="100" fill="red"/></svg>';

  it.each([
    { name: 'HTML', bytes: () => Buffer.from(html) },
    { name: 'an SVG with a script', bytes: () => Buffer.from(svgBody) },
    {
      name: 'an SVG with a script and an XML declaration',
      bytes: () => Buffer.from(`<?xml version="1.0"?>${svgBody}`),
    },
    { name: 'a TIFF', bytes: () => noise(32, 32).tiff().toBuffer() },
    {
      name: 'a PDF',
      bytes: () => Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n'),
    },
    { name: 'random bytes', bytes: () => noiseBytes(4096, 42) },
    { name: 'nothing at all', bytes: () => Buffer.alloc(0) },
  ])('when it is $name, then it is refused with 415 UNSUPPORTED_MEDIA_TYPE', async ({ bytes }) => {
    const error = await rejection(inspector().inspect(await bytes()));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
  });
});

describe('SharpImageInspector: damaged images', () => {
  it.each([
    { name: 'a JPEG', make: () => noise(300, 200).jpeg().toBuffer() },
    { name: 'a progressive JPEG', make: () => noise(300, 200).jpeg({ progressive: true }).toBuffer() },
    { name: 'a PNG', make: () => noise(300, 200).png().toBuffer() },
    { name: 'a WebP', make: () => noise(300, 200).webp().toBuffer() },
    { name: 'a GIF', make: () => noise(300, 200).gif().toBuffer() },
    { name: 'an AVIF', make: () => noise(300, 200).avif().toBuffer() },
  ])('when $name is cut in half, then it is refused with 422 CORRUPT_IMAGE', async ({ make }) => {
    const whole = await make();
    await expect(inspector().inspect(whole)).resolves.toMatchObject({ width: 300, height: 200 });
    const error = await rejection(inspector().inspect(whole.subarray(0, Math.floor(whole.length / 2))));
    expect(error).toMatchObject({ code: 'CORRUPT_IMAGE', status: 422 });
  });

  it('when a JPEG keeps its headers but its scan data is garbage, then it is refused with 422 CORRUPT_IMAGE', async () => {
    const jpeg = await noise(300, 200).jpeg().toBuffer();
    const scan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const headers = jpeg.subarray(0, scan + 2 + jpeg.readUInt16BE(scan + 2));
    const forged = Buffer.concat([headers, noiseBytes(jpeg.length - headers.length, 7), Buffer.from([0xff, 0xd9])]);
    // The header alone is convincing: only decoding finds the lie.
    expect(await sharp(forged).metadata()).toMatchObject({ format: 'jpeg', width: 300, height: 200 });
    const error = await rejection(inspector().inspect(forged));
    expect(error).toMatchObject({ code: 'CORRUPT_IMAGE', status: 422 });
    // The client reads plain words; what libvips said stays with the logs.
    expect((error as Error).message).toBe('The image could not be decoded: the jpeg data is damaged or cut short.');
    expect(String((error as Error).cause)).toMatch(/\w/);
  });

  it('when JPEG magic bytes are followed by garbage, then it is refused with 422 CORRUPT_IMAGE', async () => {
    const forged = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noiseBytes(2048, 9)]);
    const error = await rejection(inspector().inspect(forged));
    expect(error).toMatchObject({ code: 'CORRUPT_IMAGE', status: 422 });
  });
});

describe('SharpImageInspector: pixel and frame limits', () => {
  it('when a small PNG declares 20000×20000 pixels, then it is refused with 422 PIXEL_LIMIT_EXCEEDED', async () => {
    const bomb = blackPng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100_000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ width: 20_000, height: 20_000 });
    const error = await rejection(inspector({ maxPixels: 50_000_000 }).inspect(bomb));
    expect(error).toMatchObject({
      code: 'PIXEL_LIMIT_EXCEEDED',
      status: 422,
      details: { pixels: 400_000_000, limit: 50_000_000 },
    });
  });

  it('when an image has exactly the pixel limit, then it passes, and one row more does not', async () => {
    const limited = inspector({ maxPixels: 64 * 48 });
    await expect(limited.inspect(blackPng(64, 48))).resolves.toMatchObject({ format: 'png', width: 64, height: 48 });
    const error = await rejection(limited.inspect(blackPng(64, 49)));
    expect(error).toMatchObject({ code: 'PIXEL_LIMIT_EXCEEDED', status: 422 });
  });

  it('when an animated GIF has more frames than allowed, then it is refused with 422 FRAME_LIMIT_EXCEEDED', async () => {
    const error = await rejection(inspector({ maxFrames: 10 }).inspect(await animatedGif(16, 16, 12)));
    expect(error).toMatchObject({ code: 'FRAME_LIMIT_EXCEEDED', status: 422, details: { frames: 12, limit: 10 } });
  });

  it('when an animation is small per frame but its frames together exceed the pixel limit, then it is refused with 422 PIXEL_LIMIT_EXCEEDED', async () => {
    const limited = inspector({ maxPixels: 100_000, maxFrames: 300 });
    await expect(limited.inspect(await animatedGif(100, 100, 2))).resolves.toMatchObject({ frames: 2 });
    const error = await rejection(limited.inspect(await animatedGif(100, 100, 20)));
    expect(error).toMatchObject({
      code: 'PIXEL_LIMIT_EXCEEDED',
      status: 422,
      details: { pixels: 200_000, limit: 100_000 },
    });
  });
});
