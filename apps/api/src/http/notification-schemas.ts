import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '@pictor/core';

extendZodWithOpenApi(z);

/** The time of the last notification (ms since 1970, base 36) and its id. */
export const NOTIFICATION_CURSOR_PATTERN = /^[0-9a-z]{1,9}_[0-9a-f-]{36}$/;

export const NotificationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .regex(NOTIFICATION_CURSOR_PATTERN, 'nextCursor of the previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page.' }),
});

export const MarkReadSchema = z
  .object({
    ids: z
      .array(z.string().max(64))
      .max(100)
      .optional()
      .openapi({ description: 'Notifications to mark read; all of them when absent.' }),
  })
  .strict()
  .openapi('MarkNotificationsRead');

export const NotificationSchema = z
  .object({
    id: z.string(),
    type: z.string().openapi({ description: '`follower.new`, `image.published` or `paste.published`.' }),
    actor: z.string().openapi({ description: 'Username of who caused it.' }),
    data: z.record(z.string(), z.string()),
    createdAt: z.string(),
    read: z.boolean(),
  })
  .openapi('Notification');

export const NotificationPageSchema = z
  .object({
    notifications: z.array(NotificationSchema),
    unread: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi('NotificationPage');

export const CreateWebhookSchema = z
  .object({
    url: z.string().max(2048).openapi({ example: 'https://hooks.example.org/pictor' }),
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES))
      .max(10)
      .optional()
      .openapi({ description: 'Event types to send; all when absent.' }),
    scope: z.enum(['own', 'all']).optional().openapi({
      description:
        '`own` (default): events addressed to you. `all`: every event on the server, once each, whoever it is for (administrators only; others get 403 FORBIDDEN).',
    }),
  })
  .strict()
  .openapi('CreateWebhook');

export const WebhookIdParam = z.object({ id: z.uuid() });

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    scope: z.enum(['own', 'all']),
    createdAt: z.string(),
    enabled: z.boolean().openapi({
      description:
        'False once it was disabled for failing (WEBHOOK_DISABLE_AFTER); enable it again with POST …/enable.',
    }),
    disabledAt: z.string().nullable(),
    failingSince: z
      .string()
      .nullable()
      .openapi({ description: 'Since when every request to it failed; null after a success.' }),
    failures: z.int().openapi({ description: 'Failed requests since failingSince.' }),
  })
  .openapi('Webhook');

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: 'Standard Webhooks signing secret (`whsec_…`), shown only now.' }),
}).openapi('WebhookWithSecret');

export const WebhookListSchema = z.object({ webhooks: z.array(WebhookSchema) }).openapi('WebhookList');

export const WebhookDeliverySchema = z
  .object({
    deliveryId: z.string().openapi({ description: 'The `webhook-id` the request carried.' }),
    status: z.string().openapi({ description: '`sent` or `failed`.' }),
    httpStatus: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    error: z.string().nullable(),
    at: z.string(),
  })
  .openapi('WebhookDelivery');

export const WebhookDeliveriesSchema = z
  .object({ deliveries: z.array(WebhookDeliverySchema) })
  .openapi('WebhookDeliveries');

export const TelegramStatusSchema = z
  .object({
    available: z.boolean().openapi({ description: 'Whether this server has a Telegram bot (TELEGRAM_BOT_TOKEN).' }),
    linked: z.boolean(),
  })
  .openapi('TelegramStatus');

export const TelegramLinkSchema = z
  .object({
    url: z.string().openapi({ example: 'https://t.me/pictor_bot?start=Kx3…' }),
    code: z.string(),
    expiresAt: z.string(),
  })
  .openapi('TelegramLink');

export const TelegramSecretParam = z.object({ secret: z.string().min(1).max(256) });

export const TelegramUpdateSchema = z
  .object({ update_id: z.number().int().optional() })
  .passthrough()
  .openapi('TelegramUpdate', { description: 'An Update of the Bot API, as Telegram posts it.' });

export const NotificationSettingsSchema = z
  .object({
    email: z.boolean().openapi({ description: 'Notifications also by email (account notices always are).' }),
  })
  .openapi('NotificationSettings');

export const UpdateNotificationSettingsSchema = z
  .object({ email: z.boolean().optional() })
  .strict()
  .openapi('UpdateNotificationSettings');
