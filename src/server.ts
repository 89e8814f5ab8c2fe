import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { HorizonClient } from './horizon/index.ts';
import { uncheckedCaller, type CallerResolver } from './graphql/auth/jwt-verifier.ts';
import { createContext, type ContextDependencies, type GraphQLContext } from './graphql/context.ts';
import { DEFAULT_LIMITS, queryLimits, type QueryLimits } from './graphql/limits/query-limits.ts';
import { InMemoryIdempotencyStore, type IdempotencyStore } from './graphql/mutations/idempotency-store.ts';
import { SharedCaches } from './graphql/loaders/shared-caches.ts';
import { buildSchema } from './graphql/schema.ts';
import type { Logger } from './logger.ts';
import { requireRouterSecret } from './router-secret.ts';

/** What the HTTP server needs; everything else is derived. */
export interface ServerOptions {
  horizon: HorizonClient;
  logger: Logger;
  /** TTL of the cross-request caches, ms. */
  cacheTtlMs: number;
  /** Upstream calls of one batch in flight at once. */
  batchConcurrency: number;
  /** When set, only requests with this `router-authorization` header reach GraphQL. */
  routerSecret?: string;
  /** Turns the forwarded `authorization` header into a caller. Default: no enforcement. */
  resolveCaller?: CallerResolver;
  /** Query limits. Default: `DEFAULT_LIMITS`. */
  limits?: QueryLimits;
  /** Introspection and the landing page. Default true (config turns them off in production). */
  introspection?: boolean;
  /** Idempotency keys store. Default: in memory, 24 h. */
  idempotency?: IdempotencyStore;
}

/** A started subgraph server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:4001` */
  url: string;
  httpServer: Server;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/**
 * Express 5 + Apollo Server 5: `POST /graphql`, `GET /healthz` (liveness), `GET /readyz`
 * (the upstream answers with our credentials).
 */
export async function startServer(
  options: ServerOptions,
  port: number,
  host: string,
): Promise<RunningServer> {
  const { horizon, logger } = options;
  const caches = new SharedCaches(options.cacheTtlMs);
  const contextDeps: ContextDependencies = {
    horizon,
    caches,
    logger,
    batchConcurrency: options.batchConcurrency,
    resolveCaller: options.resolveCaller ?? uncheckedCaller,
    idempotency: options.idempotency ?? new InMemoryIdempotencyStore(),
  };
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createHttpServer(app);

  const limits = queryLimits(options.limits ?? DEFAULT_LIMITS);
  const introspection = options.introspection ?? true;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildSchema(),
    includeStacktraceInErrorResponses: false,
    introspection,
    validationRules: limits.validationRules,
    plugins: [
      ...limits.plugins,
      ...(introspection ? [] : [ApolloServerPluginLandingPageDisabled()]),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Federated traces (ftv1) for the gateway; error messages in them stay masked, so a trace
      // never tells more than the response does.
      ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    ],
    formatError: (formatted, error) => formatError(formatted, error, horizon, logger),
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      // Cached for the TTL, so probes do not hammer the API; a failure is not cached.
      await caches.leaderboards(horizon);
      res.json({ status: 'ready' });
    } catch (error) {
      res.status(503).json({ status: 'not ready', reason: horizon.redact(String((error as Error).message)) });
    }
  });
  if (options.routerSecret) app.use('/graphql', requireRouterSecret(options.routerSecret));
  else
    logger.warn('ROUTER_SECRET is not set: any client that reaches this port can call the subgraph directly');
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => createContext(contextDeps, req.headers),
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
    httpServer,
    close: () => apollo.stop(),
  };
}

/**
 * Last line of defense for what leaves in `errors`: unexpected errors are masked (and logged),
 * and every message is scrubbed of credentials.
 */
function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  horizon: HorizonClient,
  logger: Logger,
): GraphQLFormattedError {
  if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
    const original = unwrapResolverError(error);
    logger.error(
      { err: horizon.redact(String((original as Error)?.stack ?? original)) },
      'unexpected resolver error',
    );
    return { ...formatted, message: 'Internal server error' };
  }
  return { ...formatted, message: horizon.redact(formatted.message) };
}
