import type { Notification } from '../ports/notifier.port.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Every value that reaches HTML goes through here. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

function page(title: string, paragraphs: string[]): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 1em">${p}</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b1f;max-width:36em;margin:2em auto">
${body}
</body></html>
`;
}

/** The one-click unsubscribe line of a follow notification, when it has a link. */
function unsubscribeText(url: string | undefined, actor: string): string[] {
  return url ? ['', `Stop notifications of ${actor} with one click (no sign-in): ${url}`] : [];
}

function unsubscribeHtml(url: string | undefined, actor: string): string[] {
  return url
    ? [`<a href="${escapeHtml(url)}">Stop notifications of ${escapeHtml(actor)}</a> (one click, no sign-in).`]
    : [];
}

/** Subject, text and HTML of a notification sent by email. `site` is PUBLIC_URL. */
export function renderEmail(notification: Notification, site: string): RenderedEmail {
  const name = notification.recipient.username;
  const host = new URL(site).host;
  switch (notification.type) {
    case 'password-reset-code': {
      const code = notification.data.code ?? '';
      const minutes = notification.data.minutes ?? '15';
      const resetUrl = `${site}/#/reset`;
      return {
        subject: `Your Pictor password reset code: ${code}`,
        text: [
          `Hello ${name},`,
          '',
          `someone (hopefully you) asked to reset the password of your account on ${host}.`,
          '',
          `Your code: ${code}`,
          '',
          `It works once, for ${minutes} minutes. Enter it at ${resetUrl} with your new password.`,
          'If you did not ask for this, ignore this message: your password stays as it is.',
        ].join('\n'),
        html: page('Password reset code', [
          `Hello ${escapeHtml(name)},`,
          `someone (hopefully you) asked to reset the password of your account on ${escapeHtml(host)}.`,
          `Your code: <strong style="font-size:1.4em;letter-spacing:.1em;font-family:monospace">${escapeHtml(code)}</strong>`,
          `It works once, for ${escapeHtml(minutes)} minutes. Enter it at <a href="${escapeHtml(resetUrl)}">${escapeHtml(resetUrl)}</a> with your new password.`,
          'If you did not ask for this, ignore this message: your password stays as it is.',
        ]),
      };
    }
    case 'email-verification-code': {
      const code = notification.data.code ?? '';
      const verifyUrl = `${site}/#/verify?login=${encodeURIComponent(name)}`;
      return {
        subject: `Confirm your Pictor account: ${code}`,
        text: [
          `Hello ${name},`,
          '',
          `to finish creating your account on ${host}, confirm this address.`,
          '',
          `Your code: ${code}`,
          '',
          `Enter it at ${verifyUrl}. If you did not sign up, ignore this message.`,
        ].join('\n'),
        html: page('Confirm your account', [
          `Hello ${escapeHtml(name)},`,
          `to finish creating your account on ${escapeHtml(host)}, confirm this address.`,
          `Your code: <strong style="font-size:1.4em;letter-spacing:.1em;font-family:monospace">${escapeHtml(code)}</strong>`,
          `Enter it at <a href="${escapeHtml(verifyUrl)}">${escapeHtml(verifyUrl)}</a>. If you did not sign up, ignore this message.`,
        ]),
      };
    }
    case 'registration-attempt':
      return {
        subject: 'Someone tried to sign up to Pictor with your email',
        text: [
          `Hello ${name},`,
          '',
          `someone tried to create an account on ${host} with this address, which already has one (yours).`,
          'Nothing was changed. If you forgot your password, reset it from the sign-in page.',
        ].join('\n'),
        html: page('Sign-up attempt', [
          `Hello ${escapeHtml(name)},`,
          `someone tried to create an account on ${escapeHtml(host)} with this address, which already has one (yours).`,
          'Nothing was changed. If you forgot your password, reset it from the sign-in page.',
        ]),
      };
    case 'email-changed': {
      const address = notification.data.newEmail ?? '';
      return {
        subject: 'The email of your Pictor account was changed',
        text: [
          `Hello ${name},`,
          '',
          `the email of your account on ${host} was changed to ${address}. Messages now go there.`,
          '',
          'If this was not you, tell the administrator at once.',
        ].join('\n'),
        html: page('Email changed', [
          `Hello ${escapeHtml(name)},`,
          `the email of your account on ${escapeHtml(host)} was changed to ${escapeHtml(address)}. Messages now go there.`,
          'If this was not you, tell the administrator at once.',
        ]),
      };
    }
    case 'password-changed':
      return {
        subject: 'Your Pictor password was changed',
        text: [
          `Hello ${name},`,
          '',
          `the password of your account on ${host} was just changed. Every session and API token was signed out.`,
          '',
          'If this was not you, reset your password at once and tell the administrator.',
        ].join('\n'),
        html: page('Password changed', [
          `Hello ${escapeHtml(name)},`,
          `the password of your account on ${escapeHtml(host)} was just changed. Every session and API token was signed out.`,
          'If this was not you, reset your password at once and tell the administrator.',
        ]),
      };
    case 'webhook-disabled': {
      const url = notification.data.url ?? '';
      const since = notification.data.failingSince ?? '';
      const failures = notification.data.failures ?? '';
      const account = `${site}/#/account`;
      return {
        subject: 'A webhook of your Pictor account was disabled',
        text: [
          `Hello ${name},`,
          '',
          `every request to your webhook ${url} on ${host} has failed since ${since} (${failures} failures), so it was disabled: it gets no events until you enable it again.`,
          '',
          `Fix the endpoint, then enable it on your account page: ${account}`,
        ].join('\n'),
        html: page('Webhook disabled', [
          `Hello ${escapeHtml(name)},`,
          `every request to your webhook <code>${escapeHtml(url)}</code> on ${escapeHtml(host)} has failed since ${escapeHtml(since)} (${escapeHtml(failures)} failures), so it was disabled: it gets no events until you enable it again.`,
          `Fix the endpoint, then enable it on <a href="${escapeHtml(account)}">your account page</a>.`,
        ]),
      };
    }
    case 'follower.new': {
      const actor = notification.data.actor ?? '';
      const profile = `${site}/u/${encodeURIComponent(actor)}`;
      return {
        subject: `${actor} follows you on Pictor`,
        text: [`Hello ${name},`, '', `${actor} now follows you on ${host}: ${profile}`].join('\n'),
        html: page('New follower', [
          `Hello ${escapeHtml(name)},`,
          `<a href="${escapeHtml(profile)}">${escapeHtml(actor)}</a> now follows you on ${escapeHtml(host)}.`,
        ]),
      };
    }
    case 'image.published': {
      const actor = notification.data.actor ?? '';
      const title = notification.data.title ?? '';
      const url = `${site}/v/${encodeURIComponent(notification.data.imageId ?? '')}`;
      const named = title ? `"${title}"` : 'a new image';
      return {
        subject: `${actor} published ${title ? `"${title}"` : 'an image'} on Pictor`,
        text: [
          `Hello ${name},`,
          '',
          `${actor}, whom you follow, published ${named}: ${url}`,
          '',
          `You get this because you asked to be notified of ${actor}'s images; turn it off on their profile.`,
          ...unsubscribeText(notification.data.unsubscribeUrl, actor),
        ].join('\n'),
        html: page('New image', [
          `Hello ${escapeHtml(name)},`,
          `${escapeHtml(actor)}, whom you follow, published <a href="${escapeHtml(url)}">${escapeHtml(named)}</a>.`,
          `You get this because you asked to be notified of ${escapeHtml(actor)}'s images; turn it off on their profile.`,
          ...unsubscribeHtml(notification.data.unsubscribeUrl, actor),
        ]),
      };
    }
    case 'paste.published': {
      const actor = notification.data.actor ?? '';
      const title = notification.data.title ?? '';
      const url = `${site}/p/${encodeURIComponent(notification.data.pasteId ?? '')}`;
      const named = title ? `"${title}"` : 'a new paste';
      return {
        subject: `${actor} published ${title ? `"${title}"` : 'a paste'} on Pictor`,
        text: [
          `Hello ${name},`,
          '',
          `${actor}, whom you follow, published ${named}: ${url}`,
          '',
          `You get this because you asked to be notified of ${actor}'s images and pastes; turn it off on their profile.`,
          ...unsubscribeText(notification.data.unsubscribeUrl, actor),
        ].join('\n'),
        html: page('New paste', [
          `Hello ${escapeHtml(name)},`,
          `${escapeHtml(actor)}, whom you follow, published <a href="${escapeHtml(url)}">${escapeHtml(named)}</a>.`,
          `You get this because you asked to be notified of ${escapeHtml(actor)}'s images and pastes; turn it off on their profile.`,
          ...unsubscribeHtml(notification.data.unsubscribeUrl, actor),
        ]),
      };
    }
  }
}
