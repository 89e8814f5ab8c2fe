/**
 * Our subgraph as the benchmark runs it: built from the environment exactly the way `src/index.ts`
 * builds it (logger, observability, client resilience, auth, limits), with the emulator started
 * by the runner as upstream, in its own process. The runner turns on what a production deployment
 * has on: the router secret and JWT verification; everything else is the default configuration
 * (`HORIZON_MAX_CONNECTIONS`, `HORIZON_BATCH_CONCURRENCY`, `LOG_LEVEL`, … apply when set).
 *
 * Keep in step with `src/index.ts` (only the embedded emulator and signal handling are left out).
 */
import { loadConfig } from '../src/config.ts';
import { jwtCallerResolver, uncheckedCaller } from '../src/graphql/auth/jwt-verifier.ts';
import { HorizonClient } from '../src/horizon/index.ts';
import { createLogger } from '../src/logger.ts';
import { createObservability, startTracing } from '../src/observability/index.ts';
import { startServer } from '../src/server.ts';
import { RequestCounter, serveRunner } from './lib/child-side.ts';

const config = loadConfig();
if (!config.credentials) throw new Error('HORIZON_APP_ID and HORIZON_APP_SECRET must name the emulator app');
const logger = createLogger(config.logLevel, undefined, {
  pretty: config.logPretty,
  secrets: [
    config.credentials.appSecret,
    config.routerSecret,
    config.auth.mode === 'jwt' ? config.auth.options.jwtSecret : undefined,
  ],
});
const tracing = await startTracing();
const observability = createObservability({
  logger,
  readinessUpstreamGraceMs: config.readinessUpstreamGraceMs,
});
const horizon = new HorizonClient({
  baseUrl: config.graphUrl,
  appId: config.credentials.appId,
  appSecret: config.credentials.appSecret,
  connections: config.maxConnections,
  timeoutMs: config.timeoutMs,
  resilience: config.resilience,
  observer: observability.upstreamObserver,
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
    shutdownTimeoutMs: 1000,
    shutdownDelayMs: 0,
  },
  0,
  '127.0.0.1',
);
const counter = new RequestCounter();
server.httpServer.on('request', (req, res) => counter.track(req, res));
serveRunner(
  {
    urls: { main: server.url },
    info: {
      maxConnections: config.maxConnections,
      batchConcurrency: config.batchConcurrency,
      bulkhead: config.resilience.bulkhead,
      cacheTtlMs: config.cacheTtlMs,
      logLevel: config.logLevel,
      routerSecret: config.routerSecret !== undefined,
      auth: config.auth.mode,
      tracing: tracing.enabled,
    },
  },
  counter,
  async () => {
    await server.close();
    await horizon.close();
    await tracing.shutdown();
  },
);
