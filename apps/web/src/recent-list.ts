/** Renders "My recent uploads" with Copy, Delete and Forget actions. */

import { announce } from './announce';
import { ApiError, deleteImage } from './api';
import { attachCopy } from './copy-field';
import { h } from './dom';
import { expiryText, formatDateTime, relativeTime } from './format';
import type { RecentEntry, RecentStore } from './recent-store';
import { showThumbnail } from './thumbnail';
import { DELETED_EVENT } from './upload-card';

interface Item {
  element: HTMLLIElement;
  refresh(now: number): void;
}

export class RecentList {
  private readonly items = new Map<string, Item>();

  constructor(
    private readonly store: RecentStore,
    private readonly list: HTMLUListElement,
    private readonly empty: HTMLElement,
    private readonly heading: HTMLElement,
  ) {
    store.subscribe((entries) => {
      this.render(entries);
    });
    // Refresh relative times and drop expired entries every 30 s.
    window.setInterval(() => {
      if (!this.store.prune()) this.refreshTimes();
    }, 30_000);
  }

  private render(entries: readonly RecentEntry[]): void {
    const seen = new Set<string>();
    const now = Date.now();
    for (const entry of entries) {
      seen.add(entry.id);
      let item = this.items.get(entry.id);
      if (!item) {
        item = this.createItem(entry);
        this.items.set(entry.id, item);
      }
      item.refresh(now);
      this.list.append(item.element); // moves existing nodes into order
    }
    for (const [id, item] of this.items) {
      if (!seen.has(id)) {
        item.element.remove();
        this.items.delete(id);
      }
    }
    this.empty.hidden = entries.length > 0;
    this.list.hidden = entries.length === 0;
  }

  private refreshTimes(): void {
    const now = Date.now();
    for (const item of this.items.values()) item.refresh(now);
  }

  private createItem(entry: RecentEntry): Item {
    const label = entry.title ?? entry.id;
    const img = h('img', {
      class: 'recent-thumb',
      alt: entry.title ?? `Image ${entry.id}`,
      loading: 'lazy',
      decoding: 'async',
    });
    showThumbnail(img, entry.links);
    const media = entry.links.view
      ? h('a', { class: 'recent-media', href: entry.links.view, target: '_blank', rel: 'noopener' }, img)
      : h('div', { class: 'recent-media' }, img);
    if (media instanceof HTMLAnchorElement) media.setAttribute('aria-label', `Open ${label} in a new tab`);

    const uploaded = h('time', { datetime: entry.createdAt, title: formatDateTime(entry.createdAt) });
    const expires = h('span', { class: 'recent-expiry' });
    if (entry.expiresAt) expires.title = formatDateTime(entry.expiresAt);
    const error = h('p', { class: 'card-error', role: 'alert', hidden: true });

    const copyButton = h(
      'button',
      { type: 'button', class: 'btn btn-small', 'aria-label': `Copy link to ${label}` },
      'Copy link',
    );
    attachCopy(copyButton, () => entry.links.direct, `direct link of ${label}`);

    const deleteButton = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${label}` },
      'Delete',
    );
    deleteButton.disabled = !entry.deleteToken;
    if (!entry.deleteToken) deleteButton.title = 'No delete token was saved for this image';
    deleteButton.addEventListener('click', () => {
      void this.remove(entry, deleteButton, error);
    });

    const forgetButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small btn-ghost',
        'aria-label': `Forget ${label} (remove from this list, keep the image)`,
      },
      'Forget',
    );
    forgetButton.addEventListener('click', () => {
      this.store.remove(entry.id);
      announce(`${label} removed from the list. The image itself was not deleted.`);
      this.heading.focus();
    });

    const element = h(
      'li',
      { class: 'recent-item' },
      media,
      h(
        'div',
        { class: 'recent-body' },
        h('h3', { class: 'recent-title', text: label, title: label }),
        h('p', { class: 'recent-meta' }, uploaded, h('br'), expires),
        h('div', { class: 'recent-actions' }, copyButton, deleteButton, forgetButton),
        error,
      ),
    );

    return {
      element,
      refresh: (now) => {
        uploaded.textContent = `Uploaded ${relativeTime(entry.createdAt, now)}`;
        expires.textContent = expiryText(entry.expiresAt, now);
      },
    };
  }

  private async remove(entry: RecentEntry, button: HTMLButtonElement, error: HTMLParagraphElement): Promise<void> {
    const label = entry.title ?? entry.id;
    if (!window.confirm(`Delete “${label}” from the server? This cannot be undone.`)) return;
    button.disabled = true;
    button.textContent = 'Deleting…';
    error.hidden = true;
    try {
      const result = await deleteImage(entry.id, entry.deleteToken);
      this.store.remove(entry.id);
      document.dispatchEvent(new CustomEvent(DELETED_EVENT, { detail: entry.id }));
      announce(result === 'deleted' ? `${label} deleted.` : `${label} was already gone; removed from the list.`);
      this.heading.focus();
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('UNKNOWN', String(err));
      error.replaceChildren(h('span', { text: e.message }), ' ', h('code', { class: 'error-code', text: e.code }));
      error.hidden = false;
      button.disabled = false;
      button.textContent = 'Delete';
    }
  }
}
