import { isExpired } from '../shared/lifetime.js';

/** Formats accepted on upload and produced by the pipeline. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const FORMAT_INFO: Readonly<Record<ImageFormat, { ext: string; mime: string }>> = {
  jpeg: { ext: 'jpg', mime: 'image/jpeg' },
  png: { ext: 'png', mime: 'image/png' },
  webp: { ext: 'webp', mime: 'image/webp' },
  gif: { ext: 'gif', mime: 'image/gif' },
  avif: { ext: 'avif', mime: 'image/avif' },
};

const EXT_TO_FORMAT: ReadonlyMap<string, ImageFormat> = new Map([
  ...IMAGE_FORMATS.map((format) => [FORMAT_INFO[format].ext, format] as const),
  ['jpeg', 'jpeg'],
]);

export function formatFromExtension(ext: string): ImageFormat | undefined {
  return EXT_TO_FORMAT.get(ext.toLowerCase());
}

export function isImageFormat(value: string): value is ImageFormat {
  return (IMAGE_FORMATS as readonly string[]).includes(value);
}

/**
 * pending: stored, waiting for the worker. ready: every variant stored. failed: the pipeline
 * gave up (see failureReason). deleting: a delete is under way; readers treat it as gone.
 */
export type ImageStatus = 'pending' | 'ready' | 'failed' | 'deleting';
/**
 * public: listed and served by the edge. unlisted: served by the edge, reachable by link only.
 * private: the owner only; objects kept outside `public/`, read through presigned links.
 */
export type Visibility = 'public' | 'unlisted' | 'private';
export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;

/** An output of the pipeline: the sanitised display copy or a resized variant, in one format. */
export interface VariantRecord {
  name: string;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  key: string;
}

export interface ImageRecord {
  id: string;
  status: ImageStatus;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  frames: number;
  hasAlpha: boolean;
  title: string | null;
  visibility: Visibility;
  watermark: string | null;
  placeholder: string | null;
  variants: VariantRecord[];
  failureReason: string | null;
  attempts: number;
  createdAt: Date;
  expiresAt: Date | null;
  processedAt: Date | null;
  deleteTokenHash: Buffer;
  /** The account that uploaded it; null for anonymous uploads. */
  ownerId: string | null;
  /** The owner is blocked: the image is hidden everywhere until they are unblocked. */
  ownerBlocked: boolean;
  /** Views of its view page (see ViewCounter), as last flushed to the database. */
  views: number;
}

export type NewImage = Partial<Pick<ImageRecord, 'ownerId'>> &
  Pick<
    ImageRecord,
    | 'id'
    | 'format'
    | 'width'
    | 'height'
    | 'bytes'
    | 'frames'
    | 'hasAlpha'
    | 'title'
    | 'visibility'
    | 'watermark'
    | 'expiresAt'
    | 'deleteTokenHash'
    | 'createdAt'
  >;

/** What validation learnt from the bytes alone. */
export interface InspectedImage {
  format: ImageFormat;
  width: number;
  height: number;
  frames: number;
  hasAlpha: boolean;
}

export { isExpired };

/** Visible to readers: not expired, not being deleted, not of a blocked owner. */
export function isVisible(
  image: Pick<ImageRecord, 'expiresAt' | 'status'> & { ownerBlocked?: boolean },
  now: Date,
): boolean {
  return image.status !== 'deleting' && !isExpired(image, now) && image.ownerBlocked !== true;
}
