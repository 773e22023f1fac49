import type { Request } from 'express';
import { createIsbotFromList, list as botPatterns } from 'isbot';
import type { Reader, Viewer } from '@pictor/core';

/**
 * Command-line clients that people type themselves: `curl …/raw` is someone reading, not a link
 * preview. isbot counts them as bots, so their patterns are taken out of its list.
 */
const PEOPLE_WITH_TOOLS = [
  'curl/8.5.0',
  'Wget/1.21.3',
  'HTTPie/3.2.2',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'node',
  'undici',
  'PowerShell/7.4.0',
];

const isPreviewer = createIsbotFromList(
  botPatterns.filter((pattern) => {
    const regex = new RegExp(pattern, 'i');
    return !PEOPLE_WITH_TOOLS.some((agent) => regex.test(agent));
  }),
);

/**
 * Whether a request only previews: HEAD, a prefetch (`Purpose`/`Sec-Purpose: prefetch`), or a
 * crawler or link previewer (Slack, Telegram, Discord, WhatsApp, Twitter, Facebook…). Previews
 * neither burn a paste nor count as views.
 */
export function isPreview(req: Request): boolean {
  if (req.method === 'HEAD') return true;
  const purpose = `${req.get('purpose') ?? ''} ${req.get('sec-purpose') ?? ''} ${req.get('x-moz') ?? ''}`;
  if (/prefetch|preview/i.test(purpose)) return true;
  return isPreviewer(req.get('user-agent') ?? '');
}

/** The reader of a request: the signed-in account (if any) and whether it only previews. */
export function readerOf(req: Request): Reader {
  const principal = req.principal;
  const accountId = principal && principal.kind !== 'operator' ? principal.account.id : undefined;
  return { ...(accountId ? { accountId } : {}), preview: isPreview(req) };
}

/** The viewer of a request for view counts: the account when signed in, else the client address. */
export function viewerOf(req: Request): Viewer {
  const reader = readerOf(req);
  return {
    clientKey: reader.accountId ? `account:${reader.accountId}` : `ip:${req.ip ?? 'unknown'}`,
    ...(reader.accountId ? { accountId: reader.accountId } : {}),
    preview: reader.preview,
  };
}
