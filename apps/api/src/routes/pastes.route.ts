import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  ERRORS,
  isPasteLanguage,
  normalisePasteTitle,
  type PasteActor,
  type PasteService,
  type ViewCounter,
} from '@pictor/core';
import { traceHeaders } from '@pictor/observability';
import { accountOf, checkCsrf, requireAccount, type AuthSettings } from '../http/auth.js';
import { presentCreatedPaste, presentPaste } from '../http/paste-presenter.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { decodeCursor, encodeCursor, PASTE_CURSOR_PATTERN } from '../http/presenter.js';
import { readerOf, viewerOf } from '../http/reader.js';
import {
  CreatePasteSchema,
  DeleteTokenSchema,
  MAX_QUERY_TITLE_LENGTH,
  PasteIdParam,
  PasteListQuerySchema,
  PasteQuerySchema,
  UpdatePasteSchema,
} from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';

export interface PastesRouteDeps {
  pastes: PasteService;
  publicUrl: string;
  /** MAX_PASTE_BYTES. */
  maxPasteBytes: number;
  /** Runs before the body is read. */
  limitUploads: RequestHandler;
  auth?: AuthSettings & { anonymousUploads: boolean };
  /** View counts; none are counted when absent. */
  views?: ViewCounter;
}

/** Bodies read as text: anything but JSON, so `curl --data-binary @file` (form-encoded by default) works. */
const TEXT_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Reads the body as bytes, never decoding it (so invalid UTF-8 is seen, not replaced): up to
 * MAX_PASTE_BYTES for text, and room for JSON's escapes (up to 6 bytes per character) for JSON.
 */
function pasteBody(maxBytes: number): RequestHandler {
  const text = express.raw({ type: () => true, limit: maxBytes });
  const json = express.raw({ type: () => true, limit: maxBytes * 6 + 64 * 1024 });
  return (req, res, next) => {
    const type = req.get('content-type') ?? '';
    if (/^multipart\//i.test(type)) {
      next(ERRORS.unsupportedMediaType(type.split(';')[0], ['text/plain', 'application/json']));
      return;
    }
    const charset = /;\s*charset="?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
    if (charset && !TEXT_CHARSETS.has(charset)) {
      next(ERRORS.invalidText(`only UTF-8 is accepted, not ${charset}.`));
      return;
    }
    const parser = req.is('application/json') ? json : text;
    parser(req, res, (error?: unknown) => {
      const tooLarge =
        typeof error === 'object' && error !== null && 'type' in error && error.type === 'entity.too.large';
      next(tooLarge ? ERRORS.pasteTooLarge(maxBytes) : error);
    });
  };
}

const ownerOf = (req: Request): string | undefined => {
  const principal = req.principal;
  return principal && principal.kind !== 'operator' ? principal.account.id : undefined;
};
const ownerNameOf = (req: Request): string | undefined => {
  const principal = req.principal;
  return principal && principal.kind !== 'operator' ? principal.account.username : undefined;
};

/**
 * Who acts on a paste: the delete token (header `X-Delete-Token` or `?token=`) when one is
 * given, else the signed-in author (or an admin, or the operator). Neither is refused 403
 * INVALID_DELETE_TOKEN before any lookup, as for images.
 */
function actorOf(req: Request): PasteActor {
  const given = req.get('x-delete-token') ?? req.query.token;
  const principal = req.principal;
  if (given === undefined && principal) {
    if (principal.kind === 'operator') return { accountId: '', admin: true };
    if (principal.kind === 'token' && !principal.token.scopes.includes('pastes:write')) {
      throw ERRORS.tokenScope('pastes:write');
    }
    return {
      accountId: principal.account.id,
      admin: principal.account.role === 'admin' && principal.kind === 'session',
    };
  }
  if (given === undefined) throw ERRORS.invalidDeleteToken();
  const { token } = parseOrThrow(DeleteTokenSchema, { token: given });
  return { deleteToken: token };
}

/**
 * The domain's rules for a title and a language, on the query's values even when a JSON body's
 * fields replace them: what the document calls invalid is refused, wherever it was sent.
 */
function checkQueryOptions(options: { title?: string | null | undefined; language?: string | null | undefined }) {
  if (options.title && [...options.title].length > MAX_QUERY_TITLE_LENGTH) {
    throw ERRORS.invalidTitle(`in the query string it may be at most ${MAX_QUERY_TITLE_LENGTH} characters.`);
  }
  normalisePasteTitle(options.title);
  const language = options.language;
  if (language && language !== 'auto' && !isPasteLanguage(language.toLowerCase())) {
    throw ERRORS.validationFailed(`"${language}" is not a supported language.`);
  }
}

/** `/api/v1/pastes`: create, read (and burn), list, change, delete. */
export function pastesRoute(deps: PastesRouteDeps): Router {
  const router = Router();
  const auth = deps.auth;
  const csrf: RequestHandler = auth ? checkCsrf(auth) : (_req, _res, next) => next();
  const mayCreate = (req: Request, _res: Response, next: NextFunction) => {
    const principal = req.principal;
    if (principal?.kind === 'token' && !principal.token.scopes.includes('pastes:write')) {
      next(ERRORS.tokenScope('pastes:write'));
    } else if (!principal && auth && !auth.anonymousUploads) {
      next(ERRORS.authenticationRequired('Pastes need an account here: sign in, or send a personal API token.'));
    } else {
      next();
    }
  };

  router.post('/', mayCreate, deps.limitUploads, pasteBody(deps.maxPasteBytes), csrf, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const ownerId = ownerOf(req);
    // The query's options are checked whatever the body; with JSON, the body's fields win.
    const options = parseOrThrow(PasteQuerySchema, req.query);
    checkQueryOptions(options);
    let input;
    if (req.is('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        throw ERRORS.validationFailed('The body is not valid JSON in UTF-8.');
      }
      const fields = parseOrThrow(CreatePasteSchema, parsed);
      input = {
        title: fields.title === undefined ? options.title : fields.title,
        language: fields.language === undefined ? options.language : fields.language,
        expiresIn: fields.expiresIn ?? options.expiresIn,
        visibility: fields.visibility ?? options.visibility,
        burnAfterReading: fields.burnAfterReading ?? options.burnAfterReading,
        text: fields.content,
      };
    } else {
      input = { ...options, text: body };
    }
    const created = await deps.pastes.create(
      {
        text: input.text,
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.language !== undefined ? { language: input.language } : {}),
        ...(input.expiresIn !== undefined ? { expiresIn: input.expiresIn } : {}),
        ...(input.visibility !== undefined ? { visibility: input.visibility } : {}),
        ...(input.burnAfterReading !== undefined ? { burnAfterReading: input.burnAfterReading } : {}),
        ...(ownerId ? { ownerId, ownerUsername: ownerNameOf(req) } : {}),
      },
      { requestId: req.id, headers: traceHeaders() },
    );
    res.status(201).setHeader('Location', `/api/v1/pastes/${created.paste.id}`);
    res.json(presentCreatedPaste(deps.publicUrl, created));
  });

  router.get('/', async (req, res) => {
    const query = parseOrThrow(PasteListQuerySchema, req.query);
    const after = query.cursor ? decodeCursor(query.cursor, PASTE_CURSOR_PATTERN) : undefined;
    if (after === null) throw ERRORS.validationFailed('cursor is not valid');
    const page = await deps.pastes.list({ limit: query.limit + 1, ...(after ? { after } : {}) });
    const pastes = page.slice(0, query.limit);
    const last = pastes.at(-1);
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      pastes: pastes.map((p) => presentPaste(deps.publicUrl, p)),
      nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
    });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    const read = await deps.pastes.read(id, readerOf(req));
    if (read.text !== null) void deps.views?.record('paste', id, read.paste.ownerId, viewerOf(req));
    res.setHeader(
      'Cache-Control',
      read.paste.visibility === 'private' ? 'private, no-store' : read.paste.burnAfterReading ? 'no-store' : 'no-cache',
    );
    res.json({ ...presentPaste(deps.publicUrl, read.paste, read.text), burnt: read.burnt });
  });

  router.patch('/:id', express.json({ limit: '16kb' }), csrf, async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    const changes = parseOrThrow(UpdatePasteSchema, req.body ?? {});
    const updated = await deps.pastes.update(id, actorOf(req), {
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.language !== undefined ? { language: changes.language } : {}),
      ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
      ...(changes.expiresIn !== undefined ? { expiresIn: changes.expiresIn } : {}),
    });
    res.json(presentPaste(deps.publicUrl, updated));
  });

  router.delete('/:id', csrf, async (req, res) => {
    const { id } = parseOrThrow(PasteIdParam, req.params);
    await deps.pastes.delete(id, actorOf(req));
    res.status(204).end();
  });

  router.all('/', allowOnly('GET', 'POST'));
  router.all('/:id', allowOnly('GET', 'PATCH', 'DELETE'));
  return router;
}

/** `/api/v1/account/pastes`: the signed-in author's pastes, every visibility, newest first. */
export function accountPastesRoute(deps: Pick<PastesRouteDeps, 'pastes' | 'publicUrl'>): Router {
  const router = Router();
  router.get('/', requireAccount('account:read'), async (req, res) => {
    const query = parseOrThrow(PasteListQuerySchema, req.query);
    const after = query.cursor ? decodeCursor(query.cursor, PASTE_CURSOR_PATTERN) : undefined;
    if (after === null) throw ERRORS.validationFailed('cursor is not valid');
    const page = await deps.pastes.listOf(accountOf(req).id, {
      limit: query.limit + 1,
      includeUnlisted: true,
      ...(after ? { after } : {}),
    });
    const pastes = page.slice(0, query.limit);
    const last = pastes.at(-1);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      pastes: pastes.map((p) => presentPaste(deps.publicUrl, p)),
      nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
    });
  });
  router.all('/', allowOnly('GET'));
  return router;
}
