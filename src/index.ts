import { loadConfig, ConfigError } from './config.ts';
import { startEmulator } from './emulator/index.ts';
import { jwtCallerResolver, uncheckedCaller } from './graphql/auth/jwt-verifier.ts';
import { HorizonClient } from './horizon/index.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

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
  const logger = createLogger(config.logLevel);

  const emulator = config.credentials ? undefined : await startEmulator({ port: 0, host: '127.0.0.1' });
  const credentials = config.credentials ?? { appId: emulator!.app.id, appSecret: emulator!.app.secret };
  const horizon = new HorizonClient({
    baseUrl: emulator?.url ?? config.graphUrl,
    appId: credentials.appId,
    appSecret: credentials.appSecret,
    connections: config.maxConnections,
    timeoutMs: config.timeoutMs,
    resilience: config.resilience,
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
    },
    config.port,
    config.host,
  );

  if (emulator) {
    logger.warn(
      { emulator: emulator.url, appId: credentials.appId },
      'No HORIZON_APP_ID/HORIZON_APP_SECRET set: serving DEMO data from the embedded emulator, not Meta',
    );
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

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    await server.close();
    await horizon.close();
    await emulator?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
