import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  CreateWebhookSchema,
  TelegramLinkSchema,
  TelegramSecretParam,
  TelegramStatusSchema,
  TelegramUpdateSchema,
  WebhookDeliveriesSchema,
  WebhookIdParam,
  WebhookListSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './notification-schemas.js';
import { ErrorSchema } from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const sessionOnly: Record<string, string[]>[] = [{ session: [] }];
const signedIn: Record<string, string[]>[] = [{ session: [] }, { personalToken: [] }];
const CSRF = 'CSRF_REJECTED: a session request from another site, or without X-CSRF-Token';
const NO_SESSION = {
  401: error('AUTHENTICATION_REQUIRED: no session, or a revoked or expired token'),
  403: error(`SESSION_REQUIRED: an API token; ${CSRF}`),
};

/** The account's webhook endpoints, its Telegram link, and the bot's own webhook route. */
export function registerWebhookPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/webhooks',
    summary: 'Your webhook endpoints (never their secrets)',
    security: sessionOnly,
    responses: {
      200: { description: 'Endpoints, oldest first.', ...json(WebhookListSchema) },
      401: NO_SESSION[401],
      403: error('SESSION_REQUIRED: an API token'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/webhooks',
    summary: 'Register a webhook endpoint (its signing secret is shown once)',
    description:
      'Requests are signed by the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`). URLs that resolve to loopback, private, link-local or metadata addresses are refused, unless the operator allows them (WEBHOOK_ALLOWED_CIDRS). At most 10 per account.',
    security: sessionOnly,
    request: { body: { required: true, ...json(CreateWebhookSchema) } },
    responses: {
      201: { description: 'Registered; the secret is in this answer only.', ...json(WebhookWithSecretSchema) },
      400: error('VALIDATION_FAILED: a missing or malformed body'),
      401: NO_SESSION[401],
      403: error(
        `SESSION_REQUIRED: an API token; ${CSRF}; FORBIDDEN: scope "all" by someone who is not an administrator`,
      ),
      409: error('TOO_MANY_WEBHOOKS'),
      413: error('FORM_TOO_LARGE: a body over 8 KiB'),
      422: error('WEBHOOK_URL_FORBIDDEN: not http(s), credentials in it, or an address that is not allowed'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/webhooks/{id}/rotate',
    summary: 'Replace the signing secret of an endpoint (the new one is shown once)',
    security: sessionOnly,
    request: { params: WebhookIdParam },
    responses: {
      200: { description: 'The endpoint with its new secret.', ...json(WebhookWithSecretSchema) },
      400: error('VALIDATION_FAILED: not a webhook id'),
      ...NO_SESSION,
      404: error('WEBHOOK_NOT_FOUND: none of yours has this id'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/webhooks/{id}/deliveries',
    summary: 'The delivery log of an endpoint: the last requests, their answers and durations',
    security: sessionOnly,
    request: { params: WebhookIdParam },
    responses: {
      200: { description: 'Newest first.', ...json(WebhookDeliveriesSchema) },
      400: error('VALIDATION_FAILED: not a webhook id'),
      401: NO_SESSION[401],
      403: error('SESSION_REQUIRED: an API token'),
      404: error('WEBHOOK_NOT_FOUND: none of yours has this id'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/account/webhooks/{id}',
    summary: 'Remove a webhook endpoint',
    security: sessionOnly,
    request: { params: WebhookIdParam },
    responses: {
      204: { description: 'Removed.' },
      400: error('VALIDATION_FAILED: not a webhook id'),
      ...NO_SESSION,
      404: error('WEBHOOK_NOT_FOUND: none of yours has this id'),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/webhooks/{id}/enable',
    summary: 'Enable a webhook endpoint that was disabled for failing',
    description:
      'An endpoint whose every request failed for WEBHOOK_DISABLE_AFTER (default 3 days), at least WEBHOOK_DISABLE_MIN_FAILURES times, is disabled and its owner told by email. This enables it again with a fresh count; on an enabled endpoint it changes nothing.',
    security: sessionOnly,
    request: { params: WebhookIdParam },
    responses: {
      200: { description: 'The endpoint, enabled.', ...json(WebhookSchema) },
      400: error('VALIDATION_FAILED: the id is not a UUID'),
      ...NO_SESSION,
      404: error('WEBHOOK_NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/telegram',
    summary: 'Whether this server has a Telegram bot, and whether your chat is linked',
    security: signedIn,
    responses: {
      200: { description: 'The link status.', ...json(TelegramStatusSchema) },
      401: NO_SESSION[401],
      403: error('TOKEN_SCOPE: a token without account:read'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/account/telegram/link',
    summary: 'Start linking a Telegram chat: a one-time code and its deep link',
    description:
      'Open the link in Telegram and press Start within 15 minutes: the bot receives `/start <code>` and links that chat. A new code replaces the old.',
    security: sessionOnly,
    responses: {
      201: { description: 'The code and the deep link.', ...json(TelegramLinkSchema) },
      ...NO_SESSION,
      404: error('NOT_FOUND: this server has no Telegram bot'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/account/telegram',
    summary: 'Unlink your Telegram chat',
    description: 'Idempotent: 204 also when none was linked.',
    security: sessionOnly,
    responses: {
      204: { description: 'Not linked (any more).' },
      ...NO_SESSION,
      404: error('NOT_FOUND: this server has no Telegram bot'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/hooks/telegram/{secret}',
    summary: "The bot's updates from Telegram (setWebhook with secret_token)",
    description:
      'For Telegram only. The path and the `X-Telegram-Bot-Api-Secret-Token` header must both carry TELEGRAM_WEBHOOK_SECRET; otherwise, and on servers without it, the answer is 404 like an unknown path. Any update with the right secret is answered 200, used or not (Telegram retries anything else).',
    request: {
      params: TelegramSecretParam,
      headers: z.object({ 'x-telegram-bot-api-secret-token': z.string().optional() }),
      body: { required: false, ...json(TelegramUpdateSchema) },
    },
    responses: {
      200: { description: 'Taken.', ...json(z.object({ ok: z.boolean() })) },
      400: error('VALIDATION_FAILED: the body is not JSON'),
      404: error('NOT_FOUND: a wrong secret or header, or no Telegram webhook on this server'),
      413: error('FORM_TOO_LARGE: a body over 64 KiB'),
    },
  });
}
