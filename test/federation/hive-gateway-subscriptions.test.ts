import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import wsTransport from '@graphql-mesh/transport-ws';
import type { Transport } from '@graphql-mesh/transport-common';
import { getOperationAST, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import { withoutSecurityDirectives } from '../../src/graphql/auth/enforce-scopes.ts';
import { typeDefs } from '../../src/graphql/schema.ts';
import { until } from '../helpers/graphql-ws-client.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { purchaseEvent } from '../helpers/purchase-events.ts';
import { accountsSdl, startAccountsSubgraph } from './accounts-subgraph.ts';

// Subscriptions through a real gateway. @apollo/gateway cannot run subscriptions, so this uses Hive
// Gateway (`@graphql-hive/gateway-runtime`) on a supergraph composed from our SDL and the accounts
// subgraph: the client subscribes to the gateway over SSE, the gateway subscribes to our subgraph
// over graphql-ws (`@graphql-mesh/transport-ws`, the router secret in `connection_init`) and
// joins each event's player with the accounts subgraph over HTTP.

const ROUTER_SECRET = 'router-secret-for-the-hive-gateway-test';
const ALICE = '1000000000000001';

let horizon: SubgraphHandle;
let log: InMemoryPurchaseEventLog;
let accounts: { url: string; close(): Promise<void> };
let gateway: GatewayRuntime;
let gatewayServer: Server;
let gatewayUrl: string;

/**
 * The gateway's transport for both subgraphs: queries and entity fetches as HTTP POST, and
 * subscriptions handed to the graphql-ws transport. (Hive Gateway's own HTTP transport,
 * `@graphql-mesh/transport-http`, is not a dependency here; this is the part of it we need.)
 */
const httpWithWsSubscriptions: Transport = {
  async getSubgraphExecutor(options) {
    const { location, headers } = options.transportEntry;
    const subscriptions = await wsTransport.getSubgraphExecutor(options);
    return async (request) => {
      if (getOperationAST(request.document, request.operationName)?.operation === 'subscription')
        return subscriptions(request);
      const res = await fetch(location!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...Object.fromEntries(headers ?? []) },
        body: JSON.stringify({
          query: print(request.document),
          variables: request.variables,
          operationName: request.operationName,
        }),
      });
      return res.json();
    };
  },
};

beforeAll(async () => {
  log = new InMemoryPurchaseEventLog();
  horizon = await subgraph({ routerSecret: ROUTER_SECRET, server: { purchaseEvents: log } });
  accounts = await startAccountsSubgraph([{ id: ALICE, name: 'Alice', email: 'alice@example.test' }]);
  const composed = composeServices([
    { name: 'horizon', url: `${horizon.url}/graphql`, typeDefs: withoutSecurityDirectives(typeDefs) },
    { name: 'accounts', url: accounts.url, typeDefs: parse(accountsSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('; '));
  gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    transports: { http: httpWithWsSubscriptions },
    transportEntries: {
      horizon: {
        headers: [['router-authorization', ROUTER_SECRET]],
        options: { connectionParams: { 'router-authorization': ROUTER_SECRET } },
      },
    },
    logging: false,
  });
  gatewayServer = createServer(gateway);
  await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await gateway?.dispose();
  gatewayServer?.closeAllConnections();
  await new Promise((resolve) => gatewayServer?.close(resolve));
  await accounts?.close();
  await horizon?.close();
});

/** Subscribes to the gateway over SSE; `events` fills as `next` events arrive. */
function subscribeThroughGateway(query: string) {
  const controller = new AbortController();
  const events: { data?: Record<string, unknown>; errors?: unknown[] }[] = [];
  const done = (async () => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (/^event: next$/m.test(message) && data) events.push(JSON.parse(data));
      }
    }
  })().catch((error: unknown) => {
    if ((error as Error).name !== 'AbortError') throw error;
  });
  return { events, stop: () => controller.abort(), done };
}

describe('Subscription.purchaseEvents through Hive Gateway', () => {
  it('relays each event end to end, joined with the accounts subgraph', async () => {
    const sub = subscribeThroughGateway(
      `subscription { purchaseEvents(userId: "${ALICE}") { id type sku user { id name } } }`,
    );
    try {
      // Events are not replayed: append until the gateway's subscription to our subgraph is live.
      const recorded: string[] = [];
      await until(() => {
        if (sub.events.length === 0)
          void log.append([purchaseEvent({ sku: 'sword_of_light', userId: ALICE })]).then(([e]) => {
            recorded.push(e!.id);
          });
        return sub.events.length > 0;
      }, 'an event through the gateway');
      const [first] = sub.events;
      expect(first!.errors).toBeUndefined();
      expect(recorded).toContain((first!.data!.purchaseEvents as { id: string }).id);
      expect(first!.data).toEqual({
        purchaseEvents: {
          id: expect.any(String),
          type: 'PURCHASED',
          sku: 'sword_of_light',
          user: { id: ALICE, name: 'Alice' },
        },
      });
      // Another player's event is filtered out by our subgraph; the next of Alice's comes through.
      const count = sub.events.length;
      await log.append([
        purchaseEvent({ sku: 'not-alices', userId: '1000000000000002' }),
        purchaseEvent({ sku: 'refund', userId: ALICE, type: 'REFUNDED' }),
      ]);
      await until(
        () => sub.events.some((e) => (e.data?.purchaseEvents as { sku: string }).sku === 'refund'),
        'the refund',
      );
      const later = sub.events.slice(count).map((e) => (e.data!.purchaseEvents as { sku: string }).sku);
      expect(later.filter((sku) => sku !== 'sword_of_light')).toEqual(['refund']);
    } finally {
      sub.stop();
      await sub.done;
    }
  });
});
