/**
 * `npm run example:supergraph`: a whole supergraph in one process, to try the subgraph the way a
 * gateway uses it. It starts
 *
 * - the Horizon subgraph, configured from the environment exactly like `npm start` (no Meta
 *   credentials: the embedded emulator with the demo data), on `PORT` (4001);
 * - a small accounts subgraph (`accounts.graphql`) on `ACCOUNTS_PORT` (4002);
 * - `@apollo/gateway` composing both from their running SDL, on `GATEWAY_PORT` (4000).
 *
 * The gateway forwards `authorization` and `x-horizon-user-token` from its callers to the Horizon
 * subgraph, and sends `router-authorization` when `ROUTER_SECRET` is set — what `router.yaml`
 * does for Apollo Router. Ctrl-C stops everything.
 */
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { loadConfig } from '../../src/config.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { startFromConfig } from '../../src/start-from-config.ts';
import { startAccountsSubgraph } from './accounts-subgraph.ts';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const host = process.env.HOST ?? '127.0.0.1';
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

// The Horizon subgraph, as `npm start` builds it.
const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, HOST: host });
const emulator = config.credentials ? undefined : await startEmulator({ port: 0, host: '127.0.0.1' });
const horizon = await startFromConfig(config, {
  baseUrl: emulator?.url ?? config.graphUrl,
  ...(config.credentials ?? { appId: emulator!.app.id, appSecret: emulator!.app.secret }),
});
const horizonUrl = `${horizon.server.url}/graphql`;

const accounts = await startAccountsSubgraph(port('ACCOUNTS_PORT', 4002), host);

/** What the gateway passes on to the subgraphs from each incoming request. */
interface Forwarded {
  authorization?: string;
  userToken?: string;
}

const gateway = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'horizon', url: horizonUrl },
        { name: 'accounts', url: accounts.url },
      ],
      introspectionHeaders: config.routerSecret ? { 'router-authorization': config.routerSecret } : {},
    }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<Forwarded>({
        url,
        willSendRequest({ request, context }) {
          if (name !== 'horizon') return;
          const headers = request.http!.headers;
          if (config.routerSecret) headers.set('router-authorization', config.routerSecret);
          if (context.authorization) headers.set('authorization', context.authorization);
          if (context.userToken) headers.set('x-horizon-user-token', context.userToken);
        },
      }),
  }),
});
const { url: gatewayUrl } = await startStandaloneServer(gateway, {
  listen: { port: port('GATEWAY_PORT', 4000), host },
  context: async ({ req }): Promise<Forwarded> => ({
    authorization: req.headers.authorization,
    userToken: req.headers['x-horizon-user-token'] as string | undefined,
  }),
});

console.log(`horizon subgraph: ${horizonUrl}${emulator ? ' (demo data from the embedded emulator)' : ''}`);
console.log(`accounts subgraph: ${accounts.url}`);
console.log(`gateway ready at ${gatewayUrl}`);
console.log(`Try a query across both subgraphs:
  curl -s ${gatewayUrl} -H 'content-type: application/json' \\
    -d '{"query":"{ accounts { name alias achievements { apiName isUnlocked } leaderboardEntry(leaderboard: \\"GLOBAL_HIGH_SCORE\\") { rank score } } }"}'`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.stop();
  await accounts.stop();
  await horizon.server.close();
  await horizon.horizon.close();
  await emulator?.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
