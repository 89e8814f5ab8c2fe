import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
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
}

/** Header carrying the request id in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the request whose async work is running, if any (a readiness probe has none). */
export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

/** Runs `work` inside a fresh scope; exported for the middleware below and for tests. */
export function runInScope<T>(requestId: string, work: () => T): T {
  return storage.run(
    { requestId, startedAt: process.hrtime.bigint(), upstreamCalls: 0, upstreamFailures: 0 },
    work,
  );
}

/**
 * Express middleware for every route: takes the caller's `x-request-id` when it is a sane token
 * (the gateway's, so one id follows the request across subgraphs), or makes one, and returns it
 * in the response header. Anything else (too long, odd characters) is replaced, so a log line
 * cannot be forged or bloated through the header.
 */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  const id = candidate && SANE_ID.test(candidate) ? candidate : randomUUID();
  res.locals.requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/** The id `requestId` chose for this request. */
export function requestIdOf(res: Response): string {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : randomUUID();
}

const SANE_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Express middleware in front of Apollo: runs the rest of the request inside its scope and inside
 * its SERVER span, so the upstream observer can count calls per request and parent its spans.
 * It sits after the body parser, whose callbacks do not keep the async context.
 */
export function graphqlRequestScope(req: Request, res: Response, next: NextFunction): void {
  const id = requestIdOf(res);
  withContext(startRequestSpan(req, res, id), () => runInScope(id, next));
}
