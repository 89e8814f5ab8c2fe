/**
 * Our subgraph as the benchmark runs it: `startServer` from `src/server.ts` with a `HorizonClient`
 * pointed at the emulator, built from the environment the way `src/index.ts` builds it (so
 * `HORIZON_MAX_CONNECTIONS`, `HORIZON_BATCH_CONCURRENCY`, … apply), in its own process. The runner
 * turns on what a production deployment has on: the router secret and JWT verification.
 */
import { loadConfig } from '../src/config.ts';
import { jwtCallerResolver, uncheckedCaller } from '../src/graphql/auth/jwt-verifier.ts';
import { HorizonClient } from '../src/horizon/index.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { RequestCounter, serveRunner } from './lib/child-side.ts';

const config = loadConfig();
if (!config.credentials) throw new Error('HORIZON_APP_ID and HORIZON_APP_SECRET must name the emulator app');
const horizon = new HorizonClient({
  baseUrl: config.graphUrl,
  appId: config.credentials.appId,
  appSecret: config.credentials.appSecret,
  connections: config.maxConnections,
  timeoutMs: config.timeoutMs,
  resilience: config.resilience,
});
const server = await startServer(
  {
    horizon,
    logger: createLogger(config.logLevel),
    cacheTtlMs: config.cacheTtlMs,
    batchConcurrency: config.batchConcurrency,
    routerSecret: config.routerSecret,
    resolveCaller: config.auth.mode === 'jwt' ? jwtCallerResolver(config.auth.options) : uncheckedCaller,
    limits: config.limits,
    introspection: config.introspection,
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
      cacheTtlMs: config.cacheTtlMs,
      routerSecret: config.routerSecret !== undefined,
      auth: config.auth.mode,
      bulkhead: config.resilience.bulkhead,
    },
  },
  counter,
  async () => {
    await server.close();
    await horizon.close();
  },
);
