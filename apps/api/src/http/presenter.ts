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

export function encodeCursor(image: Pick<ImageRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([image.createdAt.toISOString(), image.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const createdAt = new Date(parsed[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: parsed[1] };
    }
  } catch {
    // an unreadable cursor is a client error, reported by the caller
  }
  return null;
}
