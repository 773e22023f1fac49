/**
 * Expiry rules shared by every kind of item (images, pastes): an item with `expiresAt` in the
 * past is gone for every reader at once, and nothing caches it past that moment.
 */
export function isExpired(item: { expiresAt: Date | null }, now: Date): boolean {
  return item.expiresAt !== null && item.expiresAt.getTime() <= now.getTime();
}

/**
 * How long a cache may keep an item: `maxSeconds`, shortened to its remaining life. 0 means
 * "do not cache" (less than a second left).
 */
export function cacheLifetimeSeconds(item: { expiresAt: Date | null }, now: Date, maxSeconds: number): number {
  if (item.expiresAt === null) return maxSeconds;
  const remaining = Math.floor((item.expiresAt.getTime() - now.getTime()) / 1000);
  return Math.max(0, Math.min(maxSeconds, remaining));
}
