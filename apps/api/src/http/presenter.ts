import { buildDeleteLink, buildLinks, DISPLAY, FORMAT_INFO, type ImageRecord, type UploadedImage } from '@pictor/core';
import type { z } from 'zod';
import type { ImageSchema, UploadedImageSchema } from './schemas.js';

export type ImageDto = z.infer<typeof ImageSchema>;
export type UploadedImageDto = z.infer<typeof UploadedImageSchema>;

export function outputUrl(
  publicUrl: string,
  image: Pick<ImageRecord, 'id'>,
  name: string,
  format: ImageRecord['format'],
): string {
  const ext = FORMAT_INFO[format].ext;
  return name === DISPLAY ? `${publicUrl}/i/${image.id}.${ext}` : `${publicUrl}/i/${image.id}/${name}.${ext}`;
}

/** The public face of an image: never the token hash, never storage keys. */
export function presentImage(publicUrl: string, image: ImageRecord): ImageDto {
  return {
    id: image.id,
    status: image.status === 'deleting' ? 'failed' : image.status,
    format: image.format,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    frames: image.frames,
    title: image.title,
    visibility: image.visibility,
    placeholder: image.placeholder,
    failureReason: image.failureReason,
    createdAt: image.createdAt.toISOString(),
    expiresAt: image.expiresAt?.toISOString() ?? null,
    views: image.views,
    links: buildLinks(publicUrl, image),
    variants: image.variants.map((v) => ({
      name: v.name,
      format: v.format,
      width: v.width,
      height: v.height,
      bytes: v.bytes,
      url: outputUrl(publicUrl, image, v.name, v.format),
    })),
  };
}

export function presentUpload(publicUrl: string, upload: UploadedImage): UploadedImageDto {
  const dto = presentImage(publicUrl, upload.image);
  return {
    ...dto,
    links: { ...dto.links, delete: buildDeleteLink(publicUrl, upload.image.id, upload.deleteToken) },
    deleteToken: upload.deleteToken,
  };
}

/**
 * A list cursor: the last image's creation time (milliseconds since 1970 in base 36, at most 9
 * digits: before the year 5188) and its id. Plain enough for its pattern to describe it exactly,
 * so any cursor that matches is one the list accepts (a made-up one starts somewhere in the list).
 */
export const CURSOR_PATTERN = /^[0-9a-z]{1,9}_[0-9A-Za-z]{12}$/;
/** The same for pastes, whose ids are 8 characters. */
export const PASTE_CURSOR_PATTERN = /^[0-9a-z]{1,9}_[0-9A-Za-z]{8}$/;

export function encodeCursor(image: Pick<ImageRecord, 'createdAt' | 'id'>): string {
  return `${image.createdAt.getTime().toString(36)}_${image.id}`;
}

export function decodeCursor(cursor: string, pattern: RegExp = CURSOR_PATTERN): { createdAt: Date; id: string } | null {
  if (!pattern.test(cursor)) return null;
  const [time = '', id = ''] = cursor.split('_');
  const createdAt = new Date(Number.parseInt(time, 36));
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id };
}
