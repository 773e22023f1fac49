import { Router, type Response } from 'express';
import type { UnsubscribeService, UnsubscribeTarget } from '@pictor/core';
import { allowOnly } from '../http/method-not-allowed.js';
import { escapeHtml, layout } from '../pages/html.js';

/** Longer than any token Pictor writes; anything longer is refused as it is. */
const MAX_TOKEN = 256;

/**
 * `/unsubscribe/<token>`: the one-click unsubscribe of follow-notification emails. GET shows what
 * the link does and a button (mail scanners fetch links, so GET changes nothing); POST turns
 * notify off, from that button or from a mail program honouring `List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click` (RFC 8058; it posts `List-Unsubscribe=One-Click`; the body is not
 * read, the token is what counts). No session and no CSRF token: the signed link is the proof, and
 * all it can do is turn notifications off.
 */
export function unsubscribeRoute(unsubscribe: UnsubscribeService): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Robots-Tag', 'noindex');
    next();
  });
  const token = (raw: string | undefined) => (raw ?? '').slice(0, MAX_TOKEN);

  router.get('/:token', async (req, res) => {
    const target = await unsubscribe.describe(token(req.params.token));
    page(res, target, false, req.originalUrl);
  });
  // The body (`List-Unsubscribe=One-Click`, or the button's empty form) is not read: the token
  // is all that counts, so no body can make a one-click request fail.
  router.post('/:token', async (req, res) => {
    const target = await unsubscribe.unsubscribe(token(req.params.token));
    page(res, target, true, req.originalUrl);
  });
  router.all('/:token', allowOnly('GET', 'POST'));
  return router;
}

function page(res: Response, target: UnsubscribeTarget, done: boolean, action: string): void {
  const who = target.followee ? escapeHtml(target.followee) : 'this account';
  let body: string;
  if (done) {
    body = `<h1>Unsubscribed</h1>
<p class="notice">You will no longer be notified of new images and pastes by ${who}. You still follow them; turn notifications back on from their profile.</p>`;
  } else if (!target.notifying) {
    body = `<h1>Nothing to stop</h1>
<p class="notice">You are not notified of new images and pastes by ${who}.</p>`;
  } else {
    body = `<h1>Stop notifications?</h1>
<p>You are notified of every new public image and paste by ${who}. Stop these notifications (email, Telegram, webhooks and in the page) for ${who} only; you keep following them.</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Stop notifications</button></form>`;
  }
  res
    .status(200)
    .type('html')
    .send(layout(done ? 'Unsubscribed' : 'Unsubscribe', body));
}
