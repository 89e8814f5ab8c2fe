import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { postWebhook } from '../../src/shared/webhook-deliveries.ts';
import { startFromConfig, type StartedSubgraph } from '../../src/start-from-config.ts';
import { freePort } from '../helpers/loopback.ts';
import { PLANTED_SECRET, transcript } from '../helpers/planted-secret.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { capturedDelivery, CAPTURED_PURCHASE, metricValue } from '../helpers/webhook-deliveries.ts';

// Purchase events end to end across replicas that share Redis, as `npm start` builds them
// (startFromConfig): the emulator's own signed deliveries, Meta's retries reaching two replicas,
// a replica restart, and the entitlements read that follows a delivery. No time is asserted:
// each wait polls for up to 5 s.

const TOKEN = 'fleet-webhook-verify-token';
const APEX = '1000000000000002'; // owns nothing in the demo fixture

let redis: TestRedis;
let upstream: RunningEmulator;
let portA: number;
const replicas: StartedSubgraph[] = [];

async function replica(port = 0): Promise<StartedSubgraph> {
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    HORIZON_APP_ID: upstream.app.id,
    HORIZON_APP_SECRET: upstream.app.secret,
    AUTH_DISABLED: 'true',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    HORIZON_WEBHOOK_VERIFY_TOKEN: TOKEN,
  });
  const started = await startFromConfig(config, {
    baseUrl: upstream.url,
    appId: upstream.app.id,
    appSecret: upstream.app.secret,
  });
  replicas.push(started);
  return started;
}

async function stop(started: StartedSubgraph): Promise<void> {
  replicas.splice(replicas.indexOf(started), 1);
  await started.server.close();
  await started.horizon.close();
}

async function gql<T>(sg: StartedSubgraph, query: string): Promise<T> {
  const res = await fetch(`${sg.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const raw = await res.text();
  transcript.push(raw);
  const body = JSON.parse(raw) as { data: T; errors?: unknown };
  expect(body.errors, raw).toBeUndefined();
  return body.data;
}

interface EventNode {
  id: string;
  type: string;
  sku: string | null;
  occurredAt: string | null;
  reportingId: string | null;
  user: { id: string } | null;
}

async function events(sg: StartedSubgraph, userId?: string): Promise<EventNode[]> {
  const filter = userId ? `, userId: "${userId}"` : '';
  const data = await gql<{ purchaseEvents: { edges: { node: EventNode }[] } }>(
    sg,
    `{ purchaseEvents(first: 100${filter}) { edges { node { id type sku occurredAt reportingId user { id } } } } }`,
  );
  return data.purchaseEvents.edges.map((edge) => edge.node);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!redisReachable)('purchase events across replicas sharing Redis', () => {
  let a: StartedSubgraph;
  let b: StartedSubgraph;

  beforeAll(async () => {
    redis = await startTestRedis();
    portA = await freePort();
    // The emulator delivers to replica A, as Meta delivers to the load balancer in front of the fleet.
    upstream = await startEmulator({
      port: 0,
      app: { secret: PLANTED_SECRET },
      strict: false,
      webhook: { url: `http://127.0.0.1:${portA}/webhooks/horizon`, timeScale: 0.0001, batchMs: 5 },
    });
    a = await replica(portA);
    b = await replica();
  });

  afterAll(async () => {
    for (const started of [...replicas]) await stop(started);
    await upstream?.close();
    await redis?.close();
  });

  it("records the emulator's purchase once, readable from every replica, and the next entitlements read shows it", async () => {
    const owned = async () =>
      (
        await gql<{ user: { entitlements: { sku: string }[] } }>(
          b,
          `{ user(id: "${APEX}") { entitlements { sku } } }`,
        )
      ).user.entitlements.map((e) => e.sku);
    expect(await owned()).not.toContain('track_pack_alpine');

    const res = await fetch(`${upstream.url}/__emulator/purchases`, {
      method: 'POST',
      body: JSON.stringify({ user_id: APEX, sku: 'track_pack_alpine' }),
    });
    expect(res.status).toBe(200);
    const seen = await until(
      () => events(b, APEX),
      (list) => list.length > 0,
      'the purchase in Query.purchaseEvents on replica B',
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'PURCHASED', sku: 'track_pack_alpine', user: { id: APEX } });
    const attempts = upstream.webhooks!.attempts;
    expect(attempts.at(-1)).toMatchObject({ status: 200, fields: ['order_status'] });

    // Right after the delivery, the entitlements read shows the item (no per-player cache to go stale).
    expect(await owned()).toContain('track_pack_alpine');
    const user = await gql<{ user: { purchaseEvents: { edges: { node: EventNode }[] } } }>(
      a,
      `{ user(id: "${APEX}") { purchaseEvents(first: 5) { edges { node { id type sku } } } } }`,
    );
    expect(user.user.purchaseEvents.edges.map((e) => e.node.id)).toEqual([seen[0]!.id]);
  });

  it('keeps one event when the same delivery reaches two replicas three times, and counts the repeats', async () => {
    const body = capturedDelivery(upstream.app.id);
    const statuses = await Promise.all(
      [a, b, a].map(async (to) => {
        const res = await postWebhook(`${to.server.url}/webhooks/horizon`, body, { secret: PLANTED_SECRET });
        transcript.push(await res.text());
        return res.status;
      }),
    );
    expect(statuses).toEqual([200, 200, 200]);
    const list = await events(a, CAPTURED_PURCHASE.userId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      occurredAt: new Date(CAPTURED_PURCHASE.eventTime * 1000).toISOString(),
      reportingId: CAPTURED_PURCHASE.reportingId,
    });
    const duplicates =
      (await metricValue(a.server.url, 'horizon_webhook_deliveries_total', { outcome: 'duplicate' })) +
      (await metricValue(b.server.url, 'horizon_webhook_deliveries_total', { outcome: 'duplicate' }));
    expect(duplicates).toBe(2);
  });

  it('keeps the events when a replica restarts (they live in the Redis stream)', async () => {
    const before = await events(a);
    expect(before.length).toBeGreaterThanOrEqual(2);
    await stop(a);
    const restarted = await replica();
    expect(await events(restarted)).toEqual(before);
    a = restarted;
  });
});
