/**
 * Exports over HTTP (docs/export.md): `GET /exports/leaderboards/{apiName}.ndjson|.csv`,
 * `GET /exports/definitions.ndjson|.csv` and `POST /exports/players` (ids in a JSON body), the
 * same rows as `npm run export`, streamed with backpressure: the next upstream page is read only
 * once the previous one was taken by the client, and a client that goes away aborts the call in
 * flight and stops the walk. Protected by the router secret and the scope `horizon:export` plus
 * the read scope of the data (`horizon:purchases:read` for entitlements, subscriptions and purchase
 * events). `GET /exports/purchase-events.ndjson|.csv?after=<cursor>` reads the webhook history
 * (no upstream call) and resumes after the `cursor` of the last row received.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Caller } from '../graphql/auth/caller.ts';
import type { CallerResolver } from '../graphql/auth/jwt-verifier.ts';
import { upstreamFailure } from '../graphql/errors.ts';
import type { HorizonClient } from '../horizon/index.ts';
import { MAX_BODY_BYTES, refuse, type HttpRefusal, type RefusalListener } from '../http-errors.ts';
import type { Logger } from '../logger.ts';
import { requireRouterSecret } from '../router-secret.ts';
import type { PurchaseEventLog } from '../events/purchase-event-log.ts';
import { CONTENT_TYPES, streamSink, type Format } from './formats.ts';
import { purchaseEventsSource } from './purchase-events-source.ts';
import { describe, ExportGaveUp, horizonErrorOf, ratePacer, runExport } from './run.ts';
import {
  definitionsSource,
  leaderboardSource,
  PLAYER_FIELDS,
  playersSource,
  type PlayerField,
  type RowSource,
} from './sources.ts';

/** The scope every export needs. */
export const EXPORT_SCOPE = 'horizon:export';
/** The read scope of purchases and subscriptions. */
export const PURCHASES_READ_SCOPE = 'horizon:purchases:read';

/** Give-up point of an HTTP export: this long without a page (a client waits on the other end). */
export const HTTP_GIVE_UP_AFTER_MS = 60_000;

/** Defaults of `EXPORT_MAX_IDS` and `EXPORT_MAX_RATE`; the server's options and `src/config.ts` read them here. */
export const EXPORT_DEFAULTS = { maxIds: 10_000, maxRate: 20 } as const;

/** What the export routes need. */
export interface ExportRouteOptions {
  horizon: HorizonClient;
  logger: Logger;
  resolveCaller: CallerResolver;
  record: RefusalListener;
  routerSecret?: string;
  /** Most ids in one `POST /exports/players` (`EXPORT_MAX_IDS`). */
  maxIds: number;
  /** Calls per second of one export when no `HORIZON_RATE_LIMIT` applies (`EXPORT_MAX_RATE`); undefined: the budget paces. */
  maxRate?: number;
  /** Upstream calls of one players batch in flight at once. */
  batchConcurrency: number;
  /** The purchase-event history, for `GET /exports/purchase-events.*`; without it that path is a 404. */
  purchaseEvents?: PurchaseEventLog;
}

const TEXT_FORMATS: readonly Format[] = ['ndjson', 'csv'];

/** The `/exports` router (mount it at `/exports`). */
export function exportRouter(options: ExportRouteOptions): Router {
  const router = express.Router();
  if (options.routerSecret) router.use(requireRouterSecret(options.routerSecret, options.record));

  router.get('/leaderboards/:file', async (req, res) => {
    const match = /^(.+)\.(ndjson|csv)$/.exec(String(req.params.file));
    if (!match) return refuse(res, notFoundRefusal(), options.record);
    if (!(await authorized(req, res, options, []))) return;
    await stream(res, options, leaderboardSource(match[1]!), match[2] as Format, `${match[1]}`);
  });

  router.get('/definitions.:format', async (req, res) => {
    const format = String(req.params.format) as Format;
    if (!TEXT_FORMATS.includes(format)) return refuse(res, notFoundRefusal(), options.record);
    if (!(await authorized(req, res, options, []))) return;
    await stream(res, options, definitionsSource(), format, 'definitions');
  });

  router.get('/purchase-events.:format', async (req, res) => {
    const format = String(req.params.format) as Format;
    const log = options.purchaseEvents;
    if (!TEXT_FORMATS.includes(format) || !log) return refuse(res, notFoundRefusal(), options.record);
    if (!(await authorized(req, res, options, [PURCHASES_READ_SCOPE]))) return;
    const source = purchaseEventsRequest(log, req.query);
    if (typeof source === 'string') return refuse(res, badRequest(source), options.record);
    await stream(res, options, source, format, 'purchase-events');
  });

  const bodyLimit = Math.max(MAX_BODY_BYTES, options.maxIds * 32);
  router.post('/players', express.json({ limit: bodyLimit }), async (req, res) => {
    const request = playersRequest(req.body as unknown, options.maxIds);
    if (typeof request === 'string') return refuse(res, badRequest(request), options.record);
    const needs = request.fields.some((f) => f === 'entitlements' || f === 'subscriptions')
      ? [PURCHASES_READ_SCOPE]
      : [];
    if (!(await authorized(req, res, options, needs))) return;
    const source = playersSource(request.ids, request.fields, { batchConcurrency: options.batchConcurrency });
    await stream(res, options, source, request.format, 'players');
  });

  router.use((_req, res) => refuse(res, notFoundRefusal(), options.record));
  return router;
}

/** `?after=<cursor>&since=<ISO-8601>` (both optional) as a source, or what is wrong with them. */
function purchaseEventsRequest(log: PurchaseEventLog, query: Request['query']): RowSource | string {
  const { after, since } = query;
  if (after !== undefined && typeof after !== 'string') return 'after must be one cursor';
  if (since !== undefined && (typeof since !== 'string' || Number.isNaN(Date.parse(since))))
    return 'since must be an ISO-8601 date-time, e.g. 2026-06-01T00:00:00Z';
  try {
    return purchaseEventsSource(log, { after, since: since === undefined ? undefined : new Date(since) });
  } catch (error) {
    return (error as Error).message;
  }
}

/** `{"ids": ["…"], "fields": ["achievements", …], "format": "ndjson"|"csv"}`, or what is wrong with it. */
function playersRequest(
  body: unknown,
  maxIds: number,
): { ids: string[]; fields: PlayerField[]; format: Format } | string {
  const usage =
    'send {"ids": ["<user id>", …], "fields": ["achievements", "entitlements", "subscriptions", "leaderboards"], "format": "ndjson"} as application/json';
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return `The body is not a JSON object: ${usage}`;
  const { ids, fields = PLAYER_FIELDS, format = 'ndjson' } = body as Record<string, unknown>;
  if (!Array.isArray(ids) || ids.length === 0) return `ids must be a non-empty list: ${usage}`;
  if (ids.length > maxIds) return `At most ${maxIds} ids per request (EXPORT_MAX_IDS); got ${ids.length}`;
  for (const id of ids)
    if (typeof id !== 'string' || !/^\d{1,20}$/.test(id))
      return `Every id must be a string of decimal digits; got ${JSON.stringify(id).slice(0, 40)}`;
  if (!Array.isArray(fields) || fields.some((f) => !(PLAYER_FIELDS as readonly unknown[]).includes(f)))
    return `fields must be some of ${PLAYER_FIELDS.join(', ')}`;
  if (!TEXT_FORMATS.includes(format as Format)) return `format must be ndjson or csv`;
  return { ids: ids as string[], fields: fields as PlayerField[], format: format as Format };
}

/** Checks the caller: a valid token with `horizon:export` and the `extra` scopes (unless auth is off). */
async function authorized(
  req: Request,
  res: Response,
  options: ExportRouteOptions,
  extra: readonly string[],
): Promise<boolean> {
  const caller: Caller = await options.resolveCaller(req.headers.authorization);
  if (caller.kind === 'unchecked') return true;
  if (caller.kind === 'anonymous' || caller.kind === 'invalid') {
    refuse(
      res,
      {
        status: 401,
        code: 'UNAUTHENTICATED',
        message:
          caller.kind === 'anonymous'
            ? 'Exports need a bearer token in the authorization header'
            : `The bearer token was refused: ${caller.reason}`,
        rejection: caller.kind === 'anonymous' ? 'no token' : 'invalid token',
      },
      options.record,
    );
    return false;
  }
  const needed = [EXPORT_SCOPE, ...extra];
  const missing = needed.filter((scope) => !caller.scopes.has(scope));
  if (missing.length === 0) return true;
  refuse(
    res,
    {
      status: 403,
      code: 'FORBIDDEN',
      message: `This export needs scope ${needed.join(' and ')}; the token lacks ${missing.join(', ')}`,
      rejection: 'missing scope',
    },
    options.record,
  );
  return false;
}

/**
 * Runs the export into the response. Nothing is sent until the first page arrived, so a failure
 * before it (an unknown leaderboard, a refused token upstream) is an ordinary JSON error; a
 * failure after it cuts the response (the body is then visibly incomplete, never silently short).
 */
async function stream(
  res: Response,
  options: ExportRouteOptions,
  source: RowSource,
  format: Format,
  name: string,
): Promise<void> {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  };
  res.on('close', onClose);
  const body = streamSink(res);
  let started = false;
  const sink = {
    ...body,
    get length() {
      return body.length;
    },
    write(bytes: Uint8Array) {
      if (!started) {
        started = true;
        res.status(200).set({
          'content-type': CONTENT_TYPES[format],
          'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.${format}"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
      }
      return body.write(bytes);
    },
  };
  try {
    await runExport({
      source,
      format,
      sink,
      client: options.horizon,
      pacer: options.maxRate === undefined ? undefined : ratePacer(options.maxRate),
      signal: controller.signal,
      giveUpAfterMs: HTTP_GIVE_UP_AFTER_MS,
    });
    if (!started) {
      // An empty export still gets its headers (and CSV its header line came through `write`).
      res.status(200).set({ 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' });
    }
    res.end();
  } catch (error) {
    if (controller.signal.aborted) {
      res.destroy();
      return;
    }
    if (started || res.headersSent) {
      options.logger.warn({ err: describe(error) }, 'export stream failed after it started: cut');
      res.destroy();
      return;
    }
    refuse(res, failureRefusal(error, options.logger), options.record);
  } finally {
    res.off('close', onClose);
  }
}

/** An upstream failure as the JSON error GraphQL would give (code, message), with an HTTP status. */
function failureRefusal(error: unknown, logger: Logger): HttpRefusal {
  const cause = error instanceof ExportGaveUp ? error.cause : error;
  const upstream = horizonErrorOf(cause);
  if (!upstream) {
    logger.error({ err: describe(error) }, 'export failed');
    return {
      status: 500,
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
      rejection: 'export failed',
    };
  }
  const mapped = upstreamFailure(upstream);
  const code = String(mapped.extensions.code);
  const status =
    code === 'NOT_FOUND' ? 404 : code === 'BAD_USER_INPUT' ? 400 : code === 'RATE_LIMITED' ? 429 : 502;
  return {
    status,
    code: code as HttpRefusal['code'],
    message: mapped.message,
    rejection: `upstream ${code}`,
    ...(upstream.retryAfterMs !== undefined
      ? { headers: { 'retry-after': String(Math.ceil(upstream.retryAfterMs / 1000)) } }
      : {}),
  };
}

function notFoundRefusal(): HttpRefusal {
  return {
    status: 404,
    code: 'NOT_FOUND',
    message:
      'Not found: exports are GET /exports/leaderboards/{apiName}.ndjson|.csv, GET /exports/definitions.ndjson|.csv, GET /exports/purchase-events.ndjson|.csv (with the webhook history) and POST /exports/players',
    rejection: 'unknown export path',
  };
}

function badRequest(message: string): HttpRefusal {
  return { status: 400, code: 'BAD_REQUEST', message, rejection: 'bad export request' };
}
