import { Router, type RequestHandler } from 'express';
import { ERRORS, type ImageService } from '@pictor/core';
import { traceHeaders } from '@pictor/observability';
import { uploadParser } from '../http/upload-parser.js';
import type { UploadLimits } from '../http/error-handler.js';
import { decodeCursor, encodeCursor, presentImage, presentUpload } from '../http/presenter.js';
import { DeleteTokenSchema, ImageIdParam, ListQuerySchema, UploadOptionsSchema } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';
import { allowOnly } from '../http/method-not-allowed.js';

export interface ImagesRouteDeps {
  images: ImageService;
  publicUrl: string;
  limits: UploadLimits;
  /** Runs before the body is read. */
  limitUploads: RequestHandler;
}

/**
 * The options of an upload: from the query string and, for a form, its fields (which win). Both
 * must be valid: a bad value is refused wherever it was written. A form field Pictor does not
 * know is refused too (a typo would otherwise be silently ignored); the query string may carry
 * other parameters.
 */
export function uploadOptions(query: unknown, fields: Record<string, unknown>): UploadOptions {
  const fromQuery = parseOrThrow(UploadOptionsSchema, query);
  const fromFields = parseOrThrow(UploadOptionsSchema.strict(), fields);
  const given = Object.fromEntries(Object.entries(fromFields).filter(([, v]) => v !== undefined));
  return { ...fromQuery, ...given };
}

type UploadOptions = ReturnType<typeof UploadOptionsSchema.parse>;

/** `/api/v1/images`: upload, list, read, delete. */
export function imagesRoute(deps: ImagesRouteDeps): Router {
  const router = Router();

  router.post('/', deps.limitUploads, uploadParser(deps.limits), async (req, res) => {
    const upload = req.upload!;
    const options = uploadOptions(req.query, upload.fields);
    const uploaded = await deps.images.upload(upload.files, options, { requestId: req.id, headers: traceHeaders() });
    res.locals.uploaded = uploaded.map((u) => u.image);
    // The answer carries the delete tokens: no cache anywhere may keep it.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ images: uploaded.map((u) => presentUpload(deps.publicUrl, u)) });
  });

  router.get('/', async (req, res) => {
    const query = parseOrThrow(ListQuerySchema, req.query);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after === null) throw ERRORS.validationFailed('cursor is not valid');
    const page = await deps.images.list({ limit: query.limit + 1, ...(after ? { after } : {}) });
    const images = page.slice(0, query.limit);
    const last = images.at(-1);
    res.json({
      images: images.map((i) => presentImage(deps.publicUrl, i)),
      nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
    });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    res.setHeader('Cache-Control', 'no-cache');
    res.json(presentImage(deps.publicUrl, await deps.images.get(id)));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    const { token } = parseOrThrow(DeleteTokenSchema, { token: req.get('x-delete-token') ?? req.query.token ?? '' });
    await deps.images.delete(id, token);
    res.status(204).end();
  });

  router.all('/', allowOnly('GET', 'POST'));
  router.all('/:id', allowOnly('GET', 'DELETE'));

  return router;
}
