import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { animatedGif, hasGps, jpegWithGps, png } from '@pictor/test-harness/images';

interface UploadedDto {
  id: string;
  status: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  expiresAt: string | null;
  deleteToken: string;
  links: {
    view: string;
    direct: string;
    thumbnail: string;
    markdown: string;
    html: string;
    bbcode: string;
    delete: string;
  };
}

interface ImageDto {
  id: string;
  status: string;
  placeholder: string | null;
  variants: { name: string; format: string; width: number; height: number; url: string }[];
}

let pictor: TestPictor;

beforeAll(async () => {
  pictor = await startTestPictor({ VARIANT_WIDTHS: '320,800', THUMBNAIL_SIZE: '128' });
});

afterAll(async () => {
  await pictor.stop();
});

function form(files: Buffer[], fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [i, file] of files.entries()) body.append('file', new Blob([new Uint8Array(file)]), `photo-${i}.jpg`);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
}

async function upload(files: Buffer[], fields: Record<string, string> = {}): Promise<UploadedDto[]> {
  const res = await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body: form(files, fields) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { images: UploadedDto[] }).images;
}

/** Local URL for a link built on PUBLIC_URL. */
function local(link: string): string {
  const u = new URL(link);
  return `${pictor.url}${u.pathname}${u.search}`;
}

async function waitForStatus(id: string, status: string, timeoutMs = 20_000): Promise<ImageDto> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${pictor.url}/api/v1/images/${id}`);
    const body = (await res.json()) as ImageDto;
    if (body.status === status) return body;
    if (Date.now() > deadline) throw new Error(`image ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('when a JPEG carrying GPS EXIF is uploaded', () => {
  let image: UploadedDto;
  let original: Buffer;

  beforeAll(async () => {
    original = await jpegWithGps(1600, 1200);
    expect(await hasGps(original)).toBe(true);
    [image] = (await upload([original], { title: 'Holiday' })) as [UploadedDto];
  });

  it('then it answers 201 with the size, format, links and a delete token', () => {
    expect(image).toMatchObject({
      status: 'pending',
      width: 1600,
      height: 1200,
      format: 'jpeg',
      bytes: original.length,
      expiresAt: null,
    });
    expect(image.id).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(image.links.direct).toBe(`http://localhost:8080/i/${image.id}.jpg`);
    expect(image.links.view).toBe(`http://localhost:8080/v/${image.id}`);
    expect(image.links.thumbnail).toBe(`http://localhost:8080/i/${image.id}/thumb.jpg`);
    expect(image.links.markdown).toContain(`(${image.links.direct})`);
    expect(image.links.html).toContain(`src="${image.links.direct}"`);
    expect(image.links.bbcode).toContain(`[img]${image.links.direct}[/img]`);
    expect(image.links.delete).toContain(encodeURIComponent(image.deleteToken));
  });

  it('then the direct link works at once and serves the image without GPS', async () => {
    const res = await fetch(local(image.links.direct));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('etag')).toBeTruthy();
    const served = Buffer.from(await res.arrayBuffer());
    expect(await hasGps(served)).toBe(false);
    const meta = await sharp(served).metadata();
    expect([meta.width, meta.height]).toEqual([1600, 1200]);
  });

  it('then every variant exists with the promised size and format, and none carries GPS', async () => {
    const ready = await waitForStatus(image.id, 'ready');
    expect(ready.placeholder).toMatch(/^[A-Za-z0-9+/=]+$/);
    const byKey = new Map(ready.variants.map((v) => [`${v.name}.${v.format}`, v]));
    for (const format of ['jpeg', 'webp', 'avif']) {
      expect(byKey.get(`thumb.${format}`)).toMatchObject({ width: 128, height: 96 });
      expect(byKey.get(`w320.${format}`)).toMatchObject({ width: 320, height: 240 });
      expect(byKey.get(`w800.${format}`)).toMatchObject({ width: 800, height: 600 });
    }
    expect(byKey.get('display.jpeg')).toMatchObject({ width: 1600, height: 1200 });
    expect(ready.variants).toHaveLength(10);
    for (const variant of ready.variants) {
      const res = await fetch(local(variant.url));
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect(meta.width).toBe(variant.width);
      expect(meta.height).toBe(variant.height);
      expect(meta.format).toBe(variant.format === 'avif' ? 'heif' : variant.format);
      expect(await hasGps(bytes)).toBe(false);
    }
  });

  it('then a byte range of the direct link is served as 206', async () => {
    const res = await fetch(local(image.links.direct), { headers: { Range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
  });

  it('then a conditional request with its ETag answers 304', async () => {
    const first = await fetch(local(image.links.direct), { method: 'HEAD' });
    const etag = first.headers.get('etag')!;
    const again = await fetch(local(image.links.direct), { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('then methods other than GET and HEAD are refused on direct links', async () => {
    const res = await fetch(local(image.links.direct), { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('then the original upload is never served', async () => {
    for (const path of [
      `/i/originals/${image.id}`,
      `/originals/${image.id}`,
      `/i/${image.id}`,
      `/i/${image.id}/original.jpg`,
    ]) {
      const res = await fetch(`${pictor.url}${path}`);
      expect(res.status).toBe(404);
    }
  });

  it('then the view page shows the image and its embed codes', async () => {
    const res = await fetch(local(image.links.view));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`/i/${image.id}.jpg`);
    expect(html).toContain('Holiday');
    // Once processed, browsers are offered the resized modern variants first.
    expect(html).toContain(`<source type="image/avif" srcset="http://localhost:8080/i/${image.id}/w320.avif 320w`);
    expect(html).toContain(`/i/${image.id}/w800.webp 800w`);
  });
});

describe('when several files are uploaded in one request', () => {
  it('then each gets its own image, and a PNG with alpha keeps PNG variants', async () => {
    const images = await upload([await jpegWithGps(800, 600), await png(300, 200)], {
      visibility: 'unlisted',
      expiresIn: '1h',
    });
    expect(images.map((i) => i.format)).toEqual(['jpeg', 'png']);
    expect(new Set(images.map((i) => i.id)).size).toBe(2);
    const expires = new Date(images[0]!.expiresAt!).getTime();
    expect(expires - Date.now()).toBeGreaterThan(3500_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3600_000);
    const pngReady = await waitForStatus(images[1]!.id, 'ready');
    // 300 px wide: no 320 or 800 variant (never upscaled), thumbnails only.
    expect(pngReady.variants.map((v) => `${v.name}.${v.format}`).sort()).toEqual(
      ['display.png', 'thumb.avif', 'thumb.png', 'thumb.webp'].sort(),
    );
    const list = (await (await fetch(`${pictor.url}/api/v1/images?limit=100`)).json()) as { images: { id: string }[] };
    expect(list.images.map((i) => i.id)).not.toContain(images[0]!.id);
  });
});

describe('when an image is deleted', () => {
  it('then a wrong token is refused and the image stays', async () => {
    const [image] = (await upload([await jpegWithGps(400, 300)])) as [UploadedDto];
    await waitForStatus(image.id, 'ready');
    const res = await fetch(`${pictor.url}/api/v1/images/${image.id}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': 'not-the-token' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_DELETE_TOKEN');
    expect((await fetch(local(image.links.direct))).status).toBe(200);
    expect((await pictor.objectKeys()).filter((k) => k.includes(image.id)).length).toBeGreaterThan(1);
  });

  it('then with its token every link answers 404 and no row or object is left', async () => {
    const [image] = (await upload([await jpegWithGps(700, 500)])) as [UploadedDto];
    const ready = await waitForStatus(image.id, 'ready');
    const res = await fetch(`${pictor.url}/api/v1/images/${image.id}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': image.deleteToken },
    });
    expect(res.status).toBe(204);
    for (const url of [
      image.links.direct,
      image.links.view,
      image.links.thumbnail,
      ...ready.variants.map((v) => v.url),
    ]) {
      expect((await fetch(local(url))).status).toBe(404);
    }
    expect((await fetch(`${pictor.url}/api/v1/images/${image.id}`)).status).toBe(404);
    expect((await pictor.objectKeys()).filter((k) => k.includes(image.id))).toEqual([]);
    const { rows } = await pictor.handle.infrastructure.pool.query('SELECT 1 FROM images WHERE id = $1', [image.id]);
    expect(rows).toHaveLength(0);
  });

  it('then the HTML form flow deletes too', async () => {
    const [image] = (await upload([await jpegWithGps(300, 300)])) as [UploadedDto];
    const confirm = await fetch(local(image.links.delete));
    expect(confirm.status).toBe(200);
    const res = await fetch(`${pictor.url}/delete/${image.id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: image.deleteToken }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await fetch(local(image.links.direct))).status).toBe(404);
  });
});

describe('when an upload carries expiresIn', () => {
  it('then the image answers 404 on every path once it has expired', async () => {
    const [image] = (await upload([await jpegWithGps(400, 300)], { expiresIn: '2s' })) as [UploadedDto];
    const ready = await waitForStatus(image.id, 'ready');
    expect((await fetch(local(image.links.direct))).status).toBe(200);
    const cacheControl = (await fetch(local(image.links.direct))).headers.get('cache-control')!;
    expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, Math.max(0, new Date(image.expiresAt!).getTime() - Date.now()) + 50));
    for (const url of [image.links.direct, image.links.view, ...ready.variants.map((v) => v.url)]) {
      expect((await fetch(local(url))).status).toBe(404);
    }
    expect((await fetch(`${pictor.url}/api/v1/images/${image.id}`)).status).toBe(404);
  });
});

describe('when the plain HTML form posts to /upload', () => {
  it('then it answers a page with the links', async () => {
    const res = await fetch(`${pictor.url}/upload`, { method: 'POST', body: form([await jpegWithGps(200, 150)]) });
    expect(res.status).toBe(201);
    const html = await res.text();
    expect(html).toMatch(/\/i\/[0-9A-Za-z]{12}\.jpg/);
    expect(html).toContain('/delete/');
  });
});

describe('when a raw body with an image type is posted', () => {
  it('then the options come from the query string', async () => {
    const res = await fetch(`${pictor.url}/api/v1/images?title=Raw&visibility=unlisted`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: new Uint8Array(await png(50, 40, false)),
    });
    expect(res.status).toBe(201);
    const [image] = ((await res.json()) as { images: (UploadedDto & { title: string; visibility: string })[] }).images;
    expect(image).toMatchObject({ format: 'png', title: 'Raw', visibility: 'unlisted', width: 50, height: 40 });
  });
});

describe('when the service is probed', () => {
  it('then /healthz and /readyz answer 200 with every dependency checked', async () => {
    expect((await fetch(`${pictor.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${pictor.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({
      database: 'ok',
      objects: 'ok',
      descriptors: 'ok',
      events: 'ok',
      cache: 'ok',
    });
  });

  it('then the OpenAPI document describes the upload endpoint', async () => {
    const doc = (await (await fetch(`${pictor.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/images', '/api/v1/images/{id}']));
    expect((await fetch(`${pictor.url}/api/docs/`)).status).toBe(200);
  });
});

describe('when an upload asks for a watermark', () => {
  it('then the display copy and the variants carry it in the corner, and the rest of the image is unchanged', async () => {
    const source = await png(800, 600, false);
    const [plain] = (await upload([source])) as [UploadedDto];
    const [marked] = (await upload([source], { watermark: 'pictor.example' })) as [UploadedDto];
    const [plainReady, markedReady] = [await waitForStatus(plain.id, 'ready'), await waitForStatus(marked.id, 'ready')];
    const region = async (url: string, left: number, top: number) => {
      const bytes = Buffer.from(await (await fetch(local(url))).arrayBuffer());
      return sharp(bytes).extract({ left, top, width: 100, height: 15 }).raw().toBuffer();
    };
    const corner = (dto: ImageDto, name: string) =>
      dto.variants.find((v) => v.name === name && v.format === 'png')!.url;
    // Bottom-right corner differs, top-left does not.
    expect((await region(marked.links.direct, 690, 580)).equals(await region(plain.links.direct, 690, 580))).toBe(
      false,
    );
    expect((await region(marked.links.direct, 0, 0)).equals(await region(plain.links.direct, 0, 0))).toBe(true);
    expect(
      (await region(corner(markedReady, 'w320'), 210, 220)).equals(await region(corner(plainReady, 'w320'), 210, 220)),
    ).toBe(false);
  });
});

describe('when an animated GIF is uploaded', () => {
  it('then the display copy keeps every frame and the variants are stills', async () => {
    const gif = await animatedGif(200, 150, 6);
    const [image] = (await upload([gif])) as [UploadedDto & { frames: number }];
    expect(image).toMatchObject({ format: 'gif', width: 200, height: 150, frames: 6 });
    const ready = await waitForStatus(image.id, 'ready');
    const display = Buffer.from(await (await fetch(local(image.links.direct))).arrayBuffer());
    expect((await sharp(display).metadata()).pages).toBe(6);
    const thumb = ready.variants.find((v) => v.name === 'thumb' && v.format === 'webp')!;
    const thumbBytes = Buffer.from(await (await fetch(local(thumb.url))).arrayBuffer());
    expect((await sharp(thumbBytes).metadata()).pages ?? 1).toBe(1);
  });
});
