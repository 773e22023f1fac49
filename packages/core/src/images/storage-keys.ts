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
} as const;
