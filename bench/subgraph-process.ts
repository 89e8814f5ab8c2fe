/**
 * Our subgraph as the benchmark runs it: built from the environment by `startFromConfig`, as
 * `npm start` builds it (logger, observability, client resilience, auth, limits), with the emulator started
 * by the runner as upstream, in its own process. The runner turns on what a production deployment
 * has on: the router secret and JWT verification; everything else is the default configuration
 * (`HORIZON_MAX_CONNECTIONS`, `HORIZON_BATCH_CONCURRENCY`, `LOG_LEVEL`, … apply when set).
 */
import { loadConfig } from '../src/config.ts';
import { startFromConfig } from '../src/start-from-config.ts';
import { RequestCounter, serveRunner } from './lib/child-side.ts';

const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
if (!config.credentials) throw new Error('HORIZON_APP_ID and HORIZON_APP_SECRET must name the emulator app');
const { server, horizon, tracing } = await startFromConfig(
  config,
  { baseUrl: config.graphUrl, ...config.credentials },
  { shutdownTimeoutMs: 1000, shutdownDelayMs: 0 },
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
