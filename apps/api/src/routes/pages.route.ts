import { Router, type NextFunction, type RequestHandler, type Request, type Response } from 'express';
import { buildDeleteLink, buildLinks, type AppError, type ImageService, type ViewCounter } from '@pictor/core';
import { traceHeaders } from '@pictor/observability';
import { toAppError, type UploadLimits } from '../http/error-handler.js';
import { outputUrl } from '../http/presenter.js';
import { DeleteTokenSchema, ImageIdParam } from '../http/schemas.js';
import { uploadOptions } from './images.route.js';
import { uploadParser } from '../http/upload-parser.js';
import { parseOrThrow } from '../http/validate.js';
import { viewerOf } from '../http/reader.js';
import { copyField, escapeHtml, layout, PAGES_CSS } from '../pages/html.js';

export interface PagesRouteDeps {
  images: ImageService;
  publicUrl: string;
  limits: UploadLimits;
  /** Runs before the body is read. */
  limitUploads: RequestHandler;
  /** View counts (the view page counts, direct links do not); none are counted when absent. */
  views?: ViewCounter;
  /** Recognises a signed-in owner on the view page (their own views do not count). */
  identify?: RequestHandler;
}

/**
 * Server-rendered pages: the view page, and the plain HTML form flow (`POST /upload`,
 * `GET|POST /delete/:id`) that works without JavaScript, as the original image server did.
 */
export function pagesRoute(deps: PagesRouteDeps): Router {
  const router = Router();
  const { publicUrl } = deps;

  router.get('/static/pages.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(PAGES_CSS);
  });

  const identify: RequestHandler[] = deps.identify ? [deps.identify] : [];

  router.get('/v/:id', ...identify, async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    // A private image is its owner's alone: anyone else finds nothing here.
    const principal = req.principal;
    const accountId = principal && principal.kind !== 'operator' ? principal.account.id : undefined;
    const image = await deps.images.get(id, { accountId });
    void deps.views?.record('image', image.id, image.ownerId, viewerOf(req));
    const links = buildLinks(publicUrl, image);
    const title = image.title ?? image.id;
    const outputs = image.variants.length > 0 ? image.variants : [];
    const variantLinks = outputs
      .map(
        (v) =>
          `<li><a href="${escapeHtml(outputUrl(publicUrl, image, v.name, v.format))}">${escapeHtml(`${v.name} · ${v.format} · ${v.width}×${v.height}`)}</a></li>`,
      )
      .join('');
    const status =
      image.status === 'failed'
        ? `<p class="notice error">Processing failed: ${escapeHtml(image.failureReason ?? 'unknown reason')}</p>`
        : image.status === 'pending'
          ? '<p class="notice">Still processing; variants appear when it is done.</p>'
          : '';
    // Resized variants in modern formats where they exist: a phone need not fetch the full original.
    const sources = (['avif', 'webp'] as const)
      .map((format) => {
        const widths = outputs.filter((v) => v.format === format && /^w\d+$/.test(v.name));
        if (widths.length === 0) return '';
        const srcset = widths.map((v) => `${outputUrl(publicUrl, image, v.name, v.format)} ${v.width}w`).join(', ');
        return `<source type="image/${format}" srcset="${escapeHtml(srcset)}" sizes="(max-width: 1000px) 100vw, 960px">`;
      })
      .join('');
    const body = `
<h1>${escapeHtml(title)}</h1>
${status}
<figure><picture>${sources}<img src="${escapeHtml(links.direct)}" width="${image.width}" height="${image.height}" alt="${escapeHtml(title)}"></picture>
<figcaption>${image.width}×${image.height} · ${escapeHtml(image.format)} · ${escapeHtml(formatBytes(image.bytes))} · <span class="views">${image.views} view${image.views === 1 ? '' : 's'}</span>${image.expiresAt ? ` · expires ${escapeHtml(image.expiresAt.toISOString())}` : ''}</figcaption></figure>
<h2>Links</h2>
${copyField('Direct link', links.direct)}
${copyField('Markdown', links.markdown)}
${copyField('HTML', links.html)}
${copyField('BBCode', links.bbcode)}
${variantLinks ? `<h2>Variants</h2><ul class="variants">${variantLinks}</ul>` : ''}`;
    res.setHeader('Cache-Control', image.visibility === 'private' ? 'private, no-store' : 'no-cache');
    if (image.visibility === 'private') res.setHeader('X-Robots-Tag', 'noindex');
    res.type('html').send(layout(title, body));
  });

  router.post('/upload', deps.limitUploads, async (req, res) => {
    try {
      await runParser(uploadParser(deps.limits), req, res);
      const options = uploadOptions(req.query, req.upload!.fields);
      const uploaded = await deps.images.upload(req.upload!.files, options, {
        requestId: req.id,
        headers: traceHeaders(),
      });
      res.locals.uploaded = uploaded.map((u) => u.image);
      const items = uploaded
        .map(({ image, deleteToken }) => {
          const links = buildLinks(publicUrl, image);
          return `<section><figure><a href="${escapeHtml(links.view)}"><img src="${escapeHtml(links.direct)}" alt="${escapeHtml(image.title ?? image.id)}" width="${image.width}" height="${image.height}"></a></figure>
${copyField('Direct link', links.direct)}${copyField('View page', links.view)}${copyField('Markdown', links.markdown)}${copyField('HTML', links.html)}${copyField('BBCode', links.bbcode)}${copyField('Delete link (keep it secret)', buildDeleteLink(publicUrl, image.id, deleteToken))}</section>`;
        })
        .join('\n');
      res
        .status(201)
        .setHeader('Cache-Control', 'no-store')
        .type('html')
        .send(layout('Uploaded', `<h1>Uploaded</h1>${items}`));
    } catch (error) {
      renderError(req, res, toAppError(error));
    }
  });

  router.get('/delete/:id', async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    const image = await deps.images.get(id);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.type('html').send(
      layout(
        'Delete image',
        `<h1>Delete ${escapeHtml(image.title ?? image.id)}?</h1>
<form method="post" action="/delete/${escapeHtml(image.id)}">
${copyField('Delete token', token).replace(' readonly', ' name="token" required')}
<button type="submit">Delete for good</button>
</form>`,
      ),
    );
  });

  router.post('/delete/:id', async (req, res) => {
    try {
      const { id } = parseOrThrow(ImageIdParam, req.params);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { token } = parseOrThrow(DeleteTokenSchema, { token: body.token ?? req.query.token ?? '' });
      await deps.images.delete(id, token);
      res.setHeader('Cache-Control', 'no-store');
      res
        .type('html')
        .send(layout('Deleted', '<h1>Deleted</h1><p class="notice">The image and all its variants are gone.</p>'));
    } catch (error) {
      renderError(req, res, toAppError(error));
    }
  });

  // Pages answer their errors as pages (a 404 for an unknown or expired image, a 400 for a link
  // that does not decode), not as the API's JSON.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    renderError(req, res, toAppError(error));
  });

  return router;
}

function runParser(parser: ReturnType<typeof uploadParser>, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void parser(req, res, (error?: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error('The upload could not be read'));
      else resolve();
    });
  });
}

function renderError(req: Request, res: Response, error: AppError): void {
  if (error.status >= 500) req.log.error('page request failed', { code: error.code, error: error.cause ?? error });
  res.locals.errorCode = error.code;
  res
    .status(error.status)
    .setHeader('Cache-Control', 'no-store')
    .type('html')
    .send(
      layout(
        'Error',
        `<h1>That did not work</h1><p class="notice error">${escapeHtml(error.message)} <small>(${escapeHtml(error.code)}, request ${escapeHtml(req.id)})</small></p><p><a href="/">Back</a></p>`,
      ),
    );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
