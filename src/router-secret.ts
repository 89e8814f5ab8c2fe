import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/** Header in which the router sends the shared secret (Apollo's subgraph template convention). */
export const ROUTER_SECRET_HEADER = 'router-authorization';

/**
 * Lets only the router call the subgraph: a request without the matching `router-authorization`
 * header is answered 401 `UNAUTHENTICATED` before GraphQL runs, so it makes no upstream call.
 */
export function requireRouterSecret(secret: string): RequestHandler {
  const expected = Buffer.from(secret);
  return (req, res, next) => {
    const given = Buffer.from(req.get(ROUTER_SECRET_HEADER) ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({
      errors: [
        {
          message: `Missing or wrong ${ROUTER_SECRET_HEADER} header: only the router may call this subgraph`,
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  };
}
