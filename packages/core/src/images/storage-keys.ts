import { FORMAT_INFO, type ImageFormat } from './image.js';

/**
 * Object keys are made here and only here, from server-made ids: no part of a client's file
 * name ever reaches a key. `public/` is what the edge may serve; `originals/` never is.
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
} as const;

/**
 * Cache-Control stored with a public object, which the edge passes on: an expiring image is
 * revalidated on every use (ETag), so no cache keeps it past its expiry.
 */
export function publicCacheControl(image: { expiresAt: Date | null }): string {
  return image.expiresAt ? 'public, no-cache' : 'public, max-age=31536000, immutable';
}
