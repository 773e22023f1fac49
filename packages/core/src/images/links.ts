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

function escapeMarkdownAlt(text: string): string {
  return text.replace(/[[\]\\]/g, (c) => `\\${c}`);
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
  const alt = image.title ?? image.id;
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
