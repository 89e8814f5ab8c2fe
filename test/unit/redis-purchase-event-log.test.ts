import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PurchaseEvent } from '../../src/events/purchase-event-log.ts';
import { purchaseEvent } from '../helpers/purchase-events.ts';
import { isPurchaseEventId } from '../../src/events/event-ids.ts';
import { createLogger } from '../../src/logger.ts';
import { RedisConnection, RedisPurchaseEventLog } from '../../src/shared-state/index.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { until } from '../helpers/eventually.ts';

// The fleet's purchase-event log against a real Redis; each "replica" has its own connections.

const logger = createLogger('silent');
let redis: TestRedis;
const connections: RedisConnection[] = [];

/** A replica's log on a stream of its own test (`name`). */
async function replicaLog(name: string, max = 1000): Promise<RedisPurchaseEventLog> {
  const connection = new RedisConnection({ url: redis.url, logger });
  connections.push(connection);
  const base = `${redis.prefix}${name}:`;
  const log = new RedisPurchaseEventLog(connection, {
    streamKey: `${base}events`,
    dedupeKeyPrefix: `${base}seen:`,
    channel: `${base}live`,
    max,
    dedupeTtlSeconds: 60,
    logger,
  });
  connection.start();
  await until(() => connection.available && connection.subscriber.isReady, 'Redis connected');
  return log;
}

const event = purchaseEvent;

const skus = (events: PurchaseEvent[]) => events.map((e) => e.sku);

describe.skipIf(!redisReachable)('RedisPurchaseEventLog', () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis?.close();
  });

  it('stores events under stream ids, pages newest first and reads forward, from any replica', async () => {
    const a = await replicaLog('paging');
    const recorded = await a.append(['a', 'b', 'c', 'd', 'e'].map((sku) => event({ sku })));
    for (const e of recorded) expect(isPurchaseEventId(e.id)).toBe(true);
    const b = await replicaLog('paging');
    const first = await b.page({ first: 2 });
    expect(skus(first.events)).toEqual(['e', 'd']);
    expect(first.hasNextPage).toBe(true);
    const rest = await b.page({ first: 5, after: first.events[1]!.id });
    expect(skus(rest.events)).toEqual(['c', 'b', 'a']);
    expect(rest.hasNextPage).toBe(false);
    expect(rest.events[2]).toEqual(recorded[0]);
    expect(skus(await b.readForward({ after: recorded[1]!.id, count: 2 }))).toEqual(['c', 'd']);
  });

  it('filters pages by player, types and receivedAt across scan chunks', async () => {
    const log = await replicaLog('filters', 10_000);
    const many = Array.from({ length: 1200 }, (_, i) =>
      event({ sku: `n${i}`, userId: i % 400 === 7 ? '42' : '1', type: i === 3 ? 'REFUNDED' : 'PURCHASED' }),
    );
    await log.append(many);
    // A player's pages read the player's own stream (same ids), not everyone's events.
    const connection = connections[connections.length - 1]!;
    expect(await connection.client.xLen(`${redis.prefix}filters:events:user:42`)).toBe(3);
    const mine = await log.page({ first: 2, userId: '42' });
    expect(skus(mine.events)).toEqual(['n807', 'n407']);
    expect(mine.hasNextPage).toBe(true);
    expect(skus((await log.page({ first: 5, userId: '42', after: mine.events[1]!.id })).events)).toEqual([
      'n7',
    ]);
    expect(skus((await log.page({ first: 5, types: ['REFUNDED'] })).events)).toEqual(['n3']);
    const future = new Date(Date.now() + 60_000);
    expect((await log.page({ first: 5, since: future })).events).toEqual([]);
    expect(await log.readForward({ since: future, count: 5 })).toEqual([]);
  });

  it('records a delivery key once, however many replicas race with it', async () => {
    const [a, b] = [await replicaLog('dedupe'), await replicaLog('dedupe')];
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).record([{ key: 'k1', event: event() }])),
    );
    expect(outcomes.reduce((n, o) => n + o.recorded.length, 0)).toBe(1);
    expect(outcomes.reduce((n, o) => n + o.duplicates, 0)).toBe(5);
    // A batch with a new key and a known one, and the same new key twice: one new event.
    const mixed = await a.record([
      { key: 'k1', event: event() },
      { key: 'k2', event: event({ sku: 'second' }) },
      { key: 'k2', event: event({ sku: 'second' }) },
    ]);
    expect(skus(mixed.recorded)).toEqual(['second']);
    expect(mixed.duplicates).toBe(2);
    expect(skus((await b.page({ first: 10 })).events)).toEqual(['second', 'sword_of_light']);
  });

  it("tells every replica's subscribers of an event appended on any of them", async () => {
    const [a, b] = [await replicaLog('live'), await replicaLog('live')];
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.subscribe((e) => heardA.push(e.sku!));
    const stop = b.subscribe((e) => heardB.push(e.sku!));
    await a.record([{ key: 'live-1', event: event({ sku: 'x' }) }]);
    await b.append([event({ sku: 'y' })]);
    await until(() => heardA.length === 2 && heardB.length === 2, 'both replicas heard both events');
    expect(heardA.sort()).toEqual(['x', 'y']);
    expect(heardB.sort()).toEqual(['x', 'y']);
    stop();
    await a.append([event({ sku: 'z' })]);
    await until(() => heardA.length === 3, 'replica A heard the third event');
    expect(heardB).toHaveLength(2);
  });

  it('keeps about HORIZON_EVENTS_MAX events (MAXLEN ~)', async () => {
    const log = await replicaLog('bounded', 1000);
    for (let i = 0; i < 5; i += 1) await log.append(Array.from({ length: 500 }, () => event()));
    const connection = connections[connections.length - 1]!;
    const length = await connection.client.xLen(`${redis.prefix}bounded:events`);
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(2500);
  });
});
