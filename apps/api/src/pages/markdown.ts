import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown to HTML for Markdown pastes shown "rendered". `marked` turns the text into HTML (raw
 * HTML in the text passes through it), so every result goes through `sanitize-html` with an
 * allow-list: the elements Markdown itself produces, no attributes that run or load anything
 * (no `on*`, no `style`, no `srcset`), links only to http(s)/mailto and relative URLs, images only
 * from http(s). Nothing here relies on the page's CSP, which blocks inline scripts anyway.
 */
const markdown = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    'del',
    's',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'input',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    th: ['align'],
    td: ['align'],
    // GFM task lists: disabled checkboxes only.
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Everything else is dropped together with its content where the content is code or markup.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'svg', 'math', 'template', 'object'],
};

const LINK_REL = 'nofollow noopener noreferrer';

/** Texts larger than this are shown as source only: rendering runs on the request path. */
export const MARKDOWN_MAX_BYTES = 256 * 1024;

/**
 * The Markdown text as sanitised HTML: no scripts, handlers, frames, styles or `javascript:` URLs
 * survive. Images load only from Pictor's own direct links (`/i/…` on
 * `imageOrigin`, which the page's CSP allows); any other image becomes a link to it, so a paste cannot track its readers.
 */
export function renderMarkdown(text: string, imageOrigin: string): string {
  const html = markdown.parse(text, { async: false });
  return sanitizeHtml(html, {
    ...SANITIZE,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        if (isPictorImage(src, imageOrigin)) return { tagName, attribs };
        return { tagName: 'a', attribs: { href: src, rel: LINK_REL }, text: attribs.alt || src };
      },
      // GFM task lists are the only inputs Markdown makes: disabled checkboxes.
      input: (tagName, attribs) =>
        attribs.type === 'checkbox'
          ? {
              tagName,
              attribs: { type: 'checkbox', disabled: '', ...(attribs.checked !== undefined ? { checked: '' } : {}) },
            }
          : { tagName: 'span', attribs: {} },
    },
  });
}

/** Pictor's own direct links (`/i/…`), absolute or from the root: the CSP allows exactly these. */
function isPictorImage(src: string, origin: string): boolean {
  if (!src.startsWith(origin + '/') && !/^\/(?!\/)/.test(src)) return false;
  try {
    const url = new URL(src, origin);
    return url.origin === origin && url.pathname.startsWith('/i/');
  } catch {
    return false;
  }
}
