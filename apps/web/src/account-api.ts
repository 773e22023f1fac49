/** The accounts API as the page uses it: JSON in and out, the session's CSRF token on every change. */

import { ApiError, errorFromResponse } from './api';

export interface Account {
  id: string;
  username: string;
  email: string;
  role: 'user' | 'admin';
  status: string;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface OwnImage {
  id: string;
  status: string;
  title: string | null;
  visibility: string;
  createdAt: string;
  expiresAt: string | null;
  views: number;
  links: { view: string; direct: string; thumbnail: string };
}

export interface OwnPaste {
  id: string;
  title: string | null;
  language: string | null;
  visibility: string;
  burnAfterReading: boolean;
  bytes: number;
  views: number;
  createdAt: string;
  expiresAt: string | null;
  links: { view: string; short: string; raw: string; named: string | null };
}

export interface MostViewedItem {
  kind: 'paste' | 'image';
  id: string;
  title: string | null;
  views: number;
  createdAt: string;
  link: string;
}

let csrfToken: string | null = null;

/** The CSRF token of the signed-in session, sent as X-CSRF-Token by every state-changing request. */
export function getCsrfToken(): string | null {
  return csrfToken;
}

type Json = Record<string, unknown>;

/** A JSON request to /api/v1; answers the parsed body, or throws an ApiError with the server's code. */
export async function call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrfToken && method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError('NETWORK_ERROR', 'Could not reach the server. Check your connection and try again.');
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text);
  return (text ? JSON.parse(text) : {}) as T;
}

function remember(account: Account & { csrfToken?: string }): Account {
  csrfToken = account.csrfToken ?? csrfToken;
  const { csrfToken: _token, ...rest } = account;
  return rest;
}

/** The signed-in account, or null (asked without an error status, so anonymous visits log none). */
export async function currentAccount(): Promise<Account | null> {
  const { account } = await call<{ account: (Account & { csrfToken?: string }) | null }>('GET', '/auth/session');
  if (!account) {
    csrfToken = null;
    return null;
  }
  return remember(account);
}

export async function signIn(login: string, password: string): Promise<Account> {
  return remember(await call<Account & { csrfToken?: string }>('POST', '/auth/login', { login, password }));
}

export async function signOut(): Promise<void> {
  await call('POST', '/auth/logout');
  csrfToken = null;
}

/** The new account, or null when it waits for its emailed code (REGISTRATION=verify-email). */
export async function register(username: string, email: string, password: string): Promise<Account | null> {
  const answer = await call<Partial<Account>>('POST', '/auth/register', { username, email, password });
  return typeof answer.id === 'string' ? (answer as Account) : null;
}

export const verifyEmail = (login: string, code: string) => call('POST', '/auth/verify-email', { login, code });

export const resendVerification = (login: string) => call('POST', '/auth/verify-email/resend', { login });

export const requestReset = (login: string) => call('POST', '/auth/password-reset', { login });

export const confirmReset = (login: string, code: string, password: string) =>
  call('POST', '/auth/password-reset/confirm', { login, code, password });

export const changePassword = async (currentPassword: string, newPassword: string) => {
  await call('POST', '/account/password', { currentPassword, newPassword });
  csrfToken = null;
};

export const changeEmail = (password: string, email: string) =>
  call<Account>('POST', '/account/email', { password, email });

export const listTokens = async () => (await call<{ tokens: ApiToken[] }>('GET', '/account/tokens')).tokens;

export const createToken = (name: string, scopes: string[], expiresIn: string) =>
  call<ApiToken & { token: string }>('POST', '/account/tokens', { name, scopes, expiresIn });

export const revokeToken = (id: string) => call('DELETE', `/account/tokens/${encodeURIComponent(id)}`);

export const myImages = async () => (await call<{ images: OwnImage[] }>('GET', '/account/images?limit=50')).images;

export const myPastes = async () => (await call<{ pastes: OwnPaste[] }>('GET', '/account/pastes?limit=50')).pastes;

export const deleteOwnPaste = (id: string) => call('DELETE', `/pastes/${encodeURIComponent(id)}`);

export const mostViewed = async () =>
  (await call<{ items: MostViewedItem[] }>('GET', '/account/most-viewed?limit=10')).items;

export const updateImage = (id: string, changes: { title?: string | null; visibility?: string }) =>
  call<OwnImage>('PATCH', `/images/${encodeURIComponent(id)}`, changes);

export const deleteOwnImage = (id: string) => call('DELETE', `/images/${encodeURIComponent(id)}`);

/** A new ShareX token, as a ready `.sxcu` file. */
export async function shareXFile(): Promise<Blob> {
  const response = await fetch('/api/v1/account/sharex.sxcu', {
    method: 'POST',
    headers: csrfToken ? { 'X-CSRF-Token': csrfToken } : {},
    credentials: 'same-origin',
  });
  if (!response.ok) throw errorFromResponse(response.status, await response.text());
  return response.blob();
}

export const listUsers = async (q: string) =>
  (await call<{ users: Account[] }>('GET', `/admin/users?limit=100${q ? `&q=${encodeURIComponent(q)}` : ''}`)).users;

export const updateUser = (id: string, changes: { status?: string; role?: string }) =>
  call<Account>('PATCH', `/admin/users/${encodeURIComponent(id)}`, changes);

export interface InAppNotification {
  id: string;
  type: string;
  actor: string;
  data: Record<string, string>;
  createdAt: string;
  read: boolean;
}

export const listNotifications = () =>
  call<{ notifications: InAppNotification[]; unread: number; nextCursor: string | null }>(
    'GET',
    '/notifications?limit=50',
  );

/** Marks the given notifications read, or all of them; answers the unread count left. */
export const markNotificationsRead = async (ids?: string[]) =>
  (await call<{ unread: number }>('POST', '/notifications/read', ids ? { ids } : {})).unread;

export const telegramStatus = () => call<{ available: boolean; linked: boolean }>('GET', '/account/telegram');

export const telegramLink = () =>
  call<{ url: string; code: string; expiresAt: string }>('POST', '/account/telegram/link');

export const telegramUnlink = () => call('DELETE', '/account/telegram');

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled?: boolean;
  scope?: 'own' | 'all';
  disabledAt?: string | null;
  failingSince?: string | null;
  failures?: number;
  createdAt: string;
  secret?: string;
}

export interface WebhookDelivery {
  status: string;
  httpStatus: number | null;
  durationMs: number | null;
  error: string | null;
  attempts?: number;
  at?: string;
  createdAt?: string;
}

export const listWebhooks = async () =>
  (await call<{ webhooks: WebhookEndpoint[] }>('GET', '/account/webhooks')).webhooks;

export const createWebhook = (url: string, events?: string[]) =>
  call<WebhookEndpoint & { secret: string }>('POST', '/account/webhooks', events ? { url, events } : { url });

export const rotateWebhook = (id: string) =>
  call<{ secret: string }>('POST', `/account/webhooks/${encodeURIComponent(id)}/rotate`);

export const enableWebhook = (id: string) =>
  call<WebhookEndpoint>('POST', `/account/webhooks/${encodeURIComponent(id)}/enable`);

export const deleteWebhook = (id: string) => call('DELETE', `/account/webhooks/${encodeURIComponent(id)}`);

export const webhookDeliveries = async (id: string) =>
  (await call<{ deliveries: WebhookDelivery[] }>('GET', `/account/webhooks/${encodeURIComponent(id)}/deliveries`))
    .deliveries;

export const notificationSettings = () => call<{ email: boolean }>('GET', '/notifications/settings');

export const updateNotificationSettings = (changes: { email?: boolean }) =>
  call<{ email: boolean }>('PUT', '/notifications/settings', changes);
