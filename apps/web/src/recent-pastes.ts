/** "My recent pastes": pastes made in this browser, kept in localStorage like recent images. */

import { announce } from './announce';
import { ApiError, errorFromResponse } from './api';
import { h } from './dom';
import { expiryText, formatDateTime, relativeTime } from './format';

export interface RecentPaste {
  id: string;
  title: string | null;
  link: string;
  deleteToken: string;
  burnAfterReading: boolean;
  createdAt: string;
  expiresAt: string | null;
}

const KEY = 'pictor.recent-pastes.v1';
const MAX_ENTRIES = 200;

function parse(value: unknown): RecentPaste | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || typeof v.link !== 'string' || !/^https?:\/\//.test(v.link)) return null;
  return {
    id: v.id,
    title: typeof v.title === 'string' ? v.title : null,
    link: v.link,
    deleteToken: typeof v.deleteToken === 'string' ? v.deleteToken : '',
    burnAfterReading: v.burnAfterReading === true,
    createdAt: typeof v.createdAt === 'string' ? v.createdAt : new Date(0).toISOString(),
    expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : null,
  };
}

const expired = (entry: RecentPaste, now: number) =>
  entry.expiresAt !== null && new Date(entry.expiresAt).getTime() <= now;

function read(): RecentPaste[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.map(parse).filter((e): e is RecentPaste => e !== null) : [];
  } catch {
    return [];
  }
}

/** The list and its section; the section stays hidden while the list is empty. */
export class RecentPastes {
  private entries: RecentPaste[] = read();

  constructor(
    private readonly section: HTMLElement,
    private readonly list: HTMLUListElement,
  ) {
    window.addEventListener('storage', (event) => {
      if (event.key !== KEY && event.key !== null) return;
      this.entries = read();
      this.render();
    });
    window.setInterval(() => this.render(), 30_000);
    this.render();
  }

  add(entry: RecentPaste): void {
    this.entries = [entry, ...this.entries.filter((e) => e.id !== entry.id)].slice(0, MAX_ENTRIES);
    this.commit();
  }

  private remove(id: string): void {
    this.entries = this.entries.filter((e) => e.id !== id);
    this.commit();
  }

  private commit(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.entries));
    } catch {
      // Storage full or disabled: the list still works for this page view.
    }
    this.render();
  }

  private render(): void {
    const now = Date.now();
    this.entries = this.entries.filter((e) => !expired(e, now));
    this.list.replaceChildren(...this.entries.map((entry) => this.item(entry, now)));
    this.section.hidden = this.entries.length === 0;
  }

  private item(entry: RecentPaste, now: number): HTMLLIElement {
    const label = entry.title ?? `Paste ${entry.id}`;
    const error = h('p', { class: 'card-error', role: 'alert', hidden: true });
    const remove = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${label}` },
      'Delete',
    );
    remove.disabled = !entry.deleteToken;
    remove.addEventListener('click', () => {
      if (!window.confirm(`Delete “${label}” from the server? This cannot be undone.`)) return;
      remove.disabled = true;
      void deletePaste(entry)
        .then(() => {
          this.remove(entry.id);
          announce(`${label} deleted.`);
        })
        .catch((err: unknown) => {
          error.textContent = err instanceof Error ? err.message : 'Could not delete.';
          error.hidden = false;
          remove.disabled = false;
        });
    });
    const forget = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small btn-ghost',
        'aria-label': `Forget ${label} (remove from this list, keep the paste)`,
      },
      'Forget',
    );
    forget.addEventListener('click', () => {
      this.remove(entry.id);
      announce(`${label} removed from the list. The paste itself was not deleted.`);
    });
    return h(
      'li',
      { class: 'recent-paste', 'data-id': entry.id },
      h('a', { href: entry.link, text: label, class: 'recent-paste-link' }),
      h(
        'span',
        { class: 'recent-meta' },
        h('time', {
          datetime: entry.createdAt,
          title: formatDateTime(entry.createdAt),
          text: relativeTime(entry.createdAt, now),
        }),
        ` · ${expiryText(entry.expiresAt, now)}${entry.burnAfterReading ? ' · deleted once read' : ''}`,
      ),
      h('span', { class: 'recent-actions' }, remove, forget),
      error,
    );
  }
}

/** Deletes with the paste's token; a paste already gone counts as deleted. */
async function deletePaste(entry: RecentPaste): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`/api/v1/pastes/${encodeURIComponent(entry.id)}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': entry.deleteToken, Accept: 'application/json' },
      credentials: 'omit',
    });
  } catch {
    throw new ApiError('NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }
  if (response.ok || response.status === 404) return;
  throw errorFromResponse(response.status, await response.text());
}
