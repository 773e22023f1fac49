/**
 * Notifications on the web page: the unread count in the header, the list at `#/notifications`
 * (live over Server-Sent Events while the page is open), and the account page's notification
 * settings (Telegram and webhooks). Every value from the server is set as text, never as HTML.
 */

import * as api from './account-api';
import type { InAppNotification, WebhookEndpoint } from './account-api';
import { announce } from './announce';
import { copyField } from './copy-field';
import { h, uid } from './dom';

const WEBHOOK_EVENTS: readonly { type: string; label: string }[] = [
  { type: 'follower.new', label: 'New follower' },
  { type: 'image.published', label: 'Image published by someone you follow' },
  { type: 'paste.published', label: 'Paste published by someone you follow' },
];

/** What a notification says and where it leads. */
function describe(n: InAppNotification): { text: string; href: string } {
  const actor = n.actor;
  const title = n.data.title ? `"${n.data.title}"` : undefined;
  switch (n.type) {
    case 'follower.new':
      return { text: `${actor} now follows you`, href: `/u/${encodeURIComponent(actor)}` };
    case 'image.published':
      return {
        text: `${actor} published ${title ?? 'a new image'}`,
        href: `/v/${encodeURIComponent(n.data.imageId ?? '')}`,
      };
    case 'paste.published':
      return {
        text: `${actor} published ${title ?? 'a new paste'}`,
        href: `/p/${encodeURIComponent(n.data.pasteId ?? '')}`,
      };
    default:
      return { text: `${actor}: ${n.type}`, href: `/u/${encodeURIComponent(actor)}` };
  }
}

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

export class NotificationsUi {
  private unread = 0;
  private stream: EventSource | null = null;
  private streamOf: string | null = null;
  private readonly badges = new Set<HTMLElement>();
  /** The open list, when `#/notifications` is shown. */
  private list: HTMLUListElement | null = null;

  /** Opens the stream for a signed-in account (once), closes it after sign-out. */
  connect(accountId: string | null): void {
    if (accountId === this.streamOf) return;
    this.stream?.close();
    this.stream = null;
    this.streamOf = accountId;
    this.setUnread(0);
    if (!accountId || typeof EventSource === 'undefined') return;
    // The browser reconnects by itself after a dropped connection or a server restart.
    const stream = new EventSource('/api/v1/notifications/stream');
    stream.addEventListener('unread', (event) => {
      const { unread } = JSON.parse((event as MessageEvent<string>).data) as { unread: number };
      this.setUnread(unread);
    });
    stream.addEventListener('notification', (event) => {
      const n = JSON.parse((event as MessageEvent<string>).data) as InAppNotification;
      if (this.list && this.list.isConnected) {
        this.list.querySelector('.empty')?.remove();
        this.list.prepend(this.row(n));
      }
      const { text } = describe(n);
      announce(`New notification: ${text}`);
    });
    this.stream = stream;
  }

  /** The header link with the unread count; kept current while it is on the page. */
  navLink(): HTMLAnchorElement {
    const count = h('span', { class: 'unread-count', id: 'unread-count', 'aria-live': 'polite' });
    const a = h('a', { href: '#/notifications', id: 'notifications-link' }, 'Notifications ', count);
    for (const badge of this.badges) if (!badge.isConnected) this.badges.delete(badge);
    this.badges.add(count);
    this.paint(count);
    return a;
  }

  private setUnread(unread: number): void {
    this.unread = unread;
    for (const badge of this.badges) this.paint(badge);
  }

  private paint(badge: HTMLElement): void {
    badge.textContent = String(this.unread);
    badge.setAttribute('aria-label', `${this.unread} unread`);
    badge.classList.toggle('has-unread', this.unread > 0);
  }

  private row(n: InAppNotification): HTMLLIElement {
    const { text, href } = describe(n);
    return h(
      'li',
      { class: n.read ? 'notification' : 'notification unread', 'data-id': n.id },
      h('a', { href }, text),
      ' ',
      h('time', { datetime: n.createdAt, class: 'hint' }, when(n.createdAt)),
    );
  }

  /** The `#/notifications` page. */
  async page(): Promise<HTMLElement[]> {
    const answer = await api.listNotifications();
    this.setUnread(answer.unread);
    const list = h('ul', { class: 'notifications', id: 'notification-list', 'aria-live': 'polite' });
    list.replaceChildren(
      ...(answer.notifications.length === 0
        ? [h('li', { class: 'empty' }, 'No notifications yet. Follow someone on their profile page.')]
        : answer.notifications.map((n) => this.row(n))),
    );
    this.list = list;
    const markRead = h('button', { type: 'button', class: 'btn btn-small', id: 'mark-read' }, 'Mark all as read');
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    markRead.addEventListener('click', () => {
      error.hidden = true;
      api
        .markNotificationsRead()
        .then((unread) => {
          this.setUnread(unread);
          for (const item of list.querySelectorAll('.unread')) item.classList.remove('unread');
          announce('All notifications marked as read');
        })
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : 'Could not mark them read.';
          error.hidden = false;
        });
    });
    return [h('p', {}, markRead), error, list];
  }

  /** The account page's section: where notifications go besides this page. */
  async settingsSection(): Promise<HTMLElement> {
    return h(
      'section',
      { 'aria-labelledby': 'notify-settings-heading', id: 'notification-settings' },
      h('h3', { id: 'notify-settings-heading' }, 'Notifications'),
      h(
        'p',
        { class: 'hint' },
        'You hear of new followers, and of new public images and pastes of people you follow with “notify” on, ' +
          'here, by email to your address, and on the channels below. Turn it off per person on their profile.',
      ),
      await this.emailPart(),
      await this.telegramPart(),
      await this.webhooksPart(),
    );
  }

  private async emailPart(): Promise<HTMLElement> {
    const id = uid('notify-email');
    const box = h('input', { type: 'checkbox', id });
    const status = h('span', { class: 'hint', role: 'status' });
    box.checked = (await api.notificationSettings().catch(() => ({ email: true }))).email;
    box.addEventListener('change', () => {
      box.disabled = true;
      api
        .updateNotificationSettings({ email: box.checked })
        .then((saved) => {
          box.checked = saved.email;
          status.textContent = saved.email ? ' Saved: email on.' : ' Saved: email off.';
        })
        .catch((e: unknown) => {
          box.checked = !box.checked;
          status.textContent = e instanceof Error ? ` ${e.message}` : ' Could not save.';
        })
        .finally(() => {
          box.disabled = false;
        });
    });
    return h(
      'div',
      { class: 'check' },
      box,
      h('label', { for: id }, 'Also by email (reset codes and password notices always are)'),
      status,
    );
  }

  private async telegramPart(): Promise<HTMLElement> {
    const box = h('div', { class: 'telegram', id: 'telegram-settings' });
    const fill = async () => {
      const status = await api.telegramStatus().catch(() => null);
      if (!status?.available) {
        box.replaceChildren(h('p', { class: 'hint' }, 'Telegram is not set up on this server.'));
        return;
      }
      if (status.linked) {
        const unlink = h('button', { type: 'button', class: 'btn btn-small btn-danger' }, 'Unlink Telegram');
        unlink.addEventListener('click', () => {
          void api.telegramUnlink().then(() => {
            announce('Telegram unlinked');
            return fill();
          });
        });
        box.replaceChildren(
          h('p', {}, 'Telegram is linked: notifications and reset codes also go to your chat. '),
          unlink,
        );
        return;
      }
      const start = h('button', { type: 'button', class: 'btn btn-small' }, 'Link Telegram');
      const out = h('div', {});
      start.addEventListener('click', () => {
        void api.telegramLink().then((link) => {
          out.replaceChildren(
            h(
              'p',
              {},
              'Open ',
              h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer' }, 'this link'),
              ' in Telegram and press Start within 15 minutes. Then reload this page.',
            ),
          );
        });
      });
      box.replaceChildren(h('p', {}, 'Telegram is not linked.'), start, out);
    };
    await fill();
    return h('div', {}, h('h4', {}, 'Telegram'), box);
  }

  private async webhooksPart(): Promise<HTMLElement> {
    const list = h('ul', { class: 'webhooks', id: 'webhook-list' });
    const fresh = h('div', { id: 'new-webhook-secret' });
    const fill = async () => {
      const hooks = await api.listWebhooks().catch(() => null);
      if (!hooks) {
        list.replaceChildren(h('li', { class: 'empty' }, 'Webhooks are not available on this server.'));
        return;
      }
      list.replaceChildren(
        ...(hooks.length === 0
          ? [h('li', { class: 'empty' }, 'No webhooks yet.')]
          : hooks.map((hook) => this.webhookRow(hook, fresh, fill))),
      );
    };
    await fill();

    const urlId = uid('webhook-url');
    const url = h('input', { id: urlId, type: 'url', required: true, placeholder: 'https://hooks.example.org/pictor' });
    const boxes = WEBHOOK_EVENTS.map((e) => {
      const id = uid('webhook-event');
      const box = h('input', { type: 'checkbox', id, value: e.type, checked: true });
      return { box, row: h('div', { class: 'check' }, box, h('label', { for: id }, e.label)) };
    });
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true, id: uid('webhook-error') });
    const form = h(
      'form',
      { class: 'webhook-form', 'aria-label': 'Add a webhook', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: urlId }, 'Webhook URL'), url),
      h('fieldset', { class: 'field' }, h('legend', {}, 'Events'), ...boxes.map((b) => b.row)),
      error,
      h('button', { type: 'submit', class: 'btn' }, 'Add webhook'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.hidden = true;
      const events = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      api
        .createWebhook(url.value.trim(), events.length > 0 ? events : undefined)
        .then(async (hook) => {
          fresh.replaceChildren(
            copyField('Signing secret', hook.secret, 'Shown only this once: copy it now (Standard Webhooks).'),
          );
          url.value = '';
          announce('Webhook added; copy its secret now, it is shown only once');
          await fill();
        })
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : 'Could not add the webhook.';
          error.hidden = false;
          url.setAttribute('aria-invalid', 'true');
          url.focus();
        });
    });
    return h('div', {}, h('h4', {}, 'Webhooks'), list, fresh, form);
  }

  private webhookRow(hook: WebhookEndpoint, fresh: HTMLElement, refresh: () => Promise<void>): HTMLLIElement {
    const rotate = h('button', { type: 'button', class: 'btn btn-small' }, 'Rotate secret');
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger' }, 'Delete');
    const show = h('button', { type: 'button', class: 'btn btn-small btn-ghost' }, 'Delivery log');
    const log = h('ul', { class: 'webhook-log', hidden: true });
    rotate.addEventListener('click', () => {
      void api.rotateWebhook(hook.id).then((rotated) => {
        fresh.replaceChildren(copyField('New signing secret', rotated.secret, 'Shown only this once: copy it now.'));
        announce('Secret rotated; copy the new one now');
      });
    });
    remove.addEventListener('click', () => {
      if (!window.confirm('Delete this webhook?')) return;
      void api.deleteWebhook(hook.id).then(() => {
        announce('Webhook deleted');
        return refresh();
      });
    });
    show.addEventListener('click', () => {
      void api.webhookDeliveries(hook.id).then((deliveries) => {
        log.replaceChildren(
          ...(deliveries.length === 0
            ? [h('li', { class: 'empty' }, 'Nothing sent yet.')]
            : deliveries.map((d) =>
                h(
                  'li',
                  {},
                  `${when(d.at ?? d.createdAt ?? '')} · ${d.status} · HTTP ${d.httpStatus ?? '—'} · ${d.durationMs ?? '—'} ms`,
                  d.error ? ` · ${d.error}` : '',
                ),
              )),
        );
        log.hidden = false;
      });
    });
    // Disabled for failing (see WEBHOOK_DISABLE_AFTER): say since when, and offer to enable it again.
    const disabled =
      hook.enabled === false
        ? [
            h(
              'strong',
              { class: 'webhook-disabled' },
              `Disabled ${when(hook.disabledAt ?? '')}: every request failed since ${when(hook.failingSince ?? '')}.`,
            ),
            ' ',
            enableButton(hook, refresh),
            ' ',
          ]
        : [];
    return h(
      'li',
      { class: 'webhook', 'data-id': hook.id },
      h('code', {}, hook.url),
      ` · ${hook.events.join(', ')}${hook.scope === 'all' ? ' · every event on the server' : ''}${hook.enabled === false ? ' · disabled' : ''} `,
      ...disabled,
      rotate,
      ' ',
      show,
      ' ',
      remove,
      log,
    );
  }
}

function enableButton(hook: WebhookEndpoint, refresh: () => Promise<void>): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'btn btn-small' }, 'Enable again');
  button.addEventListener('click', () => {
    void api.enableWebhook(hook.id).then(() => {
      announce('Webhook enabled');
      return refresh();
    });
  });
  return button;
}
