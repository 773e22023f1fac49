import sharp from 'sharp';

/** A photo-like JPEG with camera EXIF and a GPS position, as a phone would upload it. */
export async function jpegWithGps(width = 1600, height = 1200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 110, b: 190 } } })
    .composite([
      {
        input: await sharp({
          create: { width: Math.round(width / 2), height: Math.round(height / 2), channels: 3, background: '#e0a030' },
        })
          .png()
          .toBuffer(),
        gravity: 'northwest',
      },
    ])
    .jpeg({ quality: 85 })
    .withExif({
      IFD0: { Make: 'PictorCam', Model: 'Test 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2964/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4020/100',
      },
    })
    .toBuffer();
}

export async function png(width = 640, height = 480, alpha = true): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: alpha ? 4 : 3,
      background: alpha ? { r: 200, g: 30, b: 60, alpha: 0.5 } : '#c81e3c',
    },
  })
    .png()
    .toBuffer();
}

export async function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: i % 2 ? '#3366cc' : '#cc6633' } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } })
    .gif()
    .toBuffer();
}

/** Does the JPEG/PNG/WebP/AVIF carry EXIF with GPS tags? Reads what sharp sees in the served bytes. */
export async function hasGps(bytes: Buffer): Promise<boolean> {
  const metadata = await sharp(bytes).metadata();
  if (!metadata.exif) return false;
  // GPS IFD tag 0x8825 in either byte order, or any GPS field name in the raw block.
  return metadata.exif.includes(Buffer.from([0x88, 0x25])) || metadata.exif.includes(Buffer.from([0x25, 0x88]));
}

/** A large photo-like JPEG full of noise: slow to encode, so a worker is busy with it for a while. */
export async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}
