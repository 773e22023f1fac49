import type { CreatedPaste, PasteRecord } from '@pictor/core';

export interface PasteLinks {
  /** The page: the author's `/<username>/<slug>` when there is one, else the short link. */
  view: string;
  /** `/p/<id>`: permanent, survives renames. */
  short: string;
  raw: string;
  /** `/<username>/<slug>`; only for pastes of a signed-in author. */
  named: string | null;
}

export function pasteLinks(publicUrl: string, paste: PasteRecord): PasteLinks {
  const short = `${publicUrl}/p/${paste.id}`;
  const named =
    paste.ownerUsername && paste.slug
      ? `${publicUrl}/${encodeURIComponent(paste.ownerUsername)}/${encodeURIComponent(paste.slug)}`
      : null;
  return { view: named ?? short, short, raw: `${short}/raw`, named };
}

/** A paste as the API shows it; `content` only where the text was read. */
export function presentPaste(publicUrl: string, paste: PasteRecord, content?: string | null) {
  return {
    id: paste.id,
    title: paste.title,
    language: paste.language,
    visibility: paste.visibility,
    burnAfterReading: paste.burnAfterReading,
    bytes: paste.bytes,
    views: paste.views,
    author: paste.ownerUsername,
    createdAt: paste.createdAt.toISOString(),
    expiresAt: paste.expiresAt ? paste.expiresAt.toISOString() : null,
    links: pasteLinks(publicUrl, paste),
    ...(content !== undefined ? { content } : {}),
  };
}

export function presentCreatedPaste(publicUrl: string, created: CreatedPaste) {
  const links = pasteLinks(publicUrl, created.paste);
  return {
    ...presentPaste(publicUrl, created.paste),
    deleteToken: created.deleteToken,
    deleteUrl: `${links.short}?token=${encodeURIComponent(created.deleteToken)}`,
  };
}
