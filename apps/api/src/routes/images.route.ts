import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ERRORS, type ImageService } from '@pictor/core';
import { accountOf, checkCsrf, requireAccount, type AuthSettings } from '../http/auth.js';
import { UpdateImageSchema } from '../http/account-schemas.js';
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
  /** Accounts: ownership of uploads, owner deletes and edits. Absent: anonymous only. */
  auth?: AuthSettings & { anonymousUploads: boolean };
}

/**
 * Form fields are checked strictly. Built once: zod compiles a schema's parser on its first use, so
 * a schema made per request (`.strict()` inside the handler) is compiled again for every upload.
 */
const UploadFieldsSchema = UploadOptionsSchema.strict();

/**
 * The options of an upload: from the query string and, for a form, its fields (which win). Both
 * must be valid: a bad value is refused wherever it was written. A form field Pictor does not
 * know is refused too (a typo would otherwise be silently ignored); the query string may carry
 * other parameters.
 */
export function uploadOptions(query: unknown, fields: Record<string, unknown>): UploadOptions {
  const fromQuery = parseOrThrow(UploadOptionsSchema, query);
  const fromFields = parseOrThrow(UploadFieldsSchema, fields);
  const given = Object.fromEntries(Object.entries(fromFields).filter(([, v]) => v !== undefined));
  return { ...fromQuery, ...given };
}

type UploadOptions = ReturnType<typeof UploadOptionsSchema.parse>;

const actorOf = (req: Request) => {
  const principal = req.principal;
  if (principal?.kind === 'operator') return { accountId: '', admin: true };
  const account = accountOf(req);
  return { accountId: account.id, admin: account.role === 'admin' && principal?.kind === 'session' };
};

/** `/api/v1/images`: upload, list, read, delete. */
export function imagesRoute(deps: ImagesRouteDeps): Router {
  const router = Router();

  const auth = deps.auth;
  const pass: RequestHandler = (_req, _res, next) => next();
  const csrf = auth ? checkCsrf(auth) : pass;
  /** Before the body is read: who may upload, and whether the request is forged. */
  const mayUpload = (req: Request, _res: Response, next: NextFunction) => {
    const principal = req.principal;
    if (principal?.kind === 'token' && !principal.token.scopes.includes('images:write')) {
      next(ERRORS.tokenScope('images:write'));
    } else if (!principal && auth && !auth.anonymousUploads) {
      next(ERRORS.authenticationRequired('Uploads need an account here: sign in, or send a personal API token.'));
    } else {
      next();
    }
  };

  router.post('/', mayUpload, csrf, deps.limitUploads, uploadParser(deps.limits), async (req, res) => {
    const upload = req.upload!;
    const options = uploadOptions(req.query, upload.fields);
    const principal = req.principal;
    const owner = principal && principal.kind !== 'operator' ? principal.account : undefined;
    const uploaded = await deps.images.upload(
      upload.files,
      { ...options, ...(owner ? { ownerId: owner.id, ownerUsername: owner.username } : {}) },
      { requestId: req.id, headers: traceHeaders() },
    );
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
    const principal = req.principal;
    const accountId = principal && principal.kind !== 'operator' ? principal.account.id : undefined;
    const image = await deps.images.get(id, { accountId });
    res.setHeader('Cache-Control', image.visibility === 'private' ? 'private, no-store' : 'no-cache');
    res.json(presentImage(deps.publicUrl, image));
  });

  router.delete('/:id', csrf, async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    const given = req.get('x-delete-token') ?? req.query.token;
    // Without a delete token, the owner (or an admin) deletes as themself.
    if (given === undefined && req.principal) {
      const principal = req.principal;
      if (principal.kind === 'token' && !principal.token.scopes.includes('images:delete')) {
        throw ERRORS.tokenScope('images:delete');
      }
      await deps.images.deleteAsOwner(id, actorOf(req));
      res.status(204).end();
      return;
    }
    // Neither a token nor a signed-in caller: refused as such, whether or not the image exists.
    if (given === undefined) throw ERRORS.invalidDeleteToken();
    const { token } = parseOrThrow(DeleteTokenSchema, { token: given });
    await deps.images.delete(id, token);
    res.status(204).end();
  });

  const mayEdit: RequestHandler = (req, res, next) =>
    req.principal?.kind === 'operator' ? next() : requireAccount('images:write')(req, res, next);
  router.patch('/:id', express.json({ limit: '4kb' }), csrf, mayEdit, async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    const changes = parseOrThrow(UpdateImageSchema, req.body);
    const updated = await deps.images.update(id, actorOf(req), {
      ...(changes.title !== undefined ? { title: changes.title === '' ? null : changes.title } : {}),
      ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
      ...(changes.expiresIn !== undefined ? { expiresIn: changes.expiresIn } : {}),
    });
    res.json(presentImage(deps.publicUrl, updated));
  });
  router.all('/', allowOnly('GET', 'POST'));
  router.all('/:id', allowOnly('GET', 'PATCH', 'DELETE'));

  return router;
}
