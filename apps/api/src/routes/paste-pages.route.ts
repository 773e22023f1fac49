import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  ERRORS,
  USERNAME_PATTERN,
  isSlugLike,
  pasteObjectKey,
  buildLinks,
  type ImageRecord,
  type ImageService,
  type PasteRead,
  type PasteRecord,
  type PasteService,
  type ViewCounter,
} from '@pictor/core';
import type { NearestLinks } from '../links/nearest-links.js';
import { pasteLinks } from '../http/paste-presenter.js';
import { isPreview, readerOf, viewerOf } from '../http/reader.js';
import { PasteIdParam } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';
import { z } from 'zod';
import { highlightPaste } from '../pages/highlight.js';
import { escapeHtml } from '../pages/html.js';
import { MARKDOWN_MAX_BYTES, renderMarkdown } from '../pages/markdown.js';
import { PROFILE_JS } from '../pages/profile-script.js';

export interface PastePagesDeps {
  pastes: PasteService;
  images: ImageService;
  publicUrl: string;
  /** The account behind a username (lower case), for `/u/<username>`; null when there is none. */
  findAuthor(username: string): Promise<{ id: string; username: string } | null>;
  /** View counts; none are counted when absent. */
  views?: ViewCounter;
  /**
   * Recognises a signed-in reader on the pages (the API does so for itself), so an author's own
   * reads neither burn their paste nor count as views.
   */
  identify?: RequestHandler;
  /** Presigned links on the nearest replica for a private paste's raw text; absent: the api answers it. */
  links?: NearestLinks;
  clientAddress?: (req: Request) => string;
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
<script src="/static/paste.js" defer></script>
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

/** `?render=markdown` shows a Markdown paste rendered (sanitised); anything else there is a 400. */
const PastePageQuery = z.object({ render: z.enum(['markdown']).optional() });
type PageOptions = z.output<typeof PastePageQuery>;

/** The text for the copy button, exact (a JSON string keeps `\r` that HTML parsing would drop). */
function textForCopy(text: string): string {
  const json = JSON.stringify(text).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `<script type="application/json" id="paste-text">${json}</script>`;
}

function renderPaste(publicUrl: string, read: PasteRead, options: PageOptions, pageUrl: string): string {
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
  // A private paste is shown to its author only: no preview card carries anything of it.
  const head = [
    ...(paste.visibility === 'private'
      ? []
      : [
          meta('og:type', 'article'),
          meta('og:title', title),
          meta('og:url', links.view),
          // Burn-after-reading pastes give previews nothing of their text.
          ...(text !== null && !paste.burnAfterReading ? [meta('og:description', text.slice(0, 200))] : []),
        ]),
    '<meta name="robots" content="noindex">',
  ].join('\n');
  if (text === null) {
    const body = `<h1>${escapeHtml(title)}</h1>${facts}
<p class="notice">This paste is deleted once it is read. Open the link in a browser to read it.</p>`;
    return page(title, head, body);
  }
  const burnt = read.burnt
    ? '<p class="notice">This paste was deleted as you opened it: copy what you need now.</p>'
    : '';
  const markdown = paste.language === 'markdown' && Buffer.byteLength(text, 'utf8') <= MARKDOWN_MAX_BYTES;
  const rendered = markdown && options.render === 'markdown';
  // A burnt paste cannot be opened again, so it offers no second view of itself.
  const toggle =
    markdown && !read.burnt
      ? `<nav class="views" aria-label="Show as">${
          rendered
            ? `<a href="${escapeHtml(pageUrl)}">Source</a><strong aria-current="page">Rendered</strong>`
            : `<strong aria-current="page">Source</strong><a href="${escapeHtml(pageUrl)}?render=markdown">Rendered</a>`
        }</nav>`
      : '';
  const raw = read.burnt ? '' : `<a href="${escapeHtml(links.raw)}">Raw</a>`;
  const copy =
    '<button type="button" id="copy" class="copy" hidden>Copy</button><span id="copy-status" role="status"></span>';
  let tools: string;
  let content: string;
  if (rendered) {
    tools = `<div class="paste-tools">${toggle}${copy}${raw}<span class="language">markdown</span></div>`;
    content = `<article class="markdown">${renderMarkdown(text, new URL(publicUrl).origin)}</article>`;
  } else {
    const highlighted = highlightPaste(text, paste.language);
    const lines = highlighted.lines.map((line) => `<span class="line">${line}</span>`).join('\n');
    tools = `<div class="paste-tools">
${toggle}<input type="checkbox" id="wrap"><label for="wrap">Wrap lines</label>
${copy}${raw}
<span class="language">${escapeHtml(highlighted.language ?? 'plain text')}</span>
</div>`;
    content = `<pre class="paste"><code class="hljs">${lines}</code></pre>`;
  }
  const body = `<h1>${escapeHtml(title)}</h1>${facts}${burnt}
${tools}
${content}
${textForCopy(text)}
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
.paste-tools .views { display: inline-flex; gap: 0.6rem; }
.paste-tools button.copy { padding: 0.25rem 0.8rem; background: var(--accent); }
#copy-status { color: var(--muted); font-size: 0.85rem; }
article.markdown { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.4rem 1.2rem; overflow-wrap: anywhere; }
article.markdown pre { overflow-x: auto; padding: 0.6rem; border: 1px solid var(--line); border-radius: 6px; }
article.markdown img { max-width: 100%; }
article.markdown table { border-collapse: collapse; }
article.markdown th, article.markdown td { border: 1px solid var(--line); padding: 0.2rem 0.5rem; }
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
  router.get('/static/paste.js', (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=3600').send(PASTE_JS);
  });

  router.get('/static/profile.js', (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=3600').send(PROFILE_JS);
  });

  const identify: RequestHandler[] = deps.identify ? [deps.identify] : [];

  router.get('/p/:id', ...identify, async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    const options = parseOrThrow(PastePageQuery, req.query);
    sendPasteOrText(req, res, await deps.pastes.read(id, readerOf(req)), deps, options);
  });

  router.get('/p/:id/raw', ...identify, async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    const reader = readerOf(req);
    if (deps.links && deps.clientAddress && reader.accountId) {
      // The author of a private paste is sent to a presigned URL on the nearest replica holding it
      // (anyone else finds no private paste: peek answers PASTE_NOT_FOUND).
      const paste = await deps.pastes.peek(id, reader);
      if (paste.visibility === 'private') {
        void deps.views?.record('paste', id, paste.ownerId, viewerOf(req));
        res.setHeader('Cache-Control', 'private, no-store');
        res.setHeader('Vary', 'Cookie, Authorization');
        res.setHeader('Referrer-Policy', 'no-referrer');
        const link = await deps.links.linkFor(deps.clientAddress(req), pasteObjectKey(paste.id));
        res.redirect(302, link.url);
        return;
      }
    }
    sendRaw(req, res, await deps.pastes.read(id, reader), deps);
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
  // Paths that are no paste's skip the whole route (and its sign-in) for whatever comes after.
  const onlyNamedPastes: RequestHandler = (req, _res, next) => {
    const ok = USERNAME_PATTERN.test(String(req.params.username).toLowerCase()) && isSlugLike(String(req.params.slug));
    next(ok ? undefined : 'route');
  };
  const identify: RequestHandler[] = deps.identify ? [deps.identify] : [];
  router.get('/:username/:slug', onlyNamedPastes, ...identify, async (req: Request, res: Response) => {
    const username = String(req.params.username);
    const slug = String(req.params.slug);
    const options = parseOrThrow(PastePageQuery, req.query);
    // A private paste's slug (and an old slug of one) answers its author only.
    const found = await deps.pastes.findBySlug(username, slug, readerOf(req));
    if (found.redirectTo) {
      res.setHeader('Cache-Control', found.paste.visibility === 'private' ? 'private, no-store' : 'no-cache');
      res.redirect(301, options.render ? `${found.redirectTo}?render=${options.render}` : found.redirectTo);
      return;
    }
    sendPasteOrText(req, res, await deps.pastes.read(found.paste.id, readerOf(req)), deps, options);
  });
  return router;
}

/**
 * Whether a page link should answer with the text itself: a client that does not ask for HTML
 * (`curl`, `wget`, scripts send `Accept: *\/*`) gets what it pasted, byte for byte, as from the
 * raw link; browsers name `text/html` in every navigation. Previewers always get the page (its
 * OpenGraph tags), and so does an explicit `?render=`.
 */
function wantsText(req: Request, options: PageOptions): boolean {
  if (options.render || isPreview(req)) return false;
  return !/\b(text\/html|application\/xhtml\+xml)\b/i.test(req.get('accept') ?? '');
}

function sendRaw(req: Request, res: Response, read: PasteRead, deps: PastePagesDeps): void {
  if (read.text === null) throw ERRORS.burnPreviewRefused();
  void deps.views?.record('paste', read.paste.id, read.paste.ownerId, viewerOf(req));
  res.setHeader('Content-Security-Policy', RAW_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Disposition', 'inline');
  res.setHeader(
    'Cache-Control',
    read.paste.visibility === 'private' ? 'private, no-store' : read.paste.burnAfterReading ? 'no-store' : 'no-cache',
  );
  res.setHeader('X-Robots-Tag', 'noindex');
  res.type('text/plain; charset=utf-8').send(Buffer.from(read.text, 'utf8'));
}

/** A page link: the page for browsers and previewers, the text itself for command-line clients. */
function sendPasteOrText(req: Request, res: Response, read: PasteRead, deps: PastePagesDeps, options: PageOptions) {
  res.setHeader('Vary', 'Accept');
  if (wantsText(req, options)) sendRaw(req, res, read, deps);
  else sendPage(req, res, read, deps, options);
}

function sendPage(req: Request, res: Response, read: PasteRead, deps: PastePagesDeps, options: PageOptions): void {
  if (read.text !== null) void deps.views?.record('paste', read.paste.id, read.paste.ownerId, viewerOf(req));
  const { publicUrl } = deps;
  res.setHeader(
    'Cache-Control',
    read.paste.visibility === 'private' ? 'private, no-store' : read.paste.burnAfterReading ? 'no-store' : 'no-cache',
  );
  res.setHeader('X-Robots-Tag', 'noindex');
  // The page's own address (short or named), so the Source/Rendered links stay on it.
  res.type('html').send(renderPaste(publicUrl, read, options, req.path));
}

/**
 * The page's only script (the CSP allows scripts from the site alone): the Copy button, shown
 * when scripts run, copies the exact text from the page's JSON copy of it.
 */
export const PASTE_JS = `'use strict';
(() => {
  const button = document.getElementById('copy');
  const source = document.getElementById('paste-text');
  const status = document.getElementById('copy-status');
  if (!button || !source) return;
  const text = JSON.parse(source.textContent);
  const legacyCopy = () => {
    const area = document.createElement('textarea');
    area.value = text;
    area.readOnly = true;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove();
    return ok;
  };
  let timer;
  button.hidden = false;
  button.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = legacyCopy();
    }
    button.textContent = ok ? 'Copied' : 'Copy';
    if (status) status.textContent = ok ? 'Text copied' : 'Copying failed: select the text instead';
    clearTimeout(timer);
    timer = setTimeout(() => { button.textContent = 'Copy'; if (status) status.textContent = ''; }, 2000);
  });
})();
`;
