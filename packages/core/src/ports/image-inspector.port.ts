import type { InspectedImage } from '../images/image.js';

/**
 * Decides from the bytes alone whether an upload is an acceptable image. Throws AppErrors with
 * the codes UNSUPPORTED_MEDIA_TYPE, CORRUPT_IMAGE, PIXEL_LIMIT_EXCEEDED, FRAME_LIMIT_EXCEEDED.
 */
export interface ImageInspector {
  inspect(bytes: Buffer): Promise<InspectedImage>;
}
