import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { acceptQueueDrained } from './accept-queue.ts';
import { clientMistakeCode, guardEntityRepresentations, noSubscriptionsOverHttp } from './client-mistakes.ts';
import { HorizonApiError, probeUpstream, type HorizonClient } from './horizon/index.ts';
import { uncheckedCaller, type CallerResolver } from './graphql/auth/jwt-verifier.ts';
import { createContext, type ContextDependencies, type GraphQLContext } from './graphql/context.ts';
import { DEFAULT_LIMITS, queryLimits, type QueryLimits } from './graphql/limits/query-limits.ts';
import { InMemoryIdempotencyStore, type IdempotencyStore } from './graphql/mutations/idempotency-store.ts';
import { createSharedLists } from './graphql/data/index.ts';
import { InMemoryPurchaseEventLog } from './events/memory-purchase-event-log.ts';
import type { PurchaseEventLog } from './events/purchase-event-log.ts';
import {
  horizonWebhookHandler,
  isWebhookRequest,
  type HorizonWebhookOptions,
} from './webhooks/horizon-webhook.ts';
import type { ListInvalidation } from './graphql/loaders/shared-list.ts';
import { upstreamFailure } from './graphql/errors.ts';
import type { KnownSizes } from './graphql/data/cost.ts';
import { serveSubscriptions } from './graphql-ws-server.ts';
import { buildSchema } from './graphql/schema.ts';
import { redactDeep } from './horizon/redact.ts';
import {
  answerClientErrors,
  errorHandler,
  MAX_BODY_BYTES,
  NOT_READY,
  notFound,
  refuse,
  requireUtf8,
} from './http-errors.ts';
import type { Logger } from './logger.ts';
import {
  createObservability,
  graphqlRequestScope,
  requestId,
  requestSecrets,
  type Observability,
} from './observability/index.ts';
import { requireRouterSecret } from './router-secret.ts';
import { EXPORT_DEFAULTS, exportRouter } from './export/http.ts';

/** How long in-flight requests get to finish at shutdown by default, ms (`SHUTDOWN_TIMEOUT_MS`). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

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
  /** Changes of the shared lists told to and heard from other replicas (Redis). Default: none. */
  listInvalidation?: ListInvalidation;
  /** Purchase events (webhooks in, GraphQL and exports out); closed by `close()`. Default: a new in-memory log. */
  purchaseEvents?: PurchaseEventLog;
  /** Meta's purchase webhook on `/webhooks/horizon`; undefined: it answers 404 saying how to turn it on. */
  webhook?: HorizonWebhookOptions;
  /** Run by `close()` once the server has stopped (e.g. closing the Redis connections). */
  onClosed?: () => Promise<void>;
  /** Serve `@requiresScopes`/`@authenticated` in the SDL (false for `@apollo/gateway`). Default true. */
  securityDirectives?: boolean;
  /**
   * Logs, metrics, spans and readiness (`createObservability`); pass the same object whose
   * `upstreamObserver` the `horizon` client was given. Default: a fresh one, which then sees no
   * upstream calls.
   */
  observability?: Observability;
  /** How long `close()` lets in-flight requests finish before cutting connections, ms. Default 10 000. */
  shutdownTimeoutMs?: number;
  /** How long `close()` keeps serving after `/readyz` turned not ready, ms. Default 0. */
  shutdownDelayMs?: number;
  /** `/exports/…` (docs/export.md): ids per players request, and calls/s when no budget paces. Default 10 000 ids, 20 calls/s. */
  exports?: { maxIds: number; maxRate?: number };
}

/** A started subgraph server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:4001` */
  url: string;
  httpServer: Server;
  /**
   * Reports not ready, keeps serving for `shutdownDelayMs` (so load balancers notice), then stops
   * accepting and lets in-flight requests finish for up to `shutdownTimeoutMs`, then resolves.
   */
  close(): Promise<void>;
}

/**
 * Express 5 + Apollo Server 5: `POST /graphql`, `GET /healthz` (liveness), `GET /readyz`
 * (started, not draining, upstream reachable), `GET /metrics` (Prometheus). Every answer is JSON
 * (metrics aside): `/graphql` answers 503 with `Retry-After` until Apollo has started, a malformed
 * body 400/413/415, an unknown path 404, each in the GraphQL error shape with a code.
 */
export async function startServer(
  options: ServerOptions,
  port: number,
  host: string,
): Promise<RunningServer> {
  const { horizon, logger } = options;
  const observability = options.observability ?? createObservability({ logger });
  const { readiness, metrics } = observability;
  metrics.trackCircuits(() => horizon.circuitStates());
  const lists = createSharedLists(options.cacheTtlMs, observability.cacheHooks, options.listInvalidation);
  const limitSettings = options.limits ?? DEFAULT_LIMITS;
  const purchaseEvents = options.purchaseEvents ?? new InMemoryPurchaseEventLog();
  const contextDeps: ContextDependencies = {
    horizon,
    lists,
    maxUpstreamCalls: limitSettings.maxUpstreamCost,
    deadlineMs: limitSettings.deadlineMs ?? DEFAULT_LIMITS.deadlineMs,
    logger,
    batchConcurrency: options.batchConcurrency,
    resolveCaller: options.resolveCaller ?? uncheckedCaller,
    idempotency: options.idempotency ?? new InMemoryIdempotencyStore(),
    loaderHooks: observability.loaderHooks,
    purchaseEvents,
  };
  const app = express();
  app.disable('x-powered-by');
  app.use(requestId);
  const { recordRefusal } = observability;
  if (options.webhook?.allowUnsigned)
    logger.warn(
      'HORIZON_WEBHOOK_ALLOW_UNSIGNED=true: /webhooks/horizon records deliveries without checking their signature; anyone who reaches it can forge purchase events',
    );
  // Meta's deliveries skip Express: they are answered from `node:http` directly (the hot path of a burst).
  const webhook = horizonWebhookHandler(options.webhook, {
    logger,
    record: recordRefusal,
    hooks: options.webhook && metrics.webhookHooks(),
  });
  const httpServer = createHttpServer((req, res) =>
    isWebhookRequest(req) ? webhook(req, res) : app(req, res),
  );
  answerClientErrors(httpServer, recordRefusal);

  const knownSizes = (): Partial<KnownSizes> => ({
    leaderboards: lists.leaderboards.size(),
    unsettledFields: (read) => horizon.unsettledFields(read),
  });
  const limits = queryLimits(limitSettings, knownSizes);
  const schema = guardEntityRepresentations(buildSchema({ securityDirectives: options.securityDirectives }));
  const introspection = options.introspection ?? true;
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (index.ts: readiness, delay, deadline, pool, exit code). Apollo's own
    // SIGTERM handler would race it, and a second stop() during Apollo's never resolves (5.5.1).
    stopOnTerminationSignals: false,
    introspection,
    validationRules: [...limits.validationRules, noSubscriptionsOverHttp],
    parseOptions: limits.parseOptions,
    plugins: [
      ...limits.plugins,
      ...(introspection ? [] : [ApolloServerPluginLandingPageDisabled()]),
      // The schema has no @cacheControl hints; the plugin would wrap every resolver for nothing
      // (16% of CPU in the benchmark).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      }),
      observability.plugin,
      // Federated traces (ftv1) for the gateway; error messages in them stay masked, so a trace
      // never tells more than the response does.
      ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    ],
    formatError: (formatted, error) => formatError(formatted, error, horizon, logger),
  });

  // Mounted once Apollo has started (and unmounted once it has stopped); until then `/graphql`
  // answers 503 JSON with Retry-After, not Express's HTML 404.
  let graphql: RequestHandler | undefined;
  app.use('/graphql', (req, res, next) => {
    if (graphql) return graphql(req, res, next);
    refuse(res, NOT_READY, recordRefusal);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await readiness.check(() => probeUpstream(horizon));
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  });
  app.use(
    '/exports',
    exportRouter({
      horizon,
      logger,
      resolveCaller: contextDeps.resolveCaller,
      record: recordRefusal,
      routerSecret: options.routerSecret,
      maxIds: options.exports?.maxIds ?? EXPORT_DEFAULTS.maxIds,
      maxRate: options.exports ? options.exports.maxRate : EXPORT_DEFAULTS.maxRate,
      batchConcurrency: options.batchConcurrency,
      purchaseEvents,
    }),
  );
  app.use(notFound(recordRefusal));
  app.use(errorHandler(recordRefusal, logger));

  // Listen before Apollo starts, so liveness, metrics and readiness (`starting`) answer at once.
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  try {
    await apollo.start();
  } catch (error) {
    httpServer.close();
    throw error;
  }

  const graphqlRoute = express.Router();
  if (options.routerSecret) graphqlRoute.use(requireRouterSecret(options.routerSecret, recordRefusal));
  else
    logger.warn('ROUTER_SECRET is not set: any client that reaches this port can call the subgraph directly');
  graphqlRoute.use(
    requireUtf8(recordRefusal),
    express.json({ limit: MAX_BODY_BYTES }),
    graphqlRequestScope,
    expressMiddleware(apollo, {
      context: async ({ req }) => createContext(contextDeps, req.headers),
    }),
  );
  graphql = graphqlRoute;
  // Subscriptions: graphql-ws on the same path, same limits, router secret and caller checks.
  const subscriptions = serveSubscriptions({
    httpServer,
    schema,
    contextDeps,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    maxUpstreamCost: limitSettings.maxUpstreamCost,
    knownSizes,
    routerSecret: options.routerSecret,
    formatError: (formatted, error) => formatError(formatted, error, horizon, logger),
    logger,
  });
  readiness.markStarted();

  const address = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
    httpServer,
    close: async () => {
      readiness.markDraining();
      if (options.shutdownDelayMs)
        await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
      // Subscribers are told to go (1001) and reconnect elsewhere; an open socket would hold the HTTP server open.
      await subscriptions.close();
      // Requests already written to us must be answered, not reset: take in what the kernel holds.
      await acceptQueueDrained(httpServer, {
        maxMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      });
      await apollo.stop();
      graphql = undefined;
      await purchaseEvents.close();
      await options.onClosed?.();
    },
  };
}

/**
 * Last line of defense for what leaves in `errors`: an upstream failure that reached this far
 * unmapped still gets its code (never masked as internal), a caller's mistake that Apollo left
 * without a code gets one (`clientMistakeCode`), unexpected errors are masked (and logged), and
 * every string — message and extensions, e.g. the upstream `type` and `fbtraceId` — is scrubbed of
 * the app's credentials and of those the request carried.
 */
function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  horizon: HorizonClient,
  logger: Logger,
): GraphQLFormattedError {
  const secrets = requestSecrets();
  const scrub = (text: string) => horizon.redact(text, secrets);
  const original = unwrapResolverError(error);
  if (original instanceof HorizonApiError) {
    const { message, extensions } = upstreamFailure(original);
    return redactDeep(
      { ...formatted, message, extensions: { ...formatted.extensions, ...extensions } },
      scrub,
    );
  }
  const mistake = clientMistakeCode(formatted, error);
  if (mistake)
    return redactDeep({ ...formatted, extensions: { ...formatted.extensions, code: mistake } }, scrub);
  if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
    logger.error({ err: scrub(String((original as Error)?.stack ?? original)) }, 'unexpected resolver error');
    return { ...formatted, message: 'Internal server error' };
  }
  return redactDeep(formatted, scrub);
}
