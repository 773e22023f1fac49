import { FORMAT_INFO, type ImageRecord } from './image.js';
import { baseFormatFor, THUMBNAIL } from './variant-plan.js';

export interface ImageLinks {
  view: string;
  direct: string;
  thumbnail: string;
  markdown: string;
  html: string;
  bbcode: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Markdown's special characters in alt text as numeric character references, which every
 * CommonMark renderer decodes back: backslash escapes are not enough, as some renderers (marked)
 * count an escaped bracket when matching the link around the image.
 */
function escapeMarkdownAlt(text: string): string {
  return text.replace(/[[\]\\<>&`*_!()]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The title as one line of plain text, whatever was stored before titles were validated: line
 * breaks (which would end a Markdown paragraph and let the rest be read as HTML), control and
 * bidi-override characters become spaces.
 */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
}

/** Every link handed to an uploader, built on PUBLIC_URL. */
export function buildLinks(
  publicUrl: string,
  image: Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'title'>,
): ImageLinks {
  const origin = publicUrl.replace(/\/+$/, '');
  const view = `${origin}/v/${image.id}`;
  const direct = `${origin}/i/${image.id}.${FORMAT_INFO[image.format].ext}`;
  const thumbFormat = baseFormatFor(image.format, image.hasAlpha);
  const thumbnail = `${origin}/i/${image.id}/${THUMBNAIL}.${FORMAT_INFO[thumbFormat].ext}`;
  const alt = oneLine(image.title ?? '') || image.id;
  return {
    view,
    direct,
    thumbnail,
    markdown: `[![${escapeMarkdownAlt(alt)}](${direct})](${view})`,
    html: `<a href="${view}"><img src="${direct}" alt="${escapeHtml(alt)}"></a>`,
    bbcode: `[url=${view}][img]${direct}[/img][/url]`,
  };
}

/** The page where the uploader confirms a delete; carries the token in the fragment-free query. */
export function buildDeleteLink(publicUrl: string, id: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/delete/${id}?token=${encodeURIComponent(token)}`;
}
