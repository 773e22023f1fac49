/**
 * Shows an uploaded image's thumbnail. The thumbnail may not exist yet right after the upload
 * (it is made in the background), so fall back to the direct link, then retry both a few times,
 * and finally keep the fallback (a local preview) or mark the image as unavailable.
 */

import type { ImageLinks } from './api';

const RETRY_DELAYS_MS = [1500, 4000, 10000];

export function showThumbnail(
  img: HTMLImageElement,
  links: Pick<ImageLinks, 'thumbnail' | 'direct'>,
  fallbackSrc: string | null = null,
  onSettled?: (ok: boolean) => void,
): void {
  const base = links.thumbnail && links.thumbnail !== links.direct ? [links.thumbnail, links.direct] : [links.direct];
  let round = 0;
  let index = 0;
  let waiting = false;

  const sourceAt = (i: number): string | undefined => {
    const url = base[i];
    return url === undefined || round === 0 ? url : withRetry(url, round);
  };
  const cleanup = (): void => {
    img.removeEventListener('load', onLoad);
    img.removeEventListener('error', onError);
  };
  const onLoad = (): void => {
    if (waiting) return; // the fallback preview shown between retries
    cleanup();
    img.classList.remove('is-broken');
    onSettled?.(true);
  };
  const onError = (): void => {
    if (waiting) return;
    index += 1;
    const next = sourceAt(index);
    if (next !== undefined) {
      img.src = next;
      return;
    }
    const delay = RETRY_DELAYS_MS[round];
    if (delay !== undefined) {
      waiting = true;
      if (fallbackSrc) img.src = fallbackSrc;
      window.setTimeout(() => {
        if (!img.isConnected) {
          cleanup();
          return;
        }
        waiting = false;
        round += 1;
        index = 0;
        img.src = sourceAt(0) ?? '';
      }, delay);
      return;
    }
    cleanup();
    if (fallbackSrc) img.src = fallbackSrc;
    else img.classList.add('is-broken');
    onSettled?.(false);
  };

  img.addEventListener('load', onLoad);
  img.addEventListener('error', onError);
  img.src = sourceAt(0) ?? '';
}

/** Adds a throw-away query parameter so the browser does not reuse a cached failure. */
function withRetry(url: string, attempt: number): string {
  try {
    const parsed = new URL(url, window.location.href);
    parsed.searchParams.set('retry', String(attempt));
    return parsed.href;
  } catch {
    return url;
  }
}
