import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { ThrottleCoolDown, type HorizonClient } from '../../src/horizon/index.ts';
import { getAchievementDefinitions, getSubscriptions } from '../../src/horizon/index.ts';
import { ROUTES } from '../../src/shared/routes.ts';
import { RedisConnection, RedisCoolDownChannel } from '../../src/shared-state/index.ts';
import {
  clientFor,
  passThrottlePause,
  subgraph,
  type EmulatorHandle,
  type SubgraphHandle,
} from '../helpers/harness.ts';
import { horizonFailure } from '../helpers/horizon-failure.ts';
import { eventually, until } from '../helpers/eventually.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';

// Meta throttles per app: after one throttling answer, every call of the app pauses (answered
// RATE_LIMITED with the time left, never sent), for upstream's own hint or a doubling default;
// with Redis the whole fleet pauses. Counts are the emulator's, over real HTTP.

const NOVA = '1000000000000001';
const SUBSCRIPTIONS = `{ user(id: "${NOVA}") { subscriptions { sku } } }`;
const DEFINITIONS = `{ achievementDefinitions { apiName } }`;

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({ cacheTtlMs: 0 });
  // In strict mode the first read of a route may cost one refused call per guessed field: pay it now.
  await sg.gql(SUBSCRIPTIONS);
  await sg.gql(DEFINITIONS);
});
afterAll(() => sg.close());
beforeEach(async () => {
  passThrottlePause(sg.horizon);
  await sg.emulator.checkpoint();
});

const calls = async () => (await sg.emulator.counts()).byRoute;

describe('after Meta throttles the app', () => {
  it('answers the other reads RATE_LIMITED with the time left, without sending them, until the pause ends', async () => {
    await sg.emulator.fault({ route: ROUTES.subscriptions, throttle: true, times: 1 });
    const throttled = await sg.gql(SUBSCRIPTIONS);
    expect(throttled.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });

    const paused = await sg.gql(DEFINITIONS);
    const extensions = paused.errors?.[0]?.extensions;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(extensions?.retryAfterMs).toBeGreaterThan(0);
    expect(extensions?.retryAfterMs).toBeLessThanOrEqual(5_000);
    expect(await calls()).toEqual({ [ROUTES.subscriptions]: 1 });

    const metrics = (await sg.observability.metrics.render()).body;
    expect(metrics).toMatch(/horizon_upstream_throttle_cool_downs_total\{origin="local"\} 1/);
    expect(sg.logs.some((line) => line.includes('Meta throttled this app'))).toBe(true);

    passThrottlePause(sg.horizon);
    const after = await sg.gql(DEFINITIONS);
    expect(after.errors, after.raw).toBeUndefined();
    expect(await calls()).toEqual({ [ROUTES.subscriptions]: 1, [ROUTES.achievementDefinitionsRead]: 1 });
  });

  it('pauses for as long as Retry-After says: the throttled read retries once after it and ends in data, while a read during the wait is not sent', async () => {
    const patient = await subgraph({
      upstream: sg.emulator,
      cacheTtlMs: 0,
      resilience: { retry: { maxAttempts: 3, baseDelayMs: 5 } },
    });
    try {
      await patient.gql(SUBSCRIPTIONS);
      await patient.gql(DEFINITIONS);
      await sg.emulator.checkpoint();
      await sg.emulator.fault({
        route: ROUTES.subscriptions,
        throttle: true,
        times: 1,
        headers: { 'Retry-After': '2' },
      });
      const waiting = patient.gql(SUBSCRIPTIONS);
      await until(
        async () => (await calls())[ROUTES.subscriptions] === 1,
        'the throttled read reached upstream',
      );
      const during = await patient.gql(DEFINITIONS);
      expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
      expect(during.errors?.[0]?.extensions?.retryAfterMs).toBeLessThanOrEqual(2_000);
      const done = await waiting;
      expect(done.errors, done.raw).toBeUndefined();
      expect(await calls()).toEqual({ [ROUTES.subscriptions]: 2 });
    } finally {
      await patient.close();
    }
  });

  it("pauses for Facebook's estimated_time_to_regain_access when that is the only hint", async () => {
    const usage = JSON.stringify({
      [sg.emulator.app.id]: [{ call_count: 100, estimated_time_to_regain_access: 2 }],
    });
    await sg.emulator.fault({
      route: ROUTES.subscriptions,
      throttle: true,
      times: 1,
      headers: { 'X-Business-Use-Case-Usage': usage },
    });
    await sg.gql(SUBSCRIPTIONS);
    const paused = await sg.gql(DEFINITIONS);
    const retryAfterMs = paused.errors?.[0]?.extensions?.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(await calls()).toEqual({ [ROUTES.subscriptions]: 1 });
  });
});

describe.skipIf(!redisReachable)('across replicas sharing Redis', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const clients: HorizonClient[] = [];
  const logger = createLogger('silent');

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(connections.map((c) => c.close()));
    await redis?.close();
  });

  async function replica(emu: EmulatorHandle): Promise<HorizonClient> {
    const connection = new RedisConnection({ url: redis.url, logger });
    connections.push(connection);
    connection.start();
    const channel = new RedisCoolDownChannel(connection, `${redis.prefix}cool-down`, logger);
    await until(() => channel.live, 'the cool-down channel subscribed');
    const client = clientFor(emu, { coolDown: new ThrottleCoolDown({ channel }) });
    clients.push(client);
    return client;
  }

  it('pauses the whole fleet: a replica that was never throttled stops sending too', async () => {
    const [a, b] = [await replica(sg.emulator), await replica(sg.emulator)];
    await getAchievementDefinitions(b);
    await sg.emulator.checkpoint();
    await sg.emulator.fault({ route: ROUTES.subscriptions, throttle: true, times: 1 });
    const throttled = await horizonFailure(getSubscriptions(a, { ownerId: NOVA }));
    expect(throttled.isRateLimited).toBe(true);
    const refused = await eventually(async () => {
      try {
        await getAchievementDefinitions(b);
        return undefined;
      } catch (error) {
        return error as { kind?: string; retryAfterMs?: number };
      }
    }, 'the never-throttled replica refuses a call');
    expect(refused).toMatchObject({ kind: 'over_budget' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // B's reads before the pause reached it were sent; none after.
    const sentByB = (await calls())[ROUTES.achievementDefinitionsRead] ?? 0;
    await expect(getAchievementDefinitions(b)).rejects.toMatchObject({ kind: 'over_budget' });
    expect((await calls())[ROUTES.achievementDefinitionsRead] ?? 0).toBe(sentByB);
  });
});
