import { Router, type Request, type Response } from 'express';
import {
  ERRORS,
  USERNAME_PATTERN,
  isSlugLike,
  buildLinks,
  type ImageRecord,
  type ImageService,
  type PasteRead,
  type PasteRecord,
  type PasteService,
  type ViewCounter,
} from '@pictor/core';
import { pasteLinks } from '../http/paste-presenter.js';
import { readerOf, viewerOf } from '../http/reader.js';
import { PasteIdParam } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';
import { highlightPaste } from '../pages/highlight.js';
import { escapeHtml } from '../pages/html.js';
import { PROFILE_JS } from '../pages/profile-script.js';

export interface PastePagesDeps {
  pastes: PasteService;
  images: ImageService;
  publicUrl: string;
  /** The account behind a username (lower case), for `/u/<username>`; null when there is none. */
  findAuthor(username: string): Promise<{ id: string; username: string } | null>;
  /** View counts; none are counted when absent. */
  views?: ViewCounter;
}

/** The raw text: plain, never sniffed, never framed, no scripts even if opened as a document. */
const RAW_CSP = "default-src 'none'; sandbox";

function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Pictor</title>
${head}
<link rel="stylesheet" href="/static/pages.css">
<link rel="stylesheet" href="/static/paste.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header><a class="brand" href="/">Pictor</a></header>
<main>
${body}
</main>
</body>
</html>`;
}

const meta = (property: string, content: string) => `<meta property="${property}" content="${escapeHtml(content)}">`;

function renderPaste(publicUrl: string, read: PasteRead): string {
  const { paste, text } = read;
  const links = pasteLinks(publicUrl, paste);
  const title = paste.title ?? `Paste ${paste.id}`;
  const author = paste.ownerUsername
    ? `by <a href="/u/${encodeURIComponent(paste.ownerUsername)}">${escapeHtml(paste.ownerUsername)}</a> · `
    : '';
  const views = `${paste.views} view${paste.views === 1 ? '' : 's'} · `;
  const facts = `<p class="facts">${author}${views}${paste.bytes} bytes${
    paste.expiresAt
      ? ` · expires <time datetime="${paste.expiresAt.toISOString()}">${paste.expiresAt.toISOString()}</time>`
      : ''
  }</p>`;
  const head = [
    meta('og:type', 'article'),
    meta('og:title', title),
    meta('og:url', links.view),
    // Burn-after-reading pastes give previews nothing of their text.
    ...(text !== null && !paste.burnAfterReading ? [meta('og:description', text.slice(0, 200))] : []),
    '<meta name="robots" content="noindex">',
  ].join('\n');
  if (text === null) {
    const body = `<h1>${escapeHtml(title)}</h1>${facts}
<p class="notice">This paste is deleted once it is read. Open the link in a browser to read it.</p>`;
    return page(title, head, body);
  }
  const highlighted = highlightPaste(text, paste.language);
  const lines = highlighted.lines.map((line) => `<span class="line">${line}</span>`).join('\n');
  const burnt = read.burnt
    ? '<p class="notice">This paste was deleted as you opened it: copy what you need now.</p>'
    : '';
  const body = `<h1>${escapeHtml(title)}</h1>${facts}${burnt}
<div class="paste-tools">
<input type="checkbox" id="wrap"><label for="wrap">Wrap lines</label>
${read.burnt ? '' : `<a href="${escapeHtml(links.raw)}">Raw</a>`}
<span class="language">${escapeHtml(highlighted.language ?? 'plain text')}</span>
</div>
<pre class="paste"><code class="hljs">${lines}</code></pre>
<div class="field"><label for="short">Short link</label><input id="short" readonly value="${escapeHtml(links.short)}"></div>`;
  return page(title, head, body);
}

function listItems(pastes: PasteRecord[], images: ImageRecord[], publicUrl: string): string {
  const pasteItems = pastes
    .map((p) => {
      const links = pasteLinks(publicUrl, p);
      return `<li><a href="${escapeHtml(links.view)}">${escapeHtml(p.title ?? p.id)}</a> <span class="facts">${p.bytes} bytes</span></li>`;
    })
    .join('');
  const imageItems = images
    .map((i) => {
      const links = buildLinks(publicUrl, i);
      return `<li><a href="${escapeHtml(links.view)}"><img src="${escapeHtml(links.thumbnail)}" alt="${escapeHtml(i.title ?? i.id)}" loading="lazy" width="120"></a></li>`;
    })
    .join('');
  return `<h2>Pastes</h2>${pasteItems ? `<ul class="pastes">${pasteItems}</ul>` : '<p>No public pastes.</p>'}
<h2>Images</h2>${imageItems ? `<ul class="thumbs">${imageItems}</ul>` : '<p>No public images.</p>'}`;
}

export const PASTE_CSS = `
.facts { color: var(--muted); font-size: 0.9rem; }
.paste-tools { display: flex; gap: 1rem; align-items: center; margin: 0.5rem 0; }
.paste-tools .language { margin-left: auto; color: var(--muted); font-size: 0.85rem; }
pre.paste { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.6rem 0; overflow-x: auto; counter-reset: line; font: 0.9rem/1.45 ui-monospace, monospace; }
pre.paste .line { display: block; position: relative; padding: 0 0.8rem 0 4.2rem; min-height: 1.3em; }
pre.paste .line::before { counter-increment: line; content: counter(line); position: absolute; left: 0; width: 3.2rem; text-align: right; color: var(--muted); user-select: none; }
#wrap { accent-color: var(--accent); }
.paste-tools:has(#wrap:checked) + pre.paste { white-space: pre-wrap; overflow-wrap: anywhere; }
ul.pastes { padding-left: 1.2rem; }
.follow-controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: 0.5rem 0 1rem; }
.follow-controls button { background: var(--accent); }
.follow-controls button[aria-pressed="true"] { background: var(--muted); }
.follow-controls .facts { margin: 0; }
ul.thumbs { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; padding: 0; }
.hljs-comment, .hljs-quote { color: #6a737d; font-style: italic; }
.hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-type { color: #d73a49; }
.hljs-string, .hljs-regexp, .hljs-addition { color: #22863a; }
.hljs-number, .hljs-symbol, .hljs-bullet, .hljs-variable, .hljs-template-variable { color: #005cc5; }
.hljs-title, .hljs-section, .hljs-name, .hljs-selector-id, .hljs-selector-class { color: #6f42c1; }
.hljs-attr, .hljs-attribute, .hljs-built_in, .hljs-meta { color: #e36209; }
.hljs-deletion { color: #b31d28; }
@media (prefers-color-scheme: dark) {
  .hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-type { color: #ff7b72; }
  .hljs-string, .hljs-regexp, .hljs-addition { color: #7ee787; }
  .hljs-number, .hljs-symbol, .hljs-bullet, .hljs-variable, .hljs-template-variable { color: #79c0ff; }
  .hljs-title, .hljs-section, .hljs-name, .hljs-selector-id, .hljs-selector-class { color: #d2a8ff; }
  .hljs-attr, .hljs-attribute, .hljs-built_in, .hljs-meta { color: #ffa657; }
}
`;

/**
 * Paste links: `/p/<id>` (page), `/p/<id>/raw` (text), `/u/<username>` (an author's public pastes
 * and images). The author's `/<username>/<slug>` links are {@link namedPasteRoute}, mounted last.
 */
export function pastePagesRoute(deps: PastePagesDeps): Router {
  const router = Router();

  router.get('/static/paste.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(PASTE_CSS);
  });

  router.get('/static/profile.js', (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=3600').send(PROFILE_JS);
  });

  router.get('/p/:id', async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    sendPage(req, res, await deps.pastes.read(id, readerOf(req)), deps);
  });

  router.get('/p/:id/raw', async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    const read = await deps.pastes.read(id, readerOf(req));
    if (read.text === null) throw ERRORS.burnPreviewRefused();
    void deps.views?.record('paste', id, read.paste.ownerId, viewerOf(req));
    res.setHeader('Content-Security-Policy', RAW_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', 'inline');
    res.setHeader('Cache-Control', read.paste.burnAfterReading ? 'no-store' : 'no-cache');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.type('text/plain; charset=utf-8').send(Buffer.from(read.text, 'utf8'));
  });

  router.get('/u/:username', async (req, res) => {
    const username = String(req.params.username).toLowerCase();
    if (!USERNAME_PATTERN.test(username)) throw ERRORS.notFound();
    const author = await deps.findAuthor(username);
    if (!author) throw ERRORS.notFound();
    const [pastes, images] = await Promise.all([
      deps.pastes.listOf(author.id, { limit: 50, includeUnlisted: false }),
      deps.images.listOwned(author.id, { limit: 50 }),
    ]);
    const publicImages = images.filter((i) => i.visibility === 'public' && i.status === 'ready');
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(
      page(
        author.username,
        `${meta('og:title', author.username)}\n<script type="module" src="/static/profile.js"></script>`,
        // The follow button and notify toggle, for a signed-in visitor who is not the author.
        `<h1>${escapeHtml(author.username)}</h1>
<div id="follow-controls" class="follow-controls" data-username="${escapeHtml(author.username)}" hidden></div>
${listItems(pastes, publicImages, deps.publicUrl)}`,
      ),
    );
  });

  return router;
}

/** `/<username>/<slug>`: an author's paste by its title; old slugs and old casing redirect. */
export function namedPasteRoute(deps: PastePagesDeps): Router {
  const router = Router();
  router.get('/:username/:slug', async (req: Request, res: Response, next) => {
    const username = String(req.params.username);
    const slug = String(req.params.slug);
    if (!USERNAME_PATTERN.test(username.toLowerCase()) || !isSlugLike(slug)) {
      next();
      return;
    }
    const found = await deps.pastes.findBySlug(username, slug);
    if (found.redirectTo) {
      res.setHeader('Cache-Control', 'no-cache');
      res.redirect(301, found.redirectTo);
      return;
    }
    sendPage(req, res, await deps.pastes.read(found.paste.id, readerOf(req)), deps);
  });
  return router;
}

function sendPage(req: Request, res: Response, read: PasteRead, deps: PastePagesDeps): void {
  if (read.text !== null) void deps.views?.record('paste', read.paste.id, read.paste.ownerId, viewerOf(req));
  const { publicUrl } = deps;
  res.setHeader('Cache-Control', read.paste.burnAfterReading ? 'no-store' : 'no-cache');
  res.setHeader('X-Robots-Tag', 'noindex');
  res.type('html').send(renderPaste(publicUrl, read));
}
