import type { Config } from './config.ts';
import { jwtCallerResolver, uncheckedCaller } from './graphql/auth/jwt-verifier.ts';
import { HorizonClient } from './horizon/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createObservability, startTracing } from './observability/index.ts';
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
    ],
  });
  // Before anything serves, so the first request is traced (when OTEL_* asks for traces).
  const tracing = await startTracing();
  if (tracing.enabled) logger.info('OpenTelemetry tracing on (configured by OTEL_* variables)');
  const observability = createObservability({
    logger,
    readinessUpstreamGraceMs: config.readinessUpstreamGraceMs,
  });
  const horizon = new HorizonClient({
    ...upstream,
    connections: config.maxConnections,
    timeoutMs: config.timeoutMs,
    resilience: config.resilience,
    observer: observability.upstreamObserver,
    onUnknownValue: observability.onUnknownValue,
  });
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
      ...overrides,
    },
    config.port,
    config.host,
  );
  return { server, horizon, logger, tracing };
}
