/** "My recent uploads": a small list kept in localStorage, shared between tabs. */

import { parseLinks, type ImageLinks, type UploadedImage } from './api';

export interface RecentEntry {
  id: string;
  links: ImageLinks;
  deleteToken: string;
  createdAt: string;
  expiresAt: string | null;
  title: string | null;
}

const KEY = 'pictor.recent.v1';
const MAX_ENTRIES = 200;

type Listener = (entries: readonly RecentEntry[]) => void;

function isExpired(entry: RecentEntry, now: number): boolean {
  if (entry.expiresAt === null) return false;
  const time = new Date(entry.expiresAt).getTime();
  return !Number.isNaN(time) && time <= now;
}

function parseEntry(value: unknown): RecentEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const links = parseLinks(v.links);
  if (typeof v.id !== 'string' || !links) return null;
  return {
    id: v.id,
    links,
    deleteToken: typeof v.deleteToken === 'string' ? v.deleteToken : '',
    createdAt: typeof v.createdAt === 'string' ? v.createdAt : new Date(0).toISOString(),
    expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : null,
    title: typeof v.title === 'string' ? v.title : null,
  };
}

function read(): RecentEntry[] {
  let raw: string | null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    return [];
  }
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.map(parseEntry).filter((e): e is RecentEntry => e !== null);
  } catch {
    return [];
  }
}

export class RecentStore {
  private entries: RecentEntry[] = [];
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.entries = read();
    this.prune();
    window.addEventListener('storage', (event) => {
      if (event.key !== KEY && event.key !== null) return;
      const now = Date.now();
      this.entries = read().filter((e) => !isExpired(e, now));
      this.notify();
    });
  }

  list(): readonly RecentEntry[] {
    return this.entries;
  }

  get(id: string): RecentEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  add(image: UploadedImage): void {
    const entry: RecentEntry = {
      id: image.id,
      links: image.links,
      deleteToken: image.deleteToken,
      createdAt: image.createdAt,
      expiresAt: image.expiresAt,
      title: image.title,
    };
    this.entries = [entry, ...this.entries.filter((e) => e.id !== image.id)].slice(0, MAX_ENTRIES);
    this.commit();
  }

  remove(id: string): void {
    const next = this.entries.filter((e) => e.id !== id);
    if (next.length === this.entries.length) return;
    this.entries = next;
    this.commit();
  }

  /** Drops entries whose expiry has passed; returns true when something was dropped. */
  prune(now: number = Date.now()): boolean {
    const next = this.entries.filter((e) => !isExpired(e, now));
    if (next.length === this.entries.length) return false;
    this.entries = next;
    this.commit();
    return true;
  }

  subscribe(listener: Listener): void {
    this.listeners.add(listener);
    listener(this.entries);
  }

  private commit(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.entries));
    } catch {
      // Storage full or disabled (private mode): the list still works for this page view.
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.entries);
  }
}
