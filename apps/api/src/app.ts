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
  type ImageFormat,
  type ImageService,
  type ObjectStore,
  type PasteService,
  type RateLimiter,
  type ViewCounter,
} from '@pictor/core';
import type { Logger, Metrics } from '@pictor/observability';
import { errorHandler, type UploadLimits } from './http/error-handler.js';
import { UploadMemoryBudget } from './http/upload-memory.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { rateLimit } from './http/rate-limit.js';
import { requestContext } from './http/request-context.js';
import { authenticate, type AccountLimiters, type AuthSettings } from './http/auth.js';
import { accountRoute } from './routes/account.route.js';
import { adminRoute } from './routes/admin.route.js';
import { adminUsersRoute } from './routes/admin-users.route.js';
import { authRoute } from './routes/auth.route.js';
import { healthRoute, type ReadinessCheck } from './routes/health.route.js';
import { imagesRoute } from './routes/images.route.js';
import { pagesRoute } from './routes/pages.route.js';
import { namedPasteRoute, pastePagesRoute, type PastePagesDeps } from './routes/paste-pages.route.js';
import { accountPastesRoute, pastesRoute } from './routes/pastes.route.js';
import { serveRoute } from './routes/serve.route.js';

export interface ApiDeps {
  images: ImageService;
  objects: ObjectStore;
  logger: Logger;
  publicUrl: string;
  limits: {
    maxUploadBytes: number;
    maxFilesPerUpload: number;
    allowedFormats: readonly ImageFormat[];
    /** Upload bytes held in memory at once by this process (UPLOAD_MEMORY_BYTES); unbounded when absent. */
    uploadMemoryBytes?: number;
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
  /** Prometheus instruments; nothing is measured when absent. */
  metrics?: Metrics;
  /** The admin API (`/api/v1/admin`, bearer token); absent: it answers 404 like any unknown path. */
  admin?: {
    token: string;
    /** On-demand backups; absent: BACKUPS_NOT_CONFIGURED. */
    backups?: BackupJobs;
    recentBackups?: (limit: number) => Promise<BackupRecord[]>;
  };
  /** Text pastes; absent: their routes answer 404 like any unknown path. */
  pastes?: {
    service: PasteService;
    /** MAX_PASTE_BYTES. */
    maxPasteBytes: number;
    findAuthor: PastePagesDeps['findAuthor'];
    views?: ViewCounter;
  };
  /** Accounts, sessions and personal tokens; absent: every upload is anonymous. */
  accounts?: {
    service: AccountService;
    anonymousUploads: boolean;
    /** `Secure` session cookie: PUBLIC_URL is https. */
    secureCookies: boolean;
    sessionTtlSeconds: number;
    limiters?: AccountLimiters;
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
  };
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.set('etag', false);
  app.use(requestContext(deps.logger, deps.metrics));

  app.use(healthRoute(deps.readiness, isShuttingDown));
  app.use('/i', serveRoute({ images: deps.images, objects: deps.objects }));

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
    }),
  );

  const openapi = buildOpenApiDocument(deps.publicUrl);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(
    '/api/docs',
    (_req: Request, res: Response, next: NextFunction) => {
      // Swagger UI ships an inline bootstrap style; relax the page CSP for the docs only.
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'",
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
  if (auth) app.use('/api', authenticate(auth));
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
        ...(deps.pastes.views ? { views: deps.pastes.views } : {}),
        ...(auth && deps.accounts ? { auth: { ...auth, anonymousUploads: deps.accounts.anonymousUploads } } : {}),
      }),
    );
    if (auth)
      app.use('/api/v1/account/pastes', accountPastesRoute({ pastes: deps.pastes.service, publicUrl: deps.publicUrl }));
  }
  if (auth) {
    app.use('/api/v1/auth', authRoute(auth));
    app.use('/api/v1/account', accountRoute({ ...auth, images: deps.images }));
    app.use('/api/v1/admin', adminUsersRoute(auth));
  }
  if (deps.admin) app.use('/api/v1/admin', adminRoute({ ...deps.admin, publicUrl: deps.publicUrl }));
  app.use('/api', (_req, _res, next) => next(ERRORS.notFound()));

  app.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }));
  app.use(
    pagesRoute({ images: deps.images, publicUrl: deps.publicUrl, limits, limitUploads: rateLimit(deps.rateLimiter) }),
  );

  const pastePages: PastePagesDeps | undefined = deps.pastes
    ? {
        pastes: deps.pastes.service,
        images: deps.images,
        publicUrl: deps.publicUrl,
        findAuthor: deps.pastes.findAuthor,
        ...(deps.pastes.views ? { views: deps.pastes.views } : {}),
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
  app.use(errorHandler(limits));
  return app;
}
