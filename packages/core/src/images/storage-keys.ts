import { FORMAT_INFO, type ImageFormat, type Visibility } from './image.js';

/**
 * Object keys are made here and only here, from server-made ids: no part of a client's file
 * name ever reaches a key. `public/` is what the edge may serve; `originals/`, `private/` and
 * `withheld/` never are.
 */
export const storageKeys = {
  original: (id: string) => `originals/${id}`,
  display: (id: string, format: ImageFormat) => `public/${id}.${FORMAT_INFO[format].ext}`,
  variant: (id: string, name: string, format: ImageFormat) => `public/${id}/${name}.${FORMAT_INFO[format].ext}`,
  /** Everything public that belongs to an image (the display copy is matched separately). */
  variantPrefix: (id: string) => `public/${id}/`,
  /**
   * Where a public object waits while its owner is blocked: out of `public/`, so the edge, which
   * serves `public/` straight from storage, answers 404 for it too.
   */
  withheld: (publicKey: string) => `withheld/${publicKey.slice('public/'.length)}`,
  /** The public key a withheld object goes back to. */
  unwithheld: (withheldKey: string) => `public/${withheldKey.slice('withheld/'.length)}`,
  /** Every withheld object of an image (ids have a fixed length, so no other id shares it). */
  withheldPrefix: (id: string) => `withheld/${id}`,
  /**
   * Where a private image's output is stored: the same name under `private/`, which neither the
   * edge (it reads `public/` only) nor the bucket's anonymous policy reaches.
   */
  private: (publicKey: string) => `private/${publicKey.slice('public/'.length)}`,
  /** Every private object of an image but its display copy (`private/<id>.<ext>`). */
  privatePrefix: (id: string) => `private/${id}/`,
  /**
   * The key an output is stored under for an image of this visibility. Rows record outputs by
   * their public key; only private images keep them elsewhere.
   */
  stored: (visibility: Visibility, publicKey: string) =>
    visibility === 'private' && publicKey.startsWith('public/')
      ? `private/${publicKey.slice('public/'.length)}`
      : publicKey,
} as const;

/** Cache-Control stored with a private object: no shared cache may keep it. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

/**
 * Cache-Control stored with a public object, which the edge passes on: an expiring image is
 * revalidated on every use (ETag), so no cache keeps it past its expiry.
 */
export function publicCacheControl(image: { expiresAt: Date | null }): string {
  return image.expiresAt ? 'public, no-cache' : 'public, max-age=31536000, immutable';
}
