import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { startRequestSpan, withContext } from './tracing.ts';

/** What one GraphQL HTTP request carries through its async work (resolvers, loaders, upstream calls). */
export interface RequestScope {
  /** From `x-request-id`, or generated; echoed in the response header. */
  readonly requestId: string;
  /** `process.hrtime.bigint()` when the request entered the scope (after its body was read). */
  readonly startedAt: bigint;
  /** HTTP attempts to the upstream made while serving this request (retries included). */
  upstreamCalls: number;
  /** Of those, the ones that failed. */
  upstreamFailures: number;
  /**
   * Credentials the request carried (the player's user token, the caller's bearer token, the
   * router secret): scrubbed from every error and log line of this request, like the app secret.
   */
  readonly secrets: readonly string[];
}

/** Header carrying the request id in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the request whose async work is running, if any (a readiness probe has none). */
export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

/** The credentials of the current request (`RequestScope.secrets`), none outside a request. */
export function requestSecrets(): readonly string[] {
  return storage.getStore()?.secrets ?? NO_SECRETS;
}

/** Runs `work` inside a fresh scope; exported for the middleware below and for tests. */
export function runInScope<T>(requestId: string, work: () => T, secrets: readonly string[] = NO_SECRETS): T {
  return storage.run(
    { requestId, startedAt: process.hrtime.bigint(), upstreamCalls: 0, upstreamFailures: 0, secrets },
    work,
  );
}

const NO_SECRETS: readonly string[] = Object.freeze([]);

/**
 * Headers whose values are credentials: the player's Horizon user token, the caller's JWT (after
 * its scheme) and the router secret.
 */
const CREDENTIAL_HEADERS = ['x-horizon-user-token', 'authorization', 'router-authorization'] as const;

/**
 * Shorter values are not scrubbed: a caller could otherwise send a "token" such as `error` and
 * have that word cut out of every message it gets. Real user tokens and JWTs are far longer.
 */
const MIN_REQUEST_SECRET_LENGTH = 8;

/** The credential values `req` carries, for `RequestScope.secrets`. */
export function credentialsOf(req: Pick<Request, 'headers'>): readonly string[] {
  const found: string[] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const raw = req.headers[name];
    for (const value of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const token = value.replace(/^\s*(?:bearer|basic)\s+/i, '').trim();
      if (token.length >= MIN_REQUEST_SECRET_LENGTH) found.push(token);
    }
  }
  return found.length > 0 ? found : NO_SECRETS;
}

/** What `requestId` chose for each response it saw (Express's or a plain `node:http` one). */
const responseIds = new WeakMap<ServerResponse, { id: string; receivedAt: bigint }>();

/**
 * Takes the caller's `x-request-id` when it is a sane token (the gateway's, so one id follows the
 * request across subgraphs), or makes one, and returns it in the response header. Anything else
 * (too long, odd characters) is replaced, so a log line cannot be forged or bloated through the
 * header. For plain `node:http` handlers; `requestId` is the Express middleware.
 */
export function assignRequestId(req: Pick<IncomingMessage, 'headers'>, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  const id = candidate && SANE_ID.test(candidate) ? candidate : randomUUID();
  responseIds.set(res, { id, receivedAt: process.hrtime.bigint() });
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** Express middleware for every route: `assignRequestId`. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  assignRequestId(req, res);
  next();
}

/** The id `requestId` chose for this request. */
export function requestIdOf(res: ServerResponse): string {
  return responseIds.get(res)?.id ?? randomUUID();
}

/** `process.hrtime.bigint()` when `requestId` saw this request, if it did. */
export function receivedAtOf(res: ServerResponse): bigint | undefined {
  return responseIds.get(res)?.receivedAt;
}

const SANE_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Express middleware in front of Apollo: runs the rest of the request inside its scope and inside
 * its SERVER span, so the upstream observer can count calls per request and parent its spans.
 * It sits after the body parser, whose callbacks do not keep the async context.
 */
export function graphqlRequestScope(req: Request, res: Response, next: NextFunction): void {
  const id = requestIdOf(res);
  withContext(startRequestSpan(req, res, id), () => runInScope(id, next, credentialsOf(req)));
}
