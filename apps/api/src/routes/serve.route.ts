import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import { Router } from 'express';
import rangeParser from 'range-parser';
import { DISPLAY, ERRORS, FORMAT_INFO, formatFromExtension, type ImageService, type ObjectStore } from '@pictor/core';
import type { Identify } from '../http/auth.js';
import type { NearestLinks } from '../links/nearest-links.js';

export interface ServeRouteDeps {
  images: ImageService;
  objects: ObjectStore;
  /** Who asks, for private images (accounts); absent: private images are found by no one. */
  identify?: Identify;
  /** Presigned links on the nearest replica; absent: the api streams a private image itself. */
  links?: NearestLinks;
  clientAddress?: (req: Request) => string;
}

/** Answers about private items: for their owner only, so no shared cache may keep them. */
export const PRIVATE_NO_STORE = 'private, no-store';

const YEAR_SECONDS = 31_536_000;
/** Images are data, never documents: no scripts, no plugins, no framing of anything. */
export const IMAGE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
const FILE = /^([A-Za-z0-9]{1,32})\.([a-z0-9]{2,5})$/;

/**
 * `/i/<id>.<ext>` and `/i/<id>/<variant>.<ext>`: the api's direct-link fallback (the edge serves
 * these straight from storage once they exist). A request for an output still being made waits
 * briefly for it.
 */
export function serveRoute(deps: ServeRouteDeps): Router {
  const router = Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    // On every status, including errors: never sniff, never run anything.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', IMAGE_CSP);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next(ERRORS.methodNotAllowed(['GET', 'HEAD']));
      return;
    }
    next();
  });

  router.get('/:file', async (req, res) => {
    const match = FILE.exec(req.params.file ?? '');
    if (!match) throw ERRORS.imageNotFound();
    await serve(deps, req, res, match[1]!, DISPLAY, match[2]!);
  });

  router.get('/:id/:file', async (req, res) => {
    const match = FILE.exec(req.params.file ?? '');
    // The display copy has one address, /i/<id>.<ext>, as in storage and at the edge.
    if (!match || match[1] === DISPLAY) throw ERRORS.imageNotFound();
    await serve(deps, req, res, req.params.id ?? '', match[1]!, match[2]!);
  });

  return router;
}

async function serve(
  deps: ServeRouteDeps,
  req: Request,
  res: Response,
  id: string,
  name: string,
  ext: string,
): Promise<void> {
  const format = formatFromExtension(ext);
  if (!format || FORMAT_INFO[format].ext !== ext) throw ERRORS.imageNotFound();
  // Only an id that names a private image costs a session lookup; everyone else reads as no one.
  const identify = deps.identify;
  const { image, storedKey } = await deps.images.resolveOutput(id, name, format, async () => ({
    accountId: identify ? await identify(req, res) : undefined,
  }));
  const isPrivate = image.visibility === 'private';
  if (isPrivate) {
    res.setHeader('Cache-Control', PRIVATE_NO_STORE);
    res.setHeader('Vary', 'Cookie, Authorization');
    if (deps.links && deps.clientAddress) {
      // The owner is sent to a presigned URL on the nearest replica that holds the object.
      res.setHeader('Referrer-Policy', 'no-referrer');
      const link = await deps.links.linkFor(deps.clientAddress(req), storedKey);
      res.redirect(302, link.url);
      return;
    }
  }
  const info = await deps.objects.stat(storedKey);
  if (!info) throw ERRORS.imageNotFound();

  let maxAge = YEAR_SECONDS;
  if (image.expiresAt)
    maxAge = Math.max(0, Math.min(maxAge, Math.floor((image.expiresAt.getTime() - Date.now()) / 1000)));
  res.setHeader('Content-Type', FORMAT_INFO[format].mime);
  res.setHeader('Cache-Control', isPrivate ? PRIVATE_NO_STORE : `public, max-age=${maxAge}, immutable`);
  res.setHeader('ETag', info.etag);
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Disposition', `inline; filename="${id}${name === DISPLAY ? '' : `-${name}`}.${ext}"`);

  // Evaluated here rather than with req.fresh, which ignores validators when the request says
  // `Cache-Control: no-cache` (as fetch does for conditional requests); origin servers must not.
  if (etagMatches(req.get('if-none-match'), info.etag)) {
    res.status(304).end();
    return;
  }

  let range: { start: number; end: number } | undefined;
  const header = req.get('range');
  if (header && (!req.get('if-range') || req.get('if-range') === info.etag)) {
    const parsed = rangeParser(info.size, header, { combine: true });
    if (parsed === -1) {
      res.setHeader('Content-Range', `bytes */${info.size}`);
      throw ERRORS.rangeNotSatisfiable(info.size);
    }
    if (parsed !== -2 && parsed.type === 'bytes' && parsed.length === 1 && parsed[0]) {
      range = { start: parsed[0].start, end: parsed[0].end };
    }
  }

  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
  }
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : info.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const object = await deps.objects.get(storedKey, range);
  if (!object) throw ERRORS.imageNotFound();
  // pipeline destroys the object's stream (a file descriptor on disk, a pooled socket on S3) when
  // the client goes away before the end; a bare pipe would hold it for good.
  try {
    await pipeline(object.body, res);
  } catch (error) {
    if (isClientGone(error, res)) return;
    throw error;
  }
}

/** The client closed the connection early: nothing to answer, nothing to log as a failure. */
function isClientGone(error: unknown, res: Response): boolean {
  return (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' || (res.destroyed && !res.writableFinished);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}
