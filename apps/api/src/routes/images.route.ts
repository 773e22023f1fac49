import { Router, type RequestHandler } from 'express';
import { ERRORS, type ImageService } from '@pictor/core';
import { traceHeaders } from '@pictor/observability';
import { uploadParser } from '../http/upload-parser.js';
import type { UploadLimits } from '../http/error-handler.js';
import { decodeCursor, encodeCursor, presentImage, presentUpload } from '../http/presenter.js';
import { DeleteTokenSchema, ImageIdParam, ListQuerySchema, UploadOptionsSchema } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';

export interface ImagesRouteDeps {
  images: ImageService;
  publicUrl: string;
  limits: UploadLimits;
  /** Runs before the body is read. */
  limitUploads: RequestHandler;
}

/** `/api/v1/images`: upload, list, read, delete. */
export function imagesRoute(deps: ImagesRouteDeps): Router {
  const router = Router();

  router.post('/', deps.limitUploads, uploadParser(deps.limits), async (req, res) => {
    const upload = req.upload!;
    const options = parseOrThrow(UploadOptionsSchema, upload.fields);
    const uploaded = await deps.images.upload(upload.files, options, { requestId: req.id, headers: traceHeaders() });
    res.locals.uploaded = uploaded.map((u) => u.image);
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
    const { token } = parseOrThrow(DeleteTokenSchema, { token: req.get('x-delete-token') ?? req.query.token });
    await deps.images.delete(id, token);
    res.status(204).end();
  });

  return router;
}
