import type { Config } from './config.ts';
import { jwtCallerResolver, uncheckedCaller } from './graphql/auth/jwt-verifier.ts';
import {
  HorizonClient,
  SlidingWindowBudget,
  ThrottleCoolDown,
  type UpstreamAdmission,
} from './horizon/index.ts';
import { MemoryDeliveryRecorder } from './events/delivery-recorder.ts';
import { InMemoryPurchaseEventLog } from './events/memory-purchase-event-log.ts';
import { createLogger, type Logger } from './logger.ts';
import { createObservability, startTracing, type Observability } from './observability/index.ts';
import type { SharedState } from './shared-state/index.ts';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

/** Where the client sends its calls, and with which app credentials. */
export interface Upstream {
  baseUrl: string;
  appId: string;
  appSecret: string;
}

/** A subgraph started from configuration, with what its owner needs to report and shut it down. */
export interface StartedSubgraph {
  server: RunningServer;
  horizon: HorizonClient;
  logger: Logger;
  tracing: Awaited<ReturnType<typeof startTracing>>;
}

/**
 * Builds the whole subgraph from a `Config` — logger (secrets scrubbed), tracing, observability,
 * the Horizon client with its resilience, auth, limits — and starts serving. `npm start` and the
 * benchmark both start the subgraph through here, so they cannot drift apart.
 */
export async function startFromConfig(
  config: Config,
  upstream: Upstream,
  overrides: Partial<ServerOptions> = {},
): Promise<StartedSubgraph> {
  const logger = createLogger(config.logLevel, undefined, {
    pretty: config.logPretty,
    secrets: [
      upstream.appSecret,
      config.routerSecret,
      config.auth.mode === 'jwt' ? config.auth.options.jwtSecret : undefined,
      redisPassword(config.redis?.url),
      config.purchaseEvents.webhook?.secret,
      config.purchaseEvents.webhook?.verifyToken,
    ],
  });
  // Before anything serves, so the first request is traced (when OTEL_* asks for traces).
  const tracing = await startTracing();
  if (tracing.enabled) logger.info('OpenTelemetry tracing on (configured by OTEL_* variables)');
  const observability = createObservability({
    logger,
    readinessUpstreamGraceMs: config.readinessUpstreamGraceMs,
  });
  const shared = await sharedState(config, upstream.appId, logger, observability);
  const horizon = horizonClient(config, upstream, observability, shared);
  const server = await startServer(
    {
      horizon,
      logger,
      cacheTtlMs: config.cacheTtlMs,
      batchConcurrency: config.batchConcurrency,
      routerSecret: config.routerSecret,
      resolveCaller: config.auth.mode === 'jwt' ? jwtCallerResolver(config.auth.options) : uncheckedCaller,
      limits: config.limits,
      introspection: config.introspection,
      securityDirectives: config.securityDirectives,
      observability,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      shutdownDelayMs: config.shutdownDelayMs,
      idempotency: shared?.idempotency,
      listInvalidation: shared?.invalidation,
      ...purchaseEvents(config, upstream.appSecret, shared),
      onClosed: shared?.close,
      // Exports spend from HORIZON_RATE_LIMIT's budget when set, else EXPORT_MAX_RATE paces them.
      exports: {
        maxIds: config.export.maxIds,
        maxRate: config.rateLimit ? undefined : config.export.maxRate,
      },
      ...overrides,
    },
    config.port,
    config.host,
  );
  return { server, horizon, logger, tracing };
}

/**
 * The Horizon client as configured: resilience, the budget (`admission`, by default
 * HORIZON_RATE_LIMIT's, on Redis when shared), timeouts, observers. The server and the export
 * command (`src/export/cli.ts`, which passes an admission that waits for room) both build it here.
 */
export function horizonClient(
  config: Config,
  upstream: Upstream,
  observability: Observability,
  shared: SharedState | undefined,
  admission: UpstreamAdmission | undefined = budget(config, shared, observability),
): HorizonClient {
  return new HorizonClient({
    admission,
    // Meta throttles per app: a throttled replica pauses the whole fleet when shared.
    coolDown: new ThrottleCoolDown({ channel: shared?.coolDown, hooks: observability.coolDownHooks }),
    ...upstream,
    connections: config.maxConnections,
    timeoutMs: config.timeoutMs,
    writeTimeoutMs: config.writeTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    resilience: config.resilience,
    observer: observability.upstreamObserver,
    onUnknownValue: observability.onUnknownValue,
    onFieldRefused: observability.onFieldRefused,
    fieldRefusalTtlMs: config.fieldRefusalTtlMs,
    deleteConcurrency: config.deleteConcurrency,
    sharedFieldRefusals: shared?.fieldRefusals,
  });
}

/**
 * With REDIS_URL: idempotency keys, the budget and cache invalidations shared with the other
 * replicas of this app, Redis's availability in /readyz and in metrics. Connecting is not awaited.
 */
export async function sharedState(
  config: Config,
  appId: string,
  logger: Logger,
  observability: Observability,
): Promise<SharedState | undefined> {
  if (!config.redis) return undefined;
  // Loaded only with REDIS_URL: the Redis client is a large import (about 14 MB of RSS) that a
  // replica without Redis never uses.
  const { createRedisSharedState } = await import('./shared-state/index.ts');
  const { metrics, readiness } = observability;
  const shared: SharedState = createRedisSharedState({
    ...config.redis,
    appId,
    logger,
    purchaseEvents: {
      max: config.purchaseEvents.streamMax,
      dedupeTtlSeconds: config.purchaseEvents.dedupeTtlSeconds,
    },
    onInvalidationReceived: (list) => counted.onInvalidationReceived(list),
  });
  const counted = metrics.trackSharedState(() => ({
    redis: shared.available,
    invalidationsLive: shared.invalidationsLive,
  }));
  readiness.watchRedis(() => shared.available);
  logger.info({ keyPrefix: config.redis.keyPrefix }, 'shared state on Redis (REDIS_URL): connecting');
  return shared;
}

/** HORIZON_RATE_LIMIT: on Redis for the whole fleet when shared, else for this process. */
export function budget(
  config: Config,
  shared: SharedState | undefined,
  observability: Observability,
): UpstreamAdmission | undefined {
  if (!config.rateLimit) return undefined;
  const hooks = observability.metrics.budgetHooks();
  return shared
    ? shared.budget(config.rateLimit, hooks)
    : new SlidingWindowBudget(config.rateLimit, { hooks });
}

/**
 * The purchase-event log (the fleet's Redis stream when shared, else this process's last
 * HORIZON_EVENTS_MEMORY_MAX events) and, with HORIZON_WEBHOOK_VERIFY_TOKEN, the webhook that fills
 * it, signed with HORIZON_WEBHOOK_SECRET or else the app secret.
 */
function purchaseEvents(
  config: Config,
  appSecret: string,
  shared: SharedState | undefined,
): Pick<ServerOptions, 'purchaseEvents' | 'webhook'> {
  const { memoryMax, dedupeTtlSeconds, webhook } = config.purchaseEvents;
  const log = shared?.purchaseEvents ?? new InMemoryPurchaseEventLog({ max: memoryMax });
  const recorder =
    shared?.purchaseEvents ?? new MemoryDeliveryRecorder(log, { ttlSeconds: dedupeTtlSeconds });
  return {
    purchaseEvents: log,
    webhook: webhook && { ...webhook, secret: webhook.secret ?? appSecret, recorder },
  };
}

/** The password in REDIS_URL, to scrub from logs. */
export function redisPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const password = decodeURIComponent(new URL(url).password);
  return password || undefined;
}
