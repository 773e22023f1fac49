/**
 * Sign-up, sign-in, forgot/reset password, the account page and the admin users page, as hash
 * routes (`#/signin`…) beside the upload page, which stays at `/`. Every form works by keyboard,
 * shows each error next to its field (aria-invalid + aria-describedby) and moves focus to it.
 */

import * as api from './account-api';
import type { Account } from './account-api';
import { announce } from './announce';
import { ApiError } from './api';
import { copyField } from './copy-field';
import { byId, h, uid } from './dom';
import { NotificationsUi } from './notifications-ui';

interface FieldSpec {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  hint?: string;
  value?: string;
}

/** Which field an error code belongs to; anything else is shown for the whole form. */
const FIELD_OF: Record<string, string> = {
  INVALID_USERNAME: 'username',
  USERNAME_TAKEN: 'username',
  INVALID_EMAIL: 'email',
  EMAIL_TAKEN: 'email',
  WEAK_PASSWORD: 'password',
  RESET_CODE_INVALID: 'code',
  RESET_CODE_EXPIRED: 'code',
  INVALID_CREDENTIALS: 'password',
};

type Values = Record<string, string>;

function buildForm(options: {
  label: string;
  fields: FieldSpec[];
  submit: string;
  fieldOf?: Record<string, string>;
  onSubmit: (values: Values) => Promise<void>;
}): HTMLFormElement {
  const form = h('form', { class: 'account-form', novalidate: true, 'aria-label': options.label });
  const inputs = new Map<string, { input: HTMLInputElement; error: HTMLParagraphElement }>();
  for (const spec of options.fields) {
    const id = uid(`field-${spec.name}`);
    const errorId = `${id}-error`;
    const hintId = spec.hint ? `${id}-hint` : null;
    const input = h('input', {
      id,
      name: spec.name,
      type: spec.type ?? 'text',
      autocomplete: spec.autocomplete ?? 'off',
      required: true,
      spellcheck: 'false',
      'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
    });
    if (spec.value) input.value = spec.value;
    const error = h('p', { id: errorId, class: 'field-error', hidden: true });
    inputs.set(spec.name, { input, error });
    form.append(
      h(
        'div',
        { class: 'field' },
        h('label', { for: id }, spec.label),
        input,
        spec.hint ? h('p', { id: hintId, class: 'hint' }, spec.hint) : null,
        error,
      ),
    );
  }
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'btn btn-primary' }, options.submit);
  form.append(formError, button);

  const clear = () => {
    formError.hidden = true;
    for (const { input, error } of inputs.values()) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
    }
  };
  const show = (field: string | undefined, message: string) => {
    const target = field ? inputs.get(field) : undefined;
    if (target) {
      target.input.setAttribute('aria-invalid', 'true');
      target.error.textContent = message;
      target.error.hidden = false;
      target.input.focus();
    } else {
      formError.textContent = message;
      formError.hidden = false;
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clear();
    const values: Values = {};
    for (const [name, { input }] of inputs) {
      values[name] = input.value;
      if (!input.value) {
        show(name, 'This field is required.');
        return;
      }
    }
    button.disabled = true;
    options
      .onSubmit(values)
      .catch((error: unknown) => {
        if (error instanceof ApiError) {
          const field = options.fieldOf?.[error.code] ?? FIELD_OF[error.code];
          show(field && inputs.has(field) ? field : undefined, error.message);
        } else {
          show(undefined, 'Something went wrong. Please try again.');
        }
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return form;
}

function page(title: string, ...children: (Node | null)[]): HTMLElement {
  const heading = h('h2', { id: 'account-heading', tabindex: '-1' }, title);
  return h('section', { class: 'panel account-panel', 'aria-labelledby': 'account-heading' }, heading, ...children);
}

function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href }, text);
}

function dateText(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

export class AccountUi {
  private account: Account | null = null;
  private readonly view = byId('account-view', HTMLElement);
  private readonly nav = byId('account-nav', HTMLElement);
  private readonly home: HTMLElement[] = [...document.querySelectorAll<HTMLElement>('.home-section')];
  private readonly notifications = new NotificationsUi();

  async start(): Promise<void> {
    window.addEventListener('hashchange', () => void this.route());
    this.account = await api.currentAccount().catch(() => null);
    await this.route();
  }

  private renderNav(): void {
    const items: Node[] = [link('#/', 'Upload')];
    this.notifications.connect(this.account?.id ?? null);
    if (this.account) {
      items.push(this.notifications.navLink());
      items.push(link('#/account', `My account (${this.account.username})`));
      if (this.account.role === 'admin') items.push(link('#/admin', 'Users'));
      const out = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Sign out');
      out.addEventListener('click', () => {
        void api.signOut().then(() => {
          this.account = null;
          announce('Signed out');
          this.go('#/signin');
        });
      });
      items.push(out);
    } else {
      items.push(link('#/signin', 'Sign in'), link('#/signup', 'Sign up'));
    }
    this.nav.replaceChildren(h('ul', { class: 'nav-list' }, ...items.map((item) => h('li', {}, item))));
  }

  private routing = 0;

  /** Shows a route; also when it is the one in the address already (no hashchange fires then). */
  private go(hash: string): void {
    if (location.hash === hash) void this.route();
    else location.hash = hash;
  }

  private async route(): Promise<void> {
    // A later navigation wins over one still loading its data.
    const turn = ++this.routing;
    this.renderNav();
    // Only `#/…` is a route: other fragments (the skip link's #main) stay on the upload page.
    const [path, query] = (location.hash.startsWith('#/') ? location.hash.slice(1) : '/').split('?');
    const params = new URLSearchParams(query ?? '');
    const onHome = path === '/' || path === '';
    // A class, not `hidden`: the upload page manages the hidden state of its own sections.
    for (const section of this.home) section.classList.toggle('away', !onHome);
    this.view.hidden = onHome;
    if (onHome) return;
    let content: HTMLElement;
    switch (path) {
      case '/signin':
        content = this.signIn();
        break;
      case '/signup':
        content = this.signUp();
        break;
      case '/forgot':
        content = this.forgot();
        break;
      case '/reset':
        content = this.reset(params.get('login') ?? '');
        break;
      case '/verify':
        content = this.verify(params.get('login') ?? '');
        break;
      case '/account':
        content = this.account ? await this.accountPage(this.account) : this.signIn();
        break;
      case '/notifications':
        content = this.account ? page('Notifications', ...(await this.notifications.page())) : this.signIn();
        break;
      case '/admin':
        content = this.account?.role === 'admin' ? await this.adminPage() : this.signIn();
        break;
      default:
        content = page('Not found', h('p', {}, 'Nothing here. ', link('#/', 'Back to uploads')));
    }
    if (turn !== this.routing) return;
    this.view.replaceChildren(content);
    content.querySelector<HTMLElement>('#account-heading')?.focus();
  }

  private signIn(): HTMLElement {
    return page(
      'Sign in',
      buildForm({
        label: 'Sign in',
        fields: [
          { name: 'login', label: 'Username or email', autocomplete: 'username' },
          { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
        ],
        submit: 'Sign in',
        onSubmit: async (v) => {
          this.account = await api.signIn(v.login ?? '', v.password ?? '');
          announce(`Signed in as ${this.account.username}`);
          this.go('#/account');
        },
      }),
      h('p', {}, link('#/forgot', 'Forgot your password?'), ' · ', link('#/signup', 'Create an account')),
    );
  }

  private signUp(): HTMLElement {
    return page(
      'Create an account',
      buildForm({
        label: 'Create an account',
        fields: [
          {
            name: 'username',
            label: 'Username',
            autocomplete: 'username',
            hint: '3–32 characters: a–z, 0–9, _ and -.',
          },
          { name: 'email', label: 'Email', type: 'email', autocomplete: 'email' },
          {
            name: 'password',
            label: 'Password',
            type: 'password',
            autocomplete: 'new-password',
            hint: 'At least 10 characters; a few words make a good one.',
          },
        ],
        submit: 'Create account',
        onSubmit: async (v) => {
          const created = await api.register(v.username ?? '', v.email ?? '', v.password ?? '');
          if (!created) {
            announce('Check your email for a code');
            this.go(`#/verify?login=${encodeURIComponent(v.username ?? '')}`);
            return;
          }
          this.account = await api.signIn(v.username ?? '', v.password ?? '');
          announce('Account created; you are signed in');
          this.go('#/account');
        },
      }),
      h('p', {}, 'Already have one? ', link('#/signin', 'Sign in')),
    );
  }

  private forgot(): HTMLElement {
    const done = h('p', { class: 'notice', role: 'status', hidden: true });
    const section = page(
      'Forgot your password?',
      h('p', {}, 'We send a one-time code to the email of your account. It works once, for 15 minutes.'),
      buildForm({
        label: 'Ask for a reset code',
        fields: [{ name: 'login', label: 'Username or email', autocomplete: 'username' }],
        submit: 'Send me a code',
        onSubmit: async (v) => {
          await api.requestReset(v.login ?? '');
          done.replaceChildren(
            'If an account matches, a code is on its way. ',
            link(`#/reset?login=${encodeURIComponent(v.login ?? '')}`, 'Enter the code'),
          );
          done.hidden = false;
        },
      }),
      done,
    );
    return section;
  }

  private reset(login: string): HTMLElement {
    const done = h('p', { class: 'notice', role: 'status', hidden: true });
    return page(
      'Set a new password',
      buildForm({
        label: 'Set a new password',
        fields: [
          { name: 'login', label: 'Username or email', autocomplete: 'username', value: login },
          { name: 'code', label: 'Code from the email', autocomplete: 'one-time-code' },
          { name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password' },
        ],
        submit: 'Set password',
        onSubmit: async (v) => {
          await api.confirmReset(v.login ?? '', v.code ?? '', v.password ?? '');
          done.replaceChildren(
            'Your password is changed and every session was signed out. ',
            link('#/signin', 'Sign in'),
          );
          done.hidden = false;
          announce('Password changed');
        },
      }),
      done,
    );
  }

  private verify(login: string): HTMLElement {
    const done = h('p', { class: 'notice', role: 'status', hidden: true });
    const resend = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Send a new code');
    const form = buildForm({
      label: 'Confirm your email',
      fields: [
        { name: 'login', label: 'Username or email', autocomplete: 'username', value: login },
        { name: 'code', label: 'Code from the email', autocomplete: 'one-time-code' },
      ],
      submit: 'Confirm',
      fieldOf: { VERIFICATION_CODE_INVALID: 'code', VERIFICATION_CODE_EXPIRED: 'code' },
      onSubmit: async (v) => {
        await api.verifyEmail(v.login ?? '', v.code ?? '');
        done.replaceChildren('Your account is confirmed. ', link('#/signin', 'Sign in'));
        done.hidden = false;
        announce('Account confirmed');
      },
    });
    resend.addEventListener('click', () => {
      const value = form.querySelector<HTMLInputElement>('input[name="login"]')?.value ?? '';
      void api.resendVerification(value).then(() => {
        done.replaceChildren('If the account awaits confirmation, a new code is on its way.');
        done.hidden = false;
      });
    });
    return page(
      'Confirm your email',
      h('p', {}, 'We sent a code to the address you signed up with. Enter it here to finish.'),
      form,
      h('p', {}, resend),
      done,
    );
  }

  private async accountPage(account: Account): Promise<HTMLElement> {
    return page(
      'My account',
      h(
        'dl',
        { class: 'account-facts' },
        h('dt', {}, 'Username'),
        h('dd', {}, account.username),
        h('dt', {}, 'Email'),
        h('dd', {}, account.email),
      ),
      await this.uploadsSection(),
      await this.pastesSection(),
      await this.mostViewedSection(),
      await this.tokensSection(),
      await this.notifications.settingsSection(),
      this.emailSection(),
      this.passwordSection(),
    );
  }

  private async uploadsSection(): Promise<HTMLElement> {
    const list = h('ul', { class: 'own-images', id: 'my-uploads' });
    const fill = async () => {
      const images = await api.myImages();
      list.replaceChildren(
        ...(images.length === 0
          ? [h('li', { class: 'empty' }, 'No uploads yet.')]
          : images.map((image) => this.imageRow(image, fill))),
      );
    };
    await fill();
    return h(
      'section',
      { 'aria-labelledby': 'uploads-heading' },
      h('h3', { id: 'uploads-heading' }, 'My uploads'),
      list,
    );
  }

  /** The author's pastes, every visibility, with their views; deleted signed in (no token needed). */
  private async pastesSection(): Promise<HTMLElement> {
    const list = h('ul', { class: 'own-pastes', id: 'my-pastes' });
    const fill = async () => {
      const pastes = await api.myPastes();
      list.replaceChildren(
        ...(pastes.length === 0
          ? [h('li', { class: 'empty' }, 'No pastes yet.')]
          : pastes.map((paste) => this.pasteRow(paste, fill))),
      );
    };
    await fill();
    return h('section', { 'aria-labelledby': 'pastes-heading' }, h('h3', { id: 'pastes-heading' }, 'My pastes'), list);
  }

  private pasteRow(paste: api.OwnPaste, refresh: () => Promise<void>): HTMLElement {
    const label = paste.title ?? `Paste ${paste.id}`;
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const remove = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${label}` },
      'Delete',
    );
    remove.addEventListener('click', () => {
      if (!window.confirm('Delete this paste for good?')) return;
      api
        .deleteOwnPaste(paste.id)
        .then(() => {
          announce('Paste deleted');
          return refresh();
        })
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : 'Could not delete.';
          error.hidden = false;
        });
    });
    const facts = [
      paste.visibility,
      paste.language ?? 'detected language',
      `${String(paste.views)} view${paste.views === 1 ? '' : 's'}`,
      paste.burnAfterReading ? 'deleted once read' : null,
    ].filter((fact): fact is string => fact !== null);
    return h(
      'li',
      { class: 'own-paste', 'data-id': paste.id },
      h('a', { href: paste.links.named ?? paste.links.view, text: label }),
      h('span', { class: 'hint', text: ` · ${facts.join(' · ')} ` }),
      remove,
      error,
    );
  }

  /** The owner's pastes and images with the most views (counted once per client per hour). */
  private async mostViewedSection(): Promise<HTMLElement> {
    const items = await api.mostViewed();
    const list = h(
      'ol',
      { class: 'most-viewed', id: 'most-viewed' },
      ...(items.length === 0
        ? [h('li', { class: 'empty' }, 'Nothing yet.')]
        : items.map((item) =>
            h(
              'li',
              { 'data-id': item.id, 'data-kind': item.kind },
              h('a', {
                href: item.link,
                text: item.title ?? `${item.kind === 'paste' ? 'Paste' : 'Image'} ${item.id}`,
              }),
              h('span', {
                class: 'hint',
                text: ` · ${item.kind} · ${String(item.views)} view${item.views === 1 ? '' : 's'}`,
              }),
            ),
          )),
    );
    return h(
      'section',
      { 'aria-labelledby': 'most-viewed-heading' },
      h('h3', { id: 'most-viewed-heading' }, 'Most viewed'),
      h('p', { class: 'hint' }, 'Views count once per visitor per hour, never your own; totals lag a little.'),
      list,
    );
  }

  private imageRow(image: api.OwnImage, refresh: () => Promise<void>): HTMLElement {
    const titleId = uid('title');
    const title = h('input', { id: titleId, type: 'text', maxlength: 200, autocomplete: 'off' });
    title.value = image.title ?? '';
    const visibility = h(
      'select',
      { 'aria-label': 'Visibility' },
      h('option', { value: 'public' }, 'Public'),
      h('option', { value: 'unlisted' }, 'Unlisted'),
      h('option', { value: 'private' }, 'Private'),
    );
    visibility.value = image.visibility;
    const save = h('button', { type: 'submit', class: 'btn btn-small' }, 'Save');
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger' }, 'Delete');
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'own-image-edit', 'aria-label': `Edit ${image.title ?? image.id}` },
      h('label', { for: titleId }, 'Title'),
      title,
      visibility,
      save,
      remove,
      error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.hidden = true;
      api
        .updateImage(image.id, { title: title.value.trim() || null, visibility: visibility.value })
        .then(() => announce('Saved'))
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : 'Could not save.';
          error.hidden = false;
        });
    });
    remove.addEventListener('click', () => {
      if (!window.confirm('Delete this image for good?')) return;
      api
        .deleteOwnImage(image.id)
        .then(() => {
          announce('Image deleted');
          return refresh();
        })
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : 'Could not delete.';
          error.hidden = false;
        });
    });
    return h(
      'li',
      { class: 'own-image', 'data-id': image.id },
      h(
        'a',
        { href: image.links.view },
        h('img', { src: image.links.thumbnail, alt: image.title ?? '', width: 96, height: 96, loading: 'lazy' }),
      ),
      form,
      h('span', { class: 'hint own-image-views', text: `${String(image.views)} view${image.views === 1 ? '' : 's'}` }),
    );
  }

  private async tokensSection(): Promise<HTMLElement> {
    const list = h('ul', { class: 'tokens', id: 'token-list' });
    const fresh = h('div', { class: 'new-token', id: 'new-token' });
    const fill = async () => {
      const tokens = await api.listTokens();
      list.replaceChildren(
        ...(tokens.length === 0
          ? [h('li', { class: 'empty' }, 'No tokens yet.')]
          : tokens.map((token) => {
              const revoke = h(
                'button',
                { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Revoke ${token.name}` },
                'Revoke',
              );
              revoke.addEventListener('click', () => {
                void api.revokeToken(token.id).then(() => {
                  announce(`Token ${token.name} revoked`);
                  return fill();
                });
              });
              return h(
                'li',
                {},
                h('strong', {}, token.name),
                ` · ${token.scopes.join(', ')} · expires ${dateText(token.expiresAt)} · last used ${dateText(token.lastUsedAt)} `,
                revoke,
              );
            })),
      );
    };
    await fill();

    const scopes = ['images:write', 'images:delete', 'account:read', 'pastes:write', 'follows:write'];
    const boxes = scopes.map((scope) => {
      const id = uid('scope');
      const box = h('input', {
        type: 'checkbox',
        id,
        value: scope,
        checked: scope !== 'pastes:write' && scope !== 'follows:write',
      });
      return { box, row: h('div', { class: 'check' }, box, h('label', { for: id }, scope)) };
    });
    const expiry = h(
      'select',
      { id: 'token-expiry' },
      h('option', { value: 'never' }, 'Never'),
      h('option', { value: '30d' }, '30 days'),
      h('option', { value: '1y' }, '1 year'),
    );
    const create = buildForm({
      label: 'Create a token',
      fields: [{ name: 'name', label: 'Token name', hint: 'Where you use it, e.g. "ShareX on my laptop".' }],
      submit: 'Create token',
      fieldOf: { VALIDATION_FAILED: 'name', TOO_MANY_TOKENS: 'name' },
      onSubmit: async (v) => {
        const chosen = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
        const token = await api.createToken(v.name ?? '', chosen, expiry.value);
        fresh.replaceChildren(
          copyField('New token', token.token, 'Shown only this once: copy it now.'),
          copyField(
            'Upload with curl',
            `curl -H "Authorization: Bearer ${token.token}" -F file=@photo.jpg ${location.origin}/api/v1/images`,
          ),
        );
        announce('Token created; copy it now, it is shown only once');
        await fill();
      },
    });
    const submit = create.querySelector('button[type="submit"]');
    create.insertBefore(
      h('fieldset', { class: 'field' }, h('legend', {}, 'Scopes'), ...boxes.map((b) => b.row)),
      submit?.previousElementSibling ?? null,
    );
    create.insertBefore(
      h('div', { class: 'field' }, h('label', { for: 'token-expiry' }, 'Expires'), expiry),
      submit?.previousElementSibling ?? null,
    );

    const sharex = h('button', { type: 'button', class: 'btn', id: 'sharex-download' }, 'Download ShareX uploader');
    sharex.addEventListener('click', () => {
      void api.shareXFile().then(async (blob) => {
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: `pictor-${location.host}.sxcu` });
        document.body.append(a);
        a.click();
        a.remove();
        URL.revokeObjectURL(url);
        announce('ShareX uploader downloaded; a token named ShareX was made for it');
        await fill();
      });
    });

    return h(
      'section',
      { 'aria-labelledby': 'tokens-heading' },
      h('h3', { id: 'tokens-heading' }, 'API tokens'),
      h('p', { class: 'hint' }, 'For ShareX, Flameshot, scripts: send Authorization: Bearer <token>.'),
      list,
      create,
      fresh,
      h('p', {}, sharex),
    );
  }

  private emailSection(): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'email-heading' },
      h('h3', { id: 'email-heading' }, 'Change email'),
      buildForm({
        label: 'Change email',
        fields: [
          { name: 'email', label: 'New email', type: 'email', autocomplete: 'email' },
          { name: 'password', label: 'Password to confirm', type: 'password', autocomplete: 'current-password' },
        ],
        submit: 'Change email',
        onSubmit: async (v) => {
          this.account = await api.changeEmail(v.password ?? '', v.email ?? '');
          announce(`Email changed to ${this.account.email}`);
          this.go('#/account');
        },
      }),
    );
  }

  private passwordSection(): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'password-heading' },
      h('h3', { id: 'password-heading' }, 'Change password'),
      buildForm({
        label: 'Change password',
        fields: [
          { name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password' },
          { name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password' },
        ],
        submit: 'Change password',
        fieldOf: { INVALID_CREDENTIALS: 'currentPassword' },
        onSubmit: async (v) => {
          await api.changePassword(v.currentPassword ?? '', v.password ?? '');
          this.account = null;
          announce('Password changed; sign in again');
          this.go('#/signin');
        },
      }),
    );
  }

  private async adminPage(): Promise<HTMLElement> {
    const table = h('tbody', { id: 'users' });
    const search = h('input', { id: 'user-search', type: 'search', autocomplete: 'off' });
    const fill = async () => {
      const users = await api.listUsers(search.value.trim());
      table.replaceChildren(
        ...users.map((user) => {
          const block = h(
            'button',
            { type: 'button', class: 'btn btn-small' },
            user.status === 'blocked' ? 'Unblock' : 'Block',
          );
          block.addEventListener('click', () => {
            void api.updateUser(user.id, { status: user.status === 'blocked' ? 'active' : 'blocked' }).then(fill);
          });
          const promote = h(
            'button',
            { type: 'button', class: 'btn btn-small' },
            user.role === 'admin' ? 'Make user' : 'Make admin',
          );
          promote.addEventListener('click', () => {
            void api.updateUser(user.id, { role: user.role === 'admin' ? 'user' : 'admin' }).then(fill);
          });
          return h(
            'tr',
            {},
            h('td', {}, user.username),
            h('td', {}, user.email),
            h('td', {}, user.role),
            h('td', {}, user.status),
            h('td', {}, block, ' ', promote),
          );
        }),
      );
    };
    await fill();
    const form = h(
      'form',
      { role: 'search', class: 'user-search' },
      h('label', { for: 'user-search' }, 'Search users'),
      search,
      h('button', { type: 'submit', class: 'btn btn-small' }, 'Search'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void fill();
    });
    return page(
      'Users',
      form,
      h(
        'table',
        { class: 'users' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Username', 'Email', 'Role', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t))),
        ),
        table,
      ),
    );
  }
}
