import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStoreUnavailableError } from '../../src/graphql/mutations/idempotency-store.ts';
import { createLogger } from '../../src/logger.ts';
import {
  RedisConnection,
  RedisIdempotencyStore,
  RedisListInvalidation,
  RedisSlidingWindowBudget,
} from '../../src/shared-state/index.ts';
import { until } from '../helpers/eventually.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';

// The shared-state pieces against a real Redis, each "replica" with its own connections.

const logger = createLogger('silent');
let redis: TestRedis;
const connections: RedisConnection[] = [];

async function replica(url = redis.url): Promise<RedisConnection> {
  const connection = new RedisConnection({ url, logger });
  connections.push(connection);
  connection.start();
  if (url === redis.url)
    await until(() => connection.available && connection.subscriber.isReady, 'Redis connected');
  return connection;
}

const pending = () => new Promise<unknown>(() => undefined);

describe.skipIf(!redisReachable)('shared state on Redis', () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis?.close();
  });

  describe('RedisIdempotencyStore', () => {
    const store = (connection: RedisConnection, leaseMs?: number) =>
      new RedisIdempotencyStore(connection, { keyPrefix: `${redis.prefix}idem:`, logger, leaseMs });

    it('lets exactly one of many concurrent claims of a key from two replicas through', async () => {
      const [a, b] = [store(await replica()), store(await replica())];
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('k-race', 'fp', pending())),
      );
      expect(claims.filter((c) => c === undefined)).toHaveLength(1);
      for (const c of claims.filter(Boolean))
        expect(c).toMatchObject({ state: 'in_flight', fingerprint: 'fp' });
      a.close();
      b.close();
    });

    it('gives another replica the stored outcome, and a repeat on the same replica the running attempt', async () => {
      const [a, b] = [store(await replica()), store(await replica())];
      const running = Promise.resolve({ ok: 1 });
      expect(await a.claim('k-done', 'fp', running)).toBeUndefined();
      expect(await a.claim('k-done', 'fp', pending())).toMatchObject({
        state: 'in_flight',
        outcome: running,
      });
      expect(await b.claim('k-done', 'fp', pending())).toEqual({ state: 'in_flight', fingerprint: 'fp' });
      await a.complete('k-done', 'fp', { ok: true, value: { success: true, list: [] } });
      expect(await b.claim('k-done', 'fp', pending())).toEqual({
        state: 'done',
        fingerprint: 'fp',
        result: { ok: true, value: { success: true, list: [] } },
      });
    });

    it('frees a key whose attempt was not applied, and keeps one that may have been', async () => {
      const a = store(await replica());
      expect(await a.claim('k-free', 'fp', pending())).toBeUndefined();
      await a.release('k-free');
      expect(await a.claim('k-free', 'fp', pending())).toBeUndefined();
      await a.markInDoubt('k-free', 'fp');
      expect(await a.claim('k-free', 'fp', pending())).toEqual({ state: 'in_doubt', fingerprint: 'fp' });
    });

    it('keeps a claim alive while its owner renews it, and turns it in doubt (never free) once the owner is gone', async () => {
      const owner = store(await replica(), 300);
      const other = store(await replica(), 300);
      expect(await owner.claim('k-lease', 'fp', pending())).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 700)); // past the lease: renewed meanwhile
      expect(await other.claim('k-lease', 'fp', pending())).toMatchObject({ state: 'in_flight' });
      owner.close(); // the owner "dies": no more renewals, nothing settled
      let seen: unknown;
      const deadline = Date.now() + 5_000;
      do {
        seen = await other.claim('k-lease', 'fp', pending());
        if ((seen as { state?: string })?.state !== 'in_flight') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } while (Date.now() < deadline);
      expect(seen).toEqual({ state: 'in_doubt', fingerprint: 'fp' });
    });

    it('rejects a claim with IdempotencyStoreUnavailableError when Redis cannot be reached, at once', async () => {
      const gone = store(await replica('redis://127.0.0.1:1'));
      await expect(gone.claim('k-gone', 'fp', pending())).rejects.toBeInstanceOf(
        IdempotencyStoreUnavailableError,
      );
      // Recording an outcome never throws: the claim (if any) would turn in doubt by itself.
      await expect(gone.complete('k-gone', 'fp', { ok: true, value: 1 })).resolves.toBeUndefined();
    });
  });

  describe('RedisSlidingWindowBudget', () => {
    it('admits at most the limit across replicas in a window, then says how long to wait', async () => {
      const key = `${redis.prefix}budget-a`;
      const limit = { calls: 5, windowMs: 1_000 };
      const [a, b] = [
        new RedisSlidingWindowBudget(await replica(), key, limit),
        new RedisSlidingWindowBudget(await replica(), key, limit),
      ];
      const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).admit()));
      expect(decisions.filter((d) => d.admitted)).toHaveLength(5);
      for (const d of decisions) if (d.admitted) d.release();
      for (const refused of decisions.filter((d) => !d.admitted)) {
        expect(refused).toMatchObject({ admitted: false, remaining: 0 });
        const wait = (refused as { retryAfterMs: number }).retryAfterMs;
        expect(wait).toBeGreaterThan(0);
        expect(wait).toBeLessThanOrEqual(1_000);
      }
      const wait = Math.max(...decisions.map((d) => (d.admitted ? 0 : d.retryAfterMs)));
      await new Promise((resolve) => setTimeout(resolve, wait + 20));
      expect(await a.admit()).toMatchObject({ admitted: true });
    });

    it('reports what is left and counts refusals through its hooks', async () => {
      const seen: [boolean, number][] = [];
      const budget = new RedisSlidingWindowBudget(
        await replica(),
        `${redis.prefix}budget-b`,
        { calls: 2, windowMs: 60_000 },
        { onDecision: (admitted, remaining) => seen.push([admitted, remaining]) },
      );
      for (let i = 0; i < 3; i++) await budget.admit();
      expect(seen).toEqual([
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
    });

    it('falls back to a budget of its own process while Redis cannot be reached', async () => {
      const budget = new RedisSlidingWindowBudget(await replica('redis://127.0.0.1:1'), 'k', {
        calls: 3,
        windowMs: 60_000,
      });
      const decisions = await Promise.all(Array.from({ length: 5 }, () => budget.admit()));
      expect(decisions.map((d) => d.admitted)).toEqual([true, true, true, false, false]);
    });

    it('holds the slot of a call that never reported its end (its replica died) for holdMs', async () => {
      const key = `${redis.prefix}budget-hold`;
      const limit = { calls: 1, windowMs: 100 };
      const dead = new RedisSlidingWindowBudget(await replica(), key, limit, {}, 300);
      const alive = new RedisSlidingWindowBudget(await replica(), key, limit, {}, 300);
      expect(await dead.admit()).toMatchObject({ admitted: true }); // never released
      expect(await alive.admit()).toMatchObject({ admitted: false, retryAfterMs: 100 });
      await new Promise((resolve) => setTimeout(resolve, 450)); // hold + window
      expect(await alive.admit()).toMatchObject({ admitted: true });
    });
  });

  describe('RedisListInvalidation', () => {
    it('drops a list on the other replicas, not on the one that published', async () => {
      const channel = `${redis.prefix}invalidate`;
      const [a, b] = [await replica(), await replica()];
      const busA = new RedisListInvalidation(a, channel, logger);
      const busB = new RedisListInvalidation(b, channel, logger);
      const dropped: Record<string, string[]> = { a: [], b: [] };
      busA.subscribe((list) => dropped.a!.push(list));
      busB.subscribe((list) => dropped.b!.push(list));
      await until(() => busA.live && busB.live, 'both replicas subscribed');
      busA.publish('definitions');
      await until(() => dropped.b!.length > 0, 'the other replica dropped its list');
      expect(dropped).toEqual({ a: [], b: ['definitions'] });
    });
  });
});
