import type { PasteRecord } from './paste.js';

/** A paste with its text, as kept in the cache. */
export interface CachedPaste {
  paste: PasteRecord;
  text: string;
}

interface Encoded {
  m: Omit<PasteRecord, 'createdAt' | 'expiresAt' | 'deleteTokenHash'> & {
    createdAt: string;
    expiresAt: string | null;
    deleteTokenHash: string;
  };
  t: string;
}

export function encodeCachedPaste(entry: CachedPaste): string {
  const { paste } = entry;
  const encoded: Encoded = {
    m: {
      ...paste,
      createdAt: paste.createdAt.toISOString(),
      expiresAt: paste.expiresAt ? paste.expiresAt.toISOString() : null,
      deleteTokenHash: paste.deleteTokenHash.toString('base64'),
    },
    t: entry.text,
  };
  return JSON.stringify(encoded);
}

/** Undefined for anything unreadable: a bad entry is a miss, never an error. */
export function decodeCachedPaste(value: string): CachedPaste | undefined {
  try {
    const { m, t } = JSON.parse(value) as Encoded;
    if (typeof t !== 'string' || typeof m?.id !== 'string') return undefined;
    return {
      paste: {
        ...m,
        createdAt: new Date(m.createdAt),
        expiresAt: m.expiresAt ? new Date(m.expiresAt) : null,
        deleteTokenHash: Buffer.from(m.deleteTokenHash, 'base64'),
      },
      text: t,
    };
  } catch {
    return undefined;
  }
}
