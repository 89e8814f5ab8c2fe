import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { startEmulator } from './emulator/index.ts';
import { startFromConfig } from './start-from-config.ts';

/**
 * `npm start`: reads the environment, and with no Meta credentials starts the embedded emulator
 * on a loopback port with the demo fixture, then serves the subgraph.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const emulator = config.credentials
    ? undefined
    : await startEmulator({
        port: 0,
        host: '127.0.0.1',
        latencyMs: config.emulatorLatencyMs,
        ...config.emulatorMode,
      });
  const credentials = config.credentials ?? { appId: emulator!.app.id, appSecret: emulator!.app.secret };
  let started;
  try {
    started = await startFromConfig(config, { baseUrl: emulator?.url ?? config.graphUrl, ...credentials });
  } catch (error) {
    const problem = listenProblem(error, config);
    if (!problem) throw error;
    console.error(problem);
    process.exit(1);
  }
  const { server, horizon, logger, tracing } = started;

  if (emulator) {
    logger.warn(
      {
        emulator: emulator.url,
        appId: credentials.appId,
        // Players of the demo data worth a look; fixtures/README.md says what is special about each.
        demoUsers: {
          '1000000000000001': 'NovaDrift: friends, purchases, subscriber, ranked everywhere',
          '1000000000000002': 'ApexOverflow: #1 with a score above 2^53',
          '1000000000000005': 'WindowShopper: does not own the app',
          '1000000000000010': 'CoinCollector: consumables to consume, durables to refund',
        },
      },
      'No HORIZON_APP_ID/HORIZON_APP_SECRET set: serving DEMO data from the embedded emulator, not Meta',
    );
    if (!process.env.HOST) {
      logger.warn(
        `Demo mode listens on ${config.host} only (auth is off): set HOST=0.0.0.0 to reach it from other machines`,
      );
    }
    logger.info(
      `Try it:\n  curl -s ${server.url}/graphql -H 'content-type: application/json' \\\n    -d '{"query":"{ user(id: \\"1000000000000001\\") { alias achievements { apiName isUnlocked progress } } }"}'`,
    );
  }
  if (config.auth.mode === 'disabled') {
    logger.warn(
      'AUTH IS DISABLED: every caller may run every mutation (refunds, resets, score writes). ' +
        'Set AUTH_JWT_SECRET or AUTH_JWKS_URL before exposing this subgraph.',
    );
  }
  logger.info({ url: `${server.url}/graphql`, upstream: horizon.toJSON().baseUrl }, 'subgraph ready');

  // Shutdown: /readyz turns not ready, serving goes on for SHUTDOWN_DELAY_MS, then the server
  // stops accepting and in-flight requests get up to SHUTDOWN_TIMEOUT_MS before their connections
  // are cut; then the upstream pool closes, spans are flushed, and the process exits 0. A
  // watchdog exits 1 if any of that hangs well past the deadline.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.shutdownDelayMs + config.shutdownTimeoutMs;
    setTimeout(
      () => {
        logger.error({ signal }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      },
      deadline - Date.now() + 5_000,
    ).unref();
    logger.info(
      { signal, delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: not ready, draining in-flight requests',
    );
    try {
      await server.close();
      // Upstream calls of requests cut at the deadline may still be running: wait for them only
      // as long as the deadline allows.
      await Promise.race([horizon.close(), delay(Math.max(0, deadline - Date.now()))]);
      await emulator?.close();
      await tracing.shutdown();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * One line naming HOST or PORT for the ways listening fails because of them, instead of a stack
 * trace; undefined for anything else.
 */
function listenProblem(error: unknown, config: Config): string | undefined {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const at = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE') {
    return `PORT ${config.port} is already in use (listening on ${at}): stop the other process or set PORT to a free port`;
  }
  if (code === 'EACCES') {
    return `PORT ${config.port} needs privileges this process does not have: set PORT above 1023 (default 4001)`;
  }
  if (code === 'EADDRNOTAVAIL' || syscall === 'getaddrinfo') {
    return `HOST "${config.host}" is not an address of this machine (${code}): set HOST to 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of its addresses`;
  }
  return undefined;
}

await main();
