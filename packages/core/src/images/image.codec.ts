import type { ImageRecord } from './image.js';

/** JSON form of an ImageRecord for caches: dates as ISO strings, the token hash as hex. */
export function encodeImageRecord(image: ImageRecord): string {
  return JSON.stringify({ ...image, deleteTokenHash: image.deleteTokenHash.toString('hex') });
}

export function decodeImageRecord(json: string): ImageRecord {
  const raw = JSON.parse(json) as Omit<
    ImageRecord,
    'createdAt' | 'expiresAt' | 'processedAt' | 'deleteTokenHash' | 'views'
  > & {
    views?: number;
    createdAt: string;
    expiresAt: string | null;
    processedAt: string | null;
    deleteTokenHash: string;
  };
  return {
    ...raw,
    // Entries cached before images had view counts.
    views: raw.views ?? 0,
    createdAt: new Date(raw.createdAt),
    expiresAt: raw.expiresAt === null ? null : new Date(raw.expiresAt),
    processedAt: raw.processedAt === null ? null : new Date(raw.processedAt),
    deleteTokenHash: Buffer.from(raw.deleteTokenHash, 'hex'),
  };
}
