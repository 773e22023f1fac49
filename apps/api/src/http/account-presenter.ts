import type { Account, ApiToken } from '@pictor/core';
import type { z } from 'zod';
import type { AccountSchema, TokenSchema } from './account-schemas.js';

export function presentAccount(account: Account, csrfToken?: string): z.infer<typeof AccountSchema> {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    role: account.role,
    status: account.status,
    createdAt: account.createdAt.toISOString(),
    ...(csrfToken ? { csrfToken } : {}),
  };
}

export function presentToken(token: ApiToken): z.infer<typeof TokenSchema> {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * A ShareX custom uploader (.sxcu) that uploads to this server with a personal token. Delete
 * links come back as the owner's delete link (works without the token, for whoever holds it).
 */
export function shareXConfig(publicUrl: string, token: string): Record<string, unknown> {
  const host = new URL(publicUrl).host;
  return {
    Version: '17.0.0',
    Name: `Pictor (${host})`,
    DestinationType: 'ImageUploader',
    RequestMethod: 'POST',
    RequestURL: `${publicUrl}/api/v1/images`,
    Headers: { Authorization: `Bearer ${token}` },
    Body: 'MultipartFormData',
    FileFormName: 'file',
    URL: '{json:images[0].links.direct}',
    ThumbnailURL: '{json:images[0].links.thumbnail}',
    DeletionURL: '{json:images[0].links.delete}',
    ErrorMessage: '{json:error.message}',
  };
}
