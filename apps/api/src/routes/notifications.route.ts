import express, { Router } from 'express';
import { ERRORS, type InAppNotification, type NotificationInbox } from '@pictor/core';
import { accountOf, checkCsrf, requireAccount, requireSession, type AuthSettings } from '../http/auth.js';
import {
  MarkReadSchema,
  NotificationListQuery,
  UpdateNotificationSettingsSchema,
} from '../http/notification-schemas.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { parseOrThrow } from '../http/validate.js';

export interface NotificationsRouteDeps extends AuthSettings {
  inbox: NotificationInbox;
  /** How often an open stream re-reads the unread count (news from other processes). */
  streamRecheckMs?: number;
  /** Open streams one account may hold on this process; more answer 429 (default 5). */
  maxStreamsPerAccount?: number;
}

/** A few tabs are normal; hundreds of streams of one account are someone holding sockets open. */
const MAX_STREAMS_PER_ACCOUNT = 5;

/** `/api/v1/notifications`: the in-app list, marking read, and a live stream (Server-Sent Events). */
export function notificationsRoute(deps: NotificationsRouteDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '8kb' }));
  router.use(checkCsrf(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', requireAccount('account:read'), async (req, res) => {
    const { limit, cursor } = parseOrThrow(NotificationListQuery, req.query);
    const page = await deps.inbox.list(accountOf(req).id, limit, decodeCursor(cursor));
    res.json({
      notifications: page.notifications.map(present),
      unread: page.unread,
      nextCursor: page.next ? `${page.next.createdAt.getTime().toString(36)}_${page.next.id}` : null,
    });
  });

  router.post('/read', requireAccount('account:read'), async (req, res) => {
    const { ids } = parseOrThrow(MarkReadSchema, req.body ?? {});
    res.json({ unread: await deps.inbox.markRead(accountOf(req).id, ids) });
  });

  const open = new Map<string, number>();
  router.get('/stream', requireAccount('account:read'), async (req, res) => {
    const accountId = accountOf(req).id;
    const held = open.get(accountId) ?? 0;
    if (held >= (deps.maxStreamsPerAccount ?? MAX_STREAMS_PER_ACCOUNT)) {
      throw ERRORS.rateLimited(15, 'Too many open notification streams; close another tab first.');
    }
    open.set(accountId, held + 1);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    let last = -1;
    const sendUnread = async () => {
      const unread = await deps.inbox.unread(accountId);
      if (unread !== last && !res.writableEnded) {
        last = unread;
        res.write(`event: unread\ndata: ${JSON.stringify({ unread })}\n\n`);
      }
    };
    const unsubscribe = deps.inbox.hub.subscribe(accountId, (notification) => {
      res.write(`event: notification\ndata: ${JSON.stringify(present(notification))}\n\n`);
      void sendUnread().catch(() => undefined);
    });
    const timer = setInterval(() => {
      res.write(': keep-alive\n\n');
      void sendUnread().catch(() => undefined);
    }, deps.streamRecheckMs ?? 15_000);
    // Shutdown ends the stream (the browser's EventSource reconnects, to another pod).
    const stopOnClose = deps.inbox.hub.onClose(() => res.end());
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const left = (open.get(accountId) ?? 1) - 1;
      if (left > 0) open.set(accountId, left);
      else open.delete(accountId);
      clearInterval(timer);
      unsubscribe();
      stopOnClose();
    };
    req.on('close', close);
    res.on('close', close);
    await sendUnread();
  });

  router.get('/settings', requireAccount('account:read'), async (req, res) => {
    res.json(await deps.inbox.settings(accountOf(req).id));
  });

  router.put('/settings', requireSession(), async (req, res) => {
    const changes = parseOrThrow(UpdateNotificationSettingsSchema, req.body ?? {});
    res.json(
      await deps.inbox.updateSettings(accountOf(req).id, changes.email === undefined ? {} : { email: changes.email }),
    );
  });

  router.all('/', allowOnly('GET'));
  router.all('/read', allowOnly('POST'));
  router.all('/settings', allowOnly('GET', 'PUT'));
  router.all('/stream', allowOnly('GET'));
  return router;
}

function present(n: InAppNotification) {
  return {
    id: n.id,
    type: n.type,
    actor: n.actor,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    read: n.readAt !== null,
  };
}

function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const cut = cursor.indexOf('_');
  const createdAt = new Date(Number.parseInt(cursor.slice(0, cut), 36));
  if (Number.isNaN(createdAt.getTime())) throw ERRORS.validationFailed('cursor is not valid');
  return { createdAt, id: cursor.slice(cut + 1) };
}
