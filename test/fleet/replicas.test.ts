import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, type EmulatorHandle } from '../helpers/harness.ts';
import { redisControllable, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import {
  eventually,
  killReplicas,
  recordingProxy,
  startReplicas,
  type Answer,
  type Replica,
} from './fleet.ts';

// Three subgraph processes sharing one Redis (their own redis-server, so it can be stopped) with
// a key prefix of this run, in front of one emulator; a recording proxy counts the upstream calls.

const COINS = '1000000000000010';
const CONSUME = 'POST /{app_id}/consume_entitlement';

let redis: TestRedis;
let emu: EmulatorHandle;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let replicas: Replica[];

describe.skipIf(!redisControllable)('three replicas sharing Redis', () => {
  beforeAll(async () => {
    redis = await startTestRedis();
    emu = await emulator();
    proxy = await recordingProxy(emu.url);
    replicas = await startReplicas(3, {
      HORIZON_APP_ID: emu.app.id,
      HORIZON_APP_SECRET: emu.app.secret,
      HORIZON_GRAPH_URL: proxy.url,
      AUTH_DISABLED: 'true',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      CACHE_TTL_SECONDS: '600',
    });
    for (const replica of replicas)
      await eventually(
        async () => ((await replica.readyz()).body.redis === 'available' ? true : undefined),
        'Redis',
      );
  }, 60_000);
  afterAll(async () => {
    await killReplicas();
    await proxy?.close();
    await emu?.close();
    await redis?.close();
  });

  const calls = (method: string, path: RegExp) =>
    proxy.calls.filter((c) => c.method === method && path.test(c.path)).length;

  it('sends one consumeEntitlement upstream for one key sent to all three at once, and gives all three the same answer', async () => {
    const before = calls('POST', /\/consume_entitlement$/);
    const mutation = `mutation { consumeEntitlement(userId: "${COINS}", sku: "coins_500", idempotencyKey: "once-${redis.prefix}") { success } }`;
    const answers = await Promise.all(replicas.map((r) => r.gql(mutation)));
    expect(calls('POST', /\/consume_entitlement$/) - before).toBe(1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ data: { consumeEntitlement: { success: true } } });
  });

  it('shows a definition changed on replica A on replica B at once, without waiting for the TTL', async () => {
    const read = '{ achievementDefinitions(apiNames: ["PHOTO_FINISH"]) { title writePolicy } }';
    const [a, b] = replicas as [Replica, Replica];
    const cached = (await b.gql(read)).data as {
      achievementDefinitions: { title: string; writePolicy: string }[];
    };
    const { writePolicy } = cached.achievementDefinitions[0]!;
    const title = `Photo finish ${Date.now()}`;
    const upsert = await a.gql(
      `mutation($input: AchievementDefinitionInput!) { upsertAchievementDefinition(input: $input) { title } }`,
      {
        input: {
          apiName: 'PHOTO_FINISH',
          type: 'SIMPLE',
          writePolicy,
          title,
          description: 'Win by under 0.1 s.',
        },
      },
    );
    expect(upsert.errors).toBeUndefined();
    // The cache TTL is 10 minutes: only the invalidation can make B read the new title.
    await eventually(async () => {
      const answer = (await b.gql(read)).data as typeof cached;
      return answer.achievementDefinitions[0]!.title === title ? true : undefined;
    }, 'the new title on replica B');
    expect(
      await b.metric('shared_cache_invalidations_received_total', { list: 'definitions' }),
    ).toBeGreaterThan(0);
  });

  it('while Redis is stopped during 200 keyed writes: no write twice, every failure coded, /readyz 200 with redis unavailable, recovery without restart', async () => {
    const users = Array.from({ length: 200 }, (_, i) => String(1000000000000101n + BigInt(i)));
    const write = (user: string) =>
      `mutation { addAchievementCount(userId: "${user}", apiName: "LIFETIME_DISTANCE_METERS", count: "1", idempotencyKey: "w-${user}-${redis.prefix}") { justUnlocked } }`;
    const failures: Answer['errors'] = [];
    const succeeded = new Set<string>();
    let sent = 0;
    const worker = async (w: number) => {
      while (sent < users.length) {
        const user = users[sent++]!;
        // A write refused because the store was away is retried with the same key until it lands.
        for (let attempt = 0; ; attempt++) {
          const answer = await replicas[(w + attempt) % replicas.length]!.gql(write(user));
          if (!answer.errors) {
            succeeded.add(user);
            break;
          }
          failures.push(...answer.errors);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const running = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    await eventually(async () => (sent >= 40 ? true : undefined), '40 writes sent', 30_000);
    await redis.stop();
    for (const replica of replicas) {
      const ready = await eventually(async () => {
        const report = await replica.readyz();
        return report.body.redis === 'unavailable' ? report : undefined;
      }, '/readyz reporting Redis unavailable');
      expect(ready.status).toBe(200);
      expect(await replica.metric('shared_cache_invalidation_subscribed')).toBe(0);
    }
    // Reads keep working without Redis.
    expect((await replicas[0]!.gql(`{ user(id: "${COINS}") { alias } }`)).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();
    for (const replica of replicas) {
      await eventually(
        async () => ((await replica.readyz()).body.redis === 'available' ? true : undefined),
        '/readyz reporting Redis available again',
        15_000,
      );
      await eventually(
        async () => ((await replica.metric('shared_cache_invalidation_subscribed')) === 1 ? true : undefined),
        'the invalidation subscription back',
        15_000,
      );
    }
    await running;

    expect(succeeded.size).toBe(users.length);
    expect(failures.length).toBeGreaterThan(0);
    for (const error of failures)
      expect(error.extensions).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE', retryable: true });
    const perUser = new Map<string, number>();
    for (const call of proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/achievements'))) {
      const user = call.path.split('/')[1]!;
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
    }
    for (const user of users) expect(perUser.get(user), user).toBe(1);
  }, 120_000);

  it('never writes twice after a replica dies mid-write: the same key on another replica answers IDEMPOTENCY_IN_DOUBT', async () => {
    const [a, b] = replicas as [Replica, Replica];
    await emu.fault({ route: CONSUME, delayMs: 60_000 });
    const before = calls('POST', /\/consume_entitlement$/);
    const mutation = `mutation { consumeEntitlement(userId: "${COINS}", sku: "nitro_boost_x5", idempotencyKey: "killed-${redis.prefix}") { success } }`;
    void a.gql(mutation).catch(() => undefined);
    await eventually(
      async () => (calls('POST', /\/consume_entitlement$/) > before ? true : undefined),
      'the write reaching upstream',
    );
    a.child.kill('SIGKILL');
    await once(a.child);
    // B waits for the dead replica's claim; once its lease runs out the key is in doubt.
    const answer = await eventually(
      async () => {
        const res = await b.gql(mutation);
        return res.errors?.[0]?.extensions?.code === 'IDEMPOTENCY_IN_FLIGHT' ? undefined : res;
      },
      'an answer other than IDEMPOTENCY_IN_FLIGHT',
      30_000,
    );
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_IN_DOUBT', retryable: false });
    expect(calls('POST', /\/consume_entitlement$/) - before).toBe(1);
  }, 60_000);
});

function once(child: Replica['child']): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
