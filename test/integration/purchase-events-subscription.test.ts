import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import type { PurchaseEventLog } from '../../src/events/purchase-event-log.ts';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { WS_FORBIDDEN } from '../../src/graphql-ws-server.ts';
import { createLogger } from '../../src/logger.ts';
import { RedisConnection, RedisPurchaseEventLog } from '../../src/shared-state/index.ts';
import { subscribe, until, type TestSubscription } from '../helpers/graphql-ws-client.ts';
import { emulator, subgraph, type EmulatorHandle, type SubgraphHandle } from '../helpers/harness.ts';
import { callerToken, JWT_KEY, purchaseEvent } from '../helpers/purchase-events.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';
import { orderStatusChange, postWebhook, webhookBody } from '../../src/shared/webhook-deliveries.ts';

// Subscription.purchaseEvents over graphql-ws on /graphql, against a real server on loopback: an
// event appended to the log reaches the subscribed client; the router secret and the caller's JWT
// are checked on the WebSocket (upgrade headers or connection_init); close() ends subscriptions.
// No test asserts a time: each waits for what it expects, up to a generous 5 s.

const ALICE = '1000000000000001';
const BOB = '1000000000000002';
const ROUTER_SECRET = 'router-secret-for-the-subscription-tests';
const ALL = `subscription { purchaseEvents { id type sku user { id } } }`;

let sg: SubgraphHandle;
let log: InMemoryPurchaseEventLog;
let reader: string;
const open: TestSubscription[] = [];

/** A subscription with the router secret and the reader's token in connection_init unless told otherwise. */
function client(
  query: string,
  options: Parameters<typeof subscribe>[2] = {},
  url = sg.url,
): TestSubscription {
  const sub = subscribe(url, query, {
    connectionParams: { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${reader}` },
    ...options,
  });
  open.push(sub);
  return sub;
}

/**
 * Waits until `sub` is subscribed: the server tells its log's listeners nothing about sockets, so
 * a probe event is appended until one reaches the client (events before subscribing are not replayed).
 */
async function subscribed(sub: TestSubscription, into: PurchaseEventLog = log): Promise<void> {
  await sub.connected;
  const before = sub.results.length;
  const deadline = Date.now() + 5_000;
  while (sub.results.length === before) {
    if (Date.now() > deadline) throw new Error('the subscription received no probe event within 5 s');
    await into.append([purchaseEvent({ sku: 'probe', userId: ALICE, type: 'REFUNDED' })]);
    await until(() => sub.results.length > before || Boolean(sub.error), 'probe', 200).catch(() => {});
    if (sub.error) throw new Error(`subscription failed: ${JSON.stringify(sub.error)}`);
  }
  sub.results.length = 0;
}

/** The skus a client received, the probes of `subscribed` (for any client) left out. */
const skus = (sub: TestSubscription) =>
  sub.results
    .map((r) => (r.data as { purchaseEvents: { sku: string } }).purchaseEvents.sku)
    .filter((sku) => sku !== 'probe');

beforeAll(async () => {
  log = new InMemoryPurchaseEventLog();
  reader = await callerToken('horizon:purchases:read');
  sg = await subgraph({
    routerSecret: ROUTER_SECRET,
    server: { purchaseEvents: log, resolveCaller: jwtCallerResolver({ jwtSecret: JWT_KEY }) },
  });
});

afterAll(async () => {
  await Promise.all(open.map((sub) => sub.dispose()));
  await sg?.close();
});

describe('Subscription.purchaseEvents over graphql-ws', () => {
  it('delivers each appended event to the client, with fields below the event resolved per event', async () => {
    const sub = client(`subscription { purchaseEvents { id type sku occurredAt test user { id alias } } }`);
    await subscribed(sub);
    const [recorded] = await log.append([purchaseEvent({ sku: 'sword_of_light', userId: ALICE })]);
    await until(() => sub.results.length >= 1, 'the event');
    expect(sub.results[0]!.errors).toBeUndefined();
    expect(sub.results[0]!.data).toEqual({
      purchaseEvents: {
        id: recorded!.id,
        type: 'PURCHASED',
        sku: 'sword_of_light',
        occurredAt: '2026-06-02T10:15:19.000Z',
        test: false,
        user: { id: ALICE, alias: expect.any(String) },
      },
    });
    // A second event is executed with a context of its own (its own loaders and budget).
    await log.append([purchaseEvent({ sku: 'second', userId: BOB })]);
    await until(() => sub.results.length >= 2, 'the second event');
    expect(sub.results[1]!.data).toMatchObject({ purchaseEvents: { sku: 'second', user: { id: BOB } } });
  });

  it('passes on only the events of the player and types asked for', async () => {
    const everything = client(ALL);
    const aliceRefunds = client(
      `subscription($userId: ID, $types: [PurchaseEventType!]) { purchaseEvents(userId: $userId, types: $types) { sku } }`,
      { variables: { userId: ALICE, types: ['REFUNDED', 'CHARGEBACKED'] } },
    );
    await subscribed(everything);
    await subscribed(aliceRefunds);
    await log.append([
      purchaseEvent({ sku: 'a-bought', userId: ALICE }),
      purchaseEvent({ sku: 'b-refund', userId: BOB, type: 'REFUNDED' }),
      purchaseEvent({ sku: 'a-refund', userId: ALICE, type: 'REFUNDED' }),
      purchaseEvent({ sku: 'a-chargeback', userId: ALICE, type: 'CHARGEBACKED' }),
    ]);
    await until(() => skus(everything).length >= 4, 'all four events');
    await until(() => skus(aliceRefunds).includes('a-chargeback'), 'the last matching event');
    expect(skus(everything)).toEqual(['a-bought', 'b-refund', 'a-refund', 'a-chargeback']);
    expect(skus(aliceRefunds)).toEqual(['a-refund', 'a-chargeback']);
  });

  it('also takes the credentials from the upgrade request headers', async () => {
    const sub = client(ALL, {
      connectionParams: {},
      headers: { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${reader}` },
    });
    await subscribed(sub);
    await log.append([purchaseEvent({ sku: 'via-headers' })]);
    await until(() => skus(sub).includes('via-headers'), 'the event');
  });
});

describe('access on the WebSocket', () => {
  it('closes the connection (4403) without the router secret or with a wrong one, before any subscription', async () => {
    const missing = client(ALL, { connectionParams: { authorization: `Bearer ${reader}` } });
    const wrong = client(ALL, {
      connectionParams: { 'router-authorization': 'not-the-secret', authorization: `Bearer ${reader}` },
    });
    for (const sub of [missing, wrong]) {
      await until(() => Boolean(sub.closed), 'the close');
      expect(sub.closed!.code).toBe(WS_FORBIDDEN);
      expect(sub.closed!.reason).toMatch(/router-authorization/);
      expect(sub.closed!.reason).not.toContain('not-the-secret');
    }
    await log.append([purchaseEvent({ sku: 'not-for-them' })]);
    expect(missing.results).toEqual([]);
    expect(wrong.results).toEqual([]);
  });

  it('closes the connection (4403) when the bearer token does not verify', async () => {
    const forged = await callerToken('horizon:purchases:read', 'a-key-that-is-not-the-servers-key-000');
    const sub = client(ALL, {
      connectionParams: { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${forged}` },
    });
    await until(() => Boolean(sub.closed), 'the close');
    expect(sub.closed!.code).toBe(WS_FORBIDDEN);
    expect(sub.closed!.reason).toMatch(/bearer token was refused/);
    expect(sub.results).toEqual([]);
  });

  it('refuses the subscription itself without horizon:purchases:read (FORBIDDEN) or without a token (UNAUTHENTICATED)', async () => {
    const other = await callerToken('horizon:achievements:write');
    const forbidden = client(ALL, {
      connectionParams: { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${other}` },
    });
    const anonymous = client(ALL, { connectionParams: { 'router-authorization': ROUTER_SECRET } });
    const outcome = (sub: TestSubscription) =>
      sub.results[0]?.errors?.[0]?.extensions?.code ??
      (sub.error as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;
    await until(() => outcome(forbidden) !== undefined && outcome(anonymous) !== undefined, 'both refusals');
    expect(outcome(forbidden)).toBe('FORBIDDEN');
    expect(outcome(anonymous)).toBe('UNAUTHENTICATED');
    await log.append([purchaseEvent({ sku: 'not-for-them' })]);
    for (const sub of [forbidden, anonymous]) {
      expect(sub.results.filter((r) => r.data)).toEqual([]);
      expect(JSON.stringify(sub.results)).not.toContain('not-for-them');
    }
  });

  it('ends a subscription whose token expired since it was admitted, without the event (UNAUTHENTICATED)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await new SignJWT({ scope: 'horizon:purchases:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(JWT_KEY));
    const sub = client(ALL, {
      connectionParams: { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${shortLived}` },
    });
    await subscribed(sub);
    await until(() => Date.now() > (exp + 1) * 1000, 'the token to expire');
    await log.append([purchaseEvent({ sku: 'after-expiry' })]);
    await until(() => Boolean(sub.error), 'the end of the subscription');
    expect((sub.error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(skus(sub)).toEqual([]);
  });

  it('serves only subscriptions on the socket, and HTTP still refuses them with OPERATION_NOT_SUPPORTED', async () => {
    const query = client(`{ purchaseEvents { edges { cursor } } }`);
    await until(() => Boolean(query.error), 'the refusal');
    expect((query.error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('BAD_REQUEST');
    const overHttp = await sg.gql(
      ALL,
      {},
      { 'router-authorization': ROUTER_SECRET, authorization: `Bearer ${reader}` },
    );
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors?.[0]?.extensions?.code, overHttp.raw).toBe('OPERATION_NOT_SUPPORTED');
  });
});

describe('the upgrade request', () => {
  it('is taken on /graphql only: another path answers a JSON 404 and no socket is opened', async () => {
    const ws = new WebSocket(`${sg.url.replace(/^http/, 'ws')}/webhooks/horizon`, 'graphql-transport-ws');
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      ws.once('open', () => reject(new Error('a socket was opened')));
      ws.once('error', () => {});
    });
    expect(status).toBe(404);
  });
});

describe('limits on the WebSocket', () => {
  it('refuses a subscription whose events would each cost more upstream calls than MAX_UPSTREAM_COST', async () => {
    const small = await subgraph({
      upstream: sg.emulator,
      server: {
        limits: { maxUpstreamCost: 2, maxDepth: 15, maxAliases: 30, maxTokens: 3000, maxDirectives: 30 },
      },
    });
    try {
      const costly = subscribe(
        small.url,
        `subscription { purchaseEvents { user { alias entitlements { sku } subscriptions { sku } } } }`,
      );
      const cheap = subscribe(small.url, `subscription { purchaseEvents { sku user { id } } }`);
      open.push(costly, cheap);
      await until(() => Boolean(costly.error), 'the refusal');
      expect((costly.error as { extensions?: Record<string, unknown> }[])[0]?.extensions).toMatchObject({
        code: 'QUERY_TOO_EXPENSIVE',
        limit: 2,
      });
      await cheap.connected;
      expect(cheap.error).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});

describe('shutdown', () => {
  it('close() ends open subscriptions (1001, going away) and resolves', async () => {
    const own = await subgraph({
      upstream: sg.emulator,
      server: { purchaseEvents: new InMemoryPurchaseEventLog() },
    });
    const sub = subscribe(own.url, ALL);
    open.push(sub);
    await sub.connected;
    await own.close();
    await until(() => Boolean(sub.closed), 'the close');
    expect(sub.closed!.code).toBe(1001);
  });
});

describe.skipIf(!redisReachable)('two replicas sharing Redis', () => {
  let redis: TestRedis;
  let upstream: EmulatorHandle;
  const replicas: SubgraphHandle[] = [];
  const connections: RedisConnection[] = [];
  const replicaLogs: RedisPurchaseEventLog[] = [];
  const logger = createLogger('silent');

  async function replicaLog(): Promise<RedisPurchaseEventLog> {
    const connection = new RedisConnection({ url: redis.url, logger });
    connections.push(connection);
    const log = new RedisPurchaseEventLog(connection, {
      streamKey: `${redis.prefix}events`,
      dedupeKeyPrefix: `${redis.prefix}seen:`,
      channel: `${redis.prefix}events:live`,
      max: 1000,
      dedupeTtlSeconds: 60,
      logger,
    });
    connection.start();
    await until(() => connection.available && connection.subscriber.isReady, 'Redis');
    return log;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await emulator();
    for (let i = 0; i < 2; i += 1) {
      replicaLogs.push(await replicaLog());
      const log = replicaLogs[i]!;
      const webhook = { verifyToken: 'verify-token', secret: PLANTED_SECRET, recorder: log };
      replicas.push(await subgraph({ upstream, server: { purchaseEvents: log, webhook } }));
    }
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    for (const connection of connections) await connection.close();
    await upstream?.close();
    await redis?.close();
  });

  it('an event appended on one replica reaches a subscriber of the other', async () => {
    const onB = subscribe(replicas[1]!.url, ALL);
    open.push(onB);
    // Probes through replica A's log until B's subscriber hears one: B then listens on the channel.
    await subscribed(onB, replicaLogs[0]!);
    await replicaLogs[0]!.append([purchaseEvent({ sku: 'from-a' })]);
    await until(() => skus(onB).includes('from-a'), 'the event from replica A');
    expect(skus(onB)).toEqual(['from-a']);
  });

  it('a signed delivery to one replica reaches a subscriber of the other once, however often Meta sends it', async () => {
    const onB = subscribe(
      replicas[1]!.url,
      `subscription { purchaseEvents(userId: "${ALICE}") { type sku occurredAt user { id } } }`,
    );
    open.push(onB);
    await subscribed(onB, replicaLogs[0]!);
    const body = webhookBody([
      {
        id: '1176155782242424',
        changes: [
          orderStatusChange({
            userId: ALICE,
            sku: 'from-meta',
            notificationType: 'PURCHASED',
            eventTime: 1780420519,
          }),
        ],
      },
    ]);
    // Meta retries: the same delivery to replica A, to B, and to A again.
    for (const replica of [replicas[0]!, replicas[1]!, replicas[0]!]) {
      const res = await postWebhook(`${replica.url}/webhooks/horizon`, body, { secret: PLANTED_SECRET });
      expect(res.status).toBe(200);
    }
    await until(() => skus(onB).includes('from-meta'), 'the delivered event');
    // A later event shows that nothing else was on its way: the repeats were dropped.
    await replicaLogs[1]!.append([purchaseEvent({ sku: 'marker', userId: ALICE })]);
    await until(() => skus(onB).includes('marker'), 'the marker');
    expect(skus(onB)).toEqual(['from-meta', 'marker']);
    expect(onB.results.find((r) => JSON.stringify(r).includes('from-meta'))!.data).toEqual({
      purchaseEvents: {
        type: 'PURCHASED',
        sku: 'from-meta',
        occurredAt: new Date(1780420519 * 1000).toISOString(),
        user: { id: ALICE },
      },
    });
  });
});
