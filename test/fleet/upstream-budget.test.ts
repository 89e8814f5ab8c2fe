import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import {
  eventually,
  killReplicas,
  startReplicas,
  upstreamProcess,
  type Answer,
  type Replica,
} from './fleet.ts';

// HORIZON_RATE_LIMIT across three processes sharing Redis, under 300 concurrent readers. The
// issue's 100/10s for 10 s is scaled to 100/2s for 5 s (2.5 windows) to keep CI short: the
// property checked is the same, over every window the upstream saw.

const CALLS = 100;
const WINDOW_MS = 2_000;
const LOAD_MS = 5_000;
const REPLICAS = 3;
const READERS = 300;

let redis: TestRedis;
let upstream: Awaited<ReturnType<typeof upstreamProcess>>;
let replicas: Replica[];

describe.skipIf(!redisReachable)('HORIZON_RATE_LIMIT across three replicas', () => {
  beforeAll(async () => {
    redis = await startTestRedis();
    // Emulator and proxy in a process of their own: the 300 readers here must not delay the
    // arrival times the windows are measured on.
    upstream = await upstreamProcess();
    replicas = await startReplicas(REPLICAS, {
      HORIZON_APP_ID: upstream.app.id,
      HORIZON_APP_SECRET: upstream.app.secret,
      HORIZON_GRAPH_URL: upstream.url,
      AUTH_DISABLED: 'true',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      HORIZON_RATE_LIMIT: `${CALLS}/${WINDOW_MS}ms`,
      // A 2-core CI box running other suites can take seconds per request: no timeouts here.
      HORIZON_TIMEOUT_MS: '60000',
      REQUEST_DEADLINE_MS: '120000',
      // No probe of the upstream from /readyz: every upstream call here is a reader's.
      READINESS_UPSTREAM_GRACE_MS: '0',
    });
    // Connected to Redis (until then each process keeps its own budget), and warmed up (first
    // requests compile code) before the load is measured.
    for (const replica of replicas) {
      await eventually(
        async () => ((await replica.readyz()).body.redis === 'available' ? true : undefined),
        'Redis',
      );
      await replica.gql('{ __typename }');
    }
  }, 60_000);
  afterAll(async () => {
    await killReplicas();
    await upstream?.close();
    await redis?.close();
  });

  it('lets the upstream see at most N calls in any window, and refuses the rest as RATE_LIMITED with a wait', async () => {
    const answers: (Answer & { ms: number })[] = [];
    const end = Date.now() + LOAD_MS;
    const reader = async (i: number) => {
      const replica = replicas[i % REPLICAS]!;
      const user = String(1000000000000001n + BigInt(i % 1200));
      while (Date.now() < end) {
        const started = performance.now();
        const answer = await replica.gql(`{ user(id: "${user}") { alias } }`);
        answers.push({ ...answer, ms: Math.round(performance.now() - started) });
        const wait = answer.errors?.[0]?.extensions?.retryAfterMs;
        // A polite client waits as told (300 of them keep the budget spent all the same).
        if (typeof wait === 'number') await new Promise((resolve) => setTimeout(resolve, wait));
      }
    };
    await Promise.all(Array.from({ length: READERS }, (_, i) => reader(i)));

    const arrivals = (await upstream.recorded()).map((c) => c.at).sort((x, y) => x - y);
    // Every window of the upstream's clock starting at a call: at most N, plus one in flight
    // per replica at a window's edge.
    let busiest = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (j < arrivals.length && arrivals[j]! - arrivals[i]! < WINDOW_MS) j++;
      busiest = Math.max(busiest, j - i);
    }
    const refused = answers.filter((a) => a.errors);
    const took = answers.map((a) => a.ms).sort((x, y) => x - y);
    console.log(
      `budget ${CALLS}/${WINDOW_MS}ms over ${LOAD_MS} ms: ${arrivals.length} upstream calls, busiest window ${busiest}, ${answers.length - refused.length} served, ${refused.length} refused, latency p50 ${took[took.length >> 1]} ms`,
    );
    expect(busiest).toBeLessThanOrEqual(CALLS + REPLICAS);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const error of answer.errors ?? []) {
        expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
        expect(error.extensions!.retryAfterMs).toBeGreaterThan(0);
        expect(error.extensions!.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
      }
    }
    expect(await replicas[0]!.metric('horizon_upstream_budget_refused_total')).toBeGreaterThan(0);
  }, 60_000);
});
