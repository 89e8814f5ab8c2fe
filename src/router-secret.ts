import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { refuse, type RefusalListener } from './http-errors.ts';

/** Header in which the router sends the shared secret (Apollo's subgraph template convention). */
export const ROUTER_SECRET_HEADER = 'router-authorization';

/**
 * Lets only the router call the subgraph: a request without the matching `router-authorization`
 * header is answered 401 `UNAUTHENTICATED` before GraphQL runs, so it makes no upstream call.
 * `record` (the operation log line and metrics) is told about each refusal.
 */
export function requireRouterSecret(secret: string, record: RefusalListener = () => {}): RequestHandler {
  const matches = routerSecretMatcher(secret);
  return (req, res, next) => {
    if (matches(req.get(ROUTER_SECRET_HEADER))) return next();
    refuse(
      res,
      {
        status: 401,
        code: 'UNAUTHENTICATED',
        message: `Missing or wrong ${ROUTER_SECRET_HEADER} header: only the router may call this subgraph`,
        rejection: 'no router secret',
      },
      record,
    );
  };
}

/** A constant-time check of a given value against the router secret (HTTP headers, WebSocket `connection_init`). */
export function routerSecretMatcher(secret: string): (given: string | undefined) => boolean {
  const expected = Buffer.from(secret);
  return (value) => {
    const given = Buffer.from(value ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
