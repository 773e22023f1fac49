import slugify from '@sindresorhus/slugify';

/**
 * Slugs that would read as an action on the paste rather than its name; they get a suffix like
 * any taken slug. Usernames that collide with the site's routes are refused at sign-up
 * (RESERVED_USERNAMES), so `/<username>/<slug>` never shadows a route.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'raw',
  'edit',
  'delete',
  'new',
  'api',
  'pastes',
  'images',
  'settings',
]);

const MAX_SLUG_LENGTH = 80;

/**
 * The slug wanted for a title: transliterated (Cyrillic, German…), lower-case, `-` separated,
 * at most 80 characters. Titles with nothing to transliterate (emoji, Japanese, `../`) fall back
 * to the paste's id, which is already a safe path segment.
 */
export function slugBaseFor(title: string | null, id: string): string {
  const slug = title ? slugify(title).slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '') : '';
  return slug === '' ? id.toLowerCase() : slug;
}

/** The first free slug: `base`, else `base-2`, `base-3`… skipping reserved and taken ones. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base) && !RESERVED_SLUGS.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A path segment that could be a slug (anything else is answered 404 without a query). */
export function isSlugLike(value: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,89}$/.test(value);
}
