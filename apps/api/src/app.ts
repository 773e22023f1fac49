import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import {
  ERRORS,
  EXPIRY_CHOICES,
  type AccountService,
  type BackupJobs,
  type BackupRecord,
  type FollowService,
  type NotificationInbox,
  type WebhookService,
  type TelegramLinks,
  type UnsubscribeService,
  type ImageFormat,
  type ImageService,
  type ObjectStore,
  type PasteService,
  type RateLimiter,
  type ShareService,
  type ViewCounter,
} from '@pictor/core';
import type { Logger } from '@pictor/observability';
import type { ApiMetrics } from './metrics.js';
import { trustProxies } from './http/client-address.js';
import { allowOnly } from './http/method-not-allowed.js';
import { errorHandler, FORM_FIELDS, FORM_LIMIT_BYTES, type UploadLimits } from './http/error-handler.js';
import { UploadMemoryBudget } from './http/upload-memory.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { rateLimit } from './http/rate-limit.js';
import { requestContext } from './http/request-context.js';
import { initialiseApiSeries } from './http/route-table.js';
import { authenticate, whoIsAsking, type AccountLimiters, type AuthSettings } from './http/auth.js';
import { accountRoute } from './routes/account.route.js';
import { usersRoute } from './routes/users.route.js';
import { notificationsRoute } from './routes/notifications.route.js';
import { webhooksRoute } from './routes/webhooks.route.js';
import { telegramAccountRoute, telegramWebhookRoute } from './routes/telegram.route.js';
import { adminRoute } from './routes/admin.route.js';
import { adminUsersRoute } from './routes/admin-users.route.js';
import { authRoute } from './routes/auth.route.js';
import { healthRoute, type ReadinessCheck } from './routes/health.route.js';
import { imagesRoute } from './routes/images.route.js';
import { pagesRoute } from './routes/pages.route.js';
import { accountMostViewedRoute } from './routes/account-most-viewed.route.js';
import { namedPasteRoute, pastePagesRoute, type PastePagesDeps } from './routes/paste-pages.route.js';
import { accountPastesRoute, pastesRoute } from './routes/pastes.route.js';
import { serveRoute } from './routes/serve.route.js';
import { replicasRoute } from './routes/replicas.route.js';
import { shareOpenRoute, sharesRoute } from './routes/shares.route.js';
import { unsubscribeRoute } from './routes/unsubscribe.route.js';
import { clientAddress } from './http/client-address.js';
import { requireAdminToken } from './http/admin-auth.js';
import { requireAdmin } from './http/auth.js';
import type { NearestLinks } from './links/nearest-links.js';

export interface ApiDeps {
  images: ImageService;
  objects: ObjectStore;
  logger: Logger;
  publicUrl: string;
  /** Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); none when absent. */
  trustedProxies?: readonly string[];
  limits: {
    maxUploadBytes: number;
    maxFilesPerUpload: number;
    allowedFormats: readonly ImageFormat[];
    /** Upload bytes held in memory at once by this process (UPLOAD_MEMORY_BYTES); unbounded when absent. */
    uploadMemoryBytes?: number;
    /** Longest silence within an upload body (UPLOAD_BODY_TIMEOUT_MS); no limit when absent. */
    uploadBodyTimeoutMs?: number;
  };
  expiryDefault: string;
  /** The `expiresIn` choices offered (within EXPIRY_MAX); default: all of EXPIRY_CHOICES. */
  expiryChoices?: readonly string[];
  /** Named dependency checks for /readyz. */
  readiness: Record<string, ReadinessCheck>;
  /** The built web page (apps/web/dist); the API still runs without it. */
  webDir?: string;
  isShuttingDown?: () => boolean;
  /** Upload requests per client; no limit when absent. */
  rateLimiter?: RateLimiter;
  /** The api's instruments (`createApiMetrics`); nothing is measured when absent. */
  metrics?: ApiMetrics;
  /** The admin API (`/api/v1/admin`, bearer token); absent: it answers 404 like any unknown path. */
  admin?: {
    token: string;
    /** On-demand backups; absent: BACKUPS_NOT_CONFIGURED. */
    backups?: BackupJobs;
    recentBackups?: (limit: number) => Promise<BackupRecord[]>;
  };
  /** Share links (`/s/<token>`); absent, or without accounts: none. */
  shares?: ShareService;
  /** Links on the nearest storage replica (S3_REPLICAS); absent: no `/api/v1/replicas`. */
  links?: NearestLinks;
  /** Text pastes; absent: their routes answer 404 like any unknown path. */
  pastes?: {
    service: PasteService;
    /** MAX_PASTE_BYTES. */
    maxPasteBytes: number;
    findAuthor: PastePagesDeps['findAuthor'];
  };
  /** View counts of pastes and images; absent: none are counted. */
  views?: ViewCounter;
  /** Accounts, sessions and personal tokens; absent: every upload is anonymous. */
  accounts?: {
    service: AccountService;
    anonymousUploads: boolean;
    /** `Secure` session cookie: PUBLIC_URL is https. */
    secureCookies: boolean;
    sessionTtlSeconds: number;
    limiters?: AccountLimiters;
    /** Follows between accounts (`/api/v1/users/:username/…`); absent: those routes answer 404. */
    follows?: FollowService;
    /** In-app notifications (`/api/v1/notifications`); absent: those routes answer 404. */
    inbox?: NotificationInbox;
    /** Webhook endpoints of accounts (`/api/v1/account/webhooks`); absent: 404. */
    webhooks?: WebhookService;
    /** One-click unsubscribe links of follow notifications (`/unsubscribe/<token>`). */
    unsubscribe?: UnsubscribeService;
    /** Telegram linking (`/api/v1/account/telegram`) and, with a secret, the bot's webhook route. */
    telegram?: { links: TelegramLinks; webhookSecret: string | undefined };
  };
}

/** The HTTP application: API v1, OpenAPI docs, pages, web app and the direct-link fallback. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const limits: UploadLimits = {
    maxUploadBytes: deps.limits.maxUploadBytes,
    maxFilesPerUpload: deps.limits.maxFilesPerUpload,
    // Files plus the option fields; anything beyond is a malformed or hostile body.
    maxParts: deps.limits.maxFilesPerUpload + 8,
    ...(deps.limits.uploadMemoryBytes ? { memory: new UploadMemoryBudget(deps.limits.uploadMemoryBytes) } : {}),
    ...(deps.limits.uploadBodyTimeoutMs ? { bodyTimeoutMs: deps.limits.uploadBodyTimeoutMs } : {}),
  };
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxies(deps.trustedProxies ?? []));
  app.set('etag', false);
  app.use(requestContext(deps.logger, deps.metrics));

  app.use(healthRoute(deps.readiness, isShuttingDown));
  const auth: AuthSettings | undefined = deps.accounts
    ? {
        accounts: deps.accounts.service,
        publicUrl: deps.publicUrl,
        secureCookies: deps.accounts.secureCookies,
        sessionTtlSeconds: deps.accounts.sessionTtlSeconds,
        adminToken: deps.admin?.token,
        ...(deps.accounts.limiters ? { limiters: deps.accounts.limiters } : {}),
      }
    : undefined;
  // Private items answer their owner only, who is looked up when such an item is asked for.
  const whoAsks = auth ? whoIsAsking(auth) : undefined;
  app.use(
    '/i',
    serveRoute({
      images: deps.images,
      objects: deps.objects,
      ...(whoAsks ? { identify: whoAsks } : {}),
      ...(deps.links ? { links: deps.links } : {}),
      clientAddress,
    }),
  );
  const privateLinks = {
    ...(deps.links ? { links: deps.links } : {}),
    clientAddress,
  };

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:', new URL(deps.publicUrl).origin],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      // HSTS means something only over HTTPS; over plain HTTP it would tell browsers a falsehood.
      strictTransportSecurity: new URL(deps.publicUrl).protocol === 'https:' ? undefined : false,
    }),
  );

  const openapi = buildOpenApiDocument(deps.publicUrl, deps.limits);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.all('/api/openapi.json', allowOnly('GET'));
  app.use(
    '/api/docs',
    (_req: Request, res: Response, next: NextFunction) => {
      // Swagger UI ships an inline bootstrap style; relax the page CSP for the docs only.
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
      );
      next();
    },
    swaggerUi.serve,
    swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/openapi.json' }, customSiteTitle: 'Pictor API' }),
  );

  app.get('/api/v1/limits', (_req, res) => {
    res.json({
      maxUploadBytes: deps.limits.maxUploadBytes,
      maxFilesPerUpload: deps.limits.maxFilesPerUpload,
      allowedFormats: deps.limits.allowedFormats,
      expiryChoices: deps.expiryChoices ?? EXPIRY_CHOICES,
      expiryDefault: deps.expiryDefault,
    });
  });
  app.all('/api/v1/limits', allowOnly('GET'));
  // Pages recognise a signed-in reader too (an author's own reads neither count nor burn).
  const identify = auth ? authenticate(auth) : undefined;
  if (identify) app.use('/api', identify);
  if (auth && deps.shares) {
    app.use(
      '/api/v1/images',
      sharesRoute({
        shares: deps.shares,
        publicUrl: deps.publicUrl,
        auth,
        ...(deps.links ? { links: deps.links } : {}),
      }),
    );
    if (deps.pastes) {
      app.use('/api/v1/pastes', sharesRoute({ shares: deps.shares, publicUrl: deps.publicUrl, auth, kind: 'paste' }));
    }
    app.use(
      '/s',
      shareOpenRoute({
        shares: deps.shares,
        publicUrl: deps.publicUrl,
        objects: deps.objects,
        clientAddress,
        ...(deps.links ? { links: deps.links } : {}),
      }),
    );
  }
  app.use(
    '/api/v1/images',
    imagesRoute({
      images: deps.images,
      publicUrl: deps.publicUrl,
      limits,
      limitUploads: rateLimit(deps.rateLimiter),
      ...(auth && deps.accounts ? { auth: { ...auth, anonymousUploads: deps.accounts.anonymousUploads } } : {}),
    }),
  );
  if (deps.pastes) {
    app.use(
      '/api/v1/pastes',
      pastesRoute({
        pastes: deps.pastes.service,
        publicUrl: deps.publicUrl,
        maxPasteBytes: deps.pastes.maxPasteBytes,
        limitUploads: rateLimit(deps.rateLimiter),
        ...(deps.views ? { views: deps.views } : {}),
        ...(auth && deps.accounts ? { auth: { ...auth, anonymousUploads: deps.accounts.anonymousUploads } } : {}),
      }),
    );
    if (auth)
      app.use('/api/v1/account/pastes', accountPastesRoute({ pastes: deps.pastes.service, publicUrl: deps.publicUrl }));
  }
  if (auth) {
    app.use('/api/v1/auth', authRoute(auth));
    app.use('/api/v1/account/telegram', telegramAccountRoute({ ...auth, telegram: deps.accounts?.telegram?.links }));
    if (deps.accounts?.webhooks) {
      app.use('/api/v1/account/webhooks', webhooksRoute({ ...auth, webhooks: deps.accounts.webhooks }));
    }
    if (deps.views) {
      app.use('/api/v1/account/most-viewed', accountMostViewedRoute({ views: deps.views, publicUrl: deps.publicUrl }));
    }
    app.use('/api/v1/account', accountRoute({ ...auth, images: deps.images }));
    if (deps.accounts?.follows) app.use('/api/v1/users', usersRoute({ ...auth, follows: deps.accounts.follows }));
    if (deps.accounts?.inbox) {
      app.use('/api/v1/notifications', notificationsRoute({ ...auth, inbox: deps.accounts.inbox }));
    }
    app.use('/api/v1/admin', adminUsersRoute(auth));
  }
  if (deps.admin) app.use('/api/v1/admin', adminRoute({ ...deps.admin, publicUrl: deps.publicUrl }));
  if (deps.links && (auth || deps.admin)) {
    const guard = auth ? requireAdmin() : requireAdminToken(deps.admin!.token);
    app.use('/api/v1/replicas', replicasRoute({ links: deps.links, guard, lagBoundMs: 2000 }));
  }
  app.use('/api', (_req, _res, next) => next(ERRORS.notFound()));
  if (deps.accounts?.unsubscribe) app.use('/unsubscribe', unsubscribeRoute(deps.accounts.unsubscribe));
  if (deps.accounts?.telegram?.webhookSecret) {
    app.use(
      '/hooks/telegram',
      telegramWebhookRoute(deps.accounts.telegram.links, deps.accounts.telegram.webhookSecret),
    );
  }

  // Compressed forms are refused like compressed uploads (415), never inflated.
  app.use(
    express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES, parameterLimit: FORM_FIELDS, inflate: false }),
  );
  app.use(
    pagesRoute({
      images: deps.images,
      publicUrl: deps.publicUrl,
      limits,
      limitUploads: rateLimit(deps.rateLimiter),
      ...(deps.views ? { views: deps.views } : {}),
      ...(identify ? { identify } : {}),
    }),
  );

  const pastePages: PastePagesDeps | undefined = deps.pastes
    ? {
        pastes: deps.pastes.service,
        images: deps.images,
        publicUrl: deps.publicUrl,
        findAuthor: deps.pastes.findAuthor,
        ...(deps.views ? { views: deps.views } : {}),
        ...(identify ? { identify } : {}),
        ...privateLinks,
      }
    : undefined;
  if (pastePages) app.use(pastePagesRoute(pastePages));

  if (deps.webDir && existsSync(path.join(deps.webDir, 'index.html'))) {
    app.use(
      express.static(deps.webDir, {
        index: 'index.html',
        setHeaders(res, file) {
          res.setHeader(
            'Cache-Control',
            file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      }),
    );
  }

  // Last: `/<username>/<slug>` must never shadow a route or a file of the web page.
  if (pastePages) app.use(namedPasteRoute(pastePages));
  app.use((_req, _res, next) => next(ERRORS.notFound()));
  app.use(errorHandler());
  if (deps.metrics) initialiseApiSeries(deps.metrics, app);
  return app;
}
