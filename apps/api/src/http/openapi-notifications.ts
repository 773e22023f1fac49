import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  MarkReadSchema,
  NotificationListQuery,
  NotificationPageSchema,
  NotificationSettingsSchema,
  UpdateNotificationSettingsSchema,
} from './notification-schemas.js';
import { ErrorSchema } from './schemas.js';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const signedIn: Record<string, string[]>[] = [{ session: [] }, { personalToken: [] }];

/** In-app notifications: the list, marking read, and the live stream. */
export function registerNotificationPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/notifications',
    summary: 'Your in-app notifications, newest first, with the unread count',
    security: signedIn,
    request: { query: NotificationListQuery },
    responses: {
      200: { description: 'One page.', content: { 'application/json': { schema: NotificationPageSchema } } },
      400: error('VALIDATION_FAILED: limit or cursor'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without account:read'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/notifications/read',
    summary: 'Mark notifications read (all when no ids are given)',
    security: signedIn,
    request: { body: { required: false, content: { 'application/json': { schema: MarkReadSchema } } } },
    responses: {
      200: {
        description: 'The unread count left.',
        content: { 'application/json': { schema: z.object({ unread: z.number().int() }) } },
      },
      400: error('VALIDATION_FAILED'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without account:read; CSRF_REJECTED'),
      413: error('FORM_TOO_LARGE: a body over 8 KiB'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/notifications/stream',
    summary: 'Live notifications (Server-Sent Events)',
    description:
      '`event: unread` with `{"unread": n}` at once and whenever the count changes; `event: notification` with a Notification as it arrives; a comment line every 15 s keeps proxies from closing the stream.',
    security: signedIn,
    responses: {
      200: { description: 'An endless event stream.', content: { 'text/event-stream': { schema: z.string() } } },
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without account:read'),
      429: error('RATE_LIMITED: this account holds 5 open streams on this server already (Retry-After)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/notifications/settings',
    summary: 'Your choice of channels (email on or off)',
    security: signedIn,
    responses: {
      200: {
        description: 'The settings (defaults when never changed).',
        content: { 'application/json': { schema: NotificationSettingsSchema } },
      },
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('TOKEN_SCOPE: a token without account:read'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/notifications/settings',
    summary: 'Change your choice of channels',
    description:
      'Email off stops notifications by email (new followers, new images and pastes); reset codes and password notices still go.',
    security: [{ session: [] }],
    request: {
      body: { required: false, content: { 'application/json': { schema: UpdateNotificationSettingsSchema } } },
    },
    responses: {
      200: {
        description: 'The settings as they are now.',
        content: { 'application/json': { schema: NotificationSettingsSchema } },
      },
      400: error('VALIDATION_FAILED'),
      401: error('AUTHENTICATION_REQUIRED'),
      403: error('SESSION_REQUIRED: an API token; CSRF_REJECTED'),
      413: error('FORM_TOO_LARGE: a body over 8 KiB'),
    },
  });
}
