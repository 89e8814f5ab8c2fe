import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceOptions } from '../../src/horizon/index.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import type { RouteTemplate } from '../../src/shared/routes.ts';
import { passThrottlePause, refusedProbes, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Circuit breakers per route family, over real HTTP: repeated transient failures open the
// family's breaker, after which its calls fail fast without reaching the emulator; after the
// cooldown one trial call decides whether it closes again. Each test gets a fresh subgraph, so
// breaker state never leaks between tests. The family under test is entitlements, whose reads ask
// for no guessed field: they answer and cost the same against the lenient and the strict emulator.

const NOVA = '1000000000000001';
const PURCHASES: RouteTemplate = 'GET /{app_id}/viewer_purchases';
const PURCHASES_QUERY = `{ user(id: "${NOVA}") { entitlements { sku } } }`;
const THRESHOLD = 3;
const COOLDOWN_MS = 300;

let sg: SubgraphHandle | undefined;
afterEach(async () => {
  await sg?.close();
  sg = undefined;
});

async function start(
  retry: ResilienceOptions['retry'] = { maxAttempts: 3, baseDelayMs: 5, budgetMs: 5_000 },
) {
  sg = await subgraph({
    cacheTtlMs: 0,
    resilience: { retry, breaker: { threshold: THRESHOLD, cooldownMs: COOLDOWN_MS } },
  });
  return sg;
}

async function attempts(sg: SubgraphHandle, route: RouteTemplate): Promise<number> {
  return (await sg.emulator.counts()).byRoute[route] ?? 0;
}

/** Opens the entitlements breaker: one read whose three attempts all fail with a 503. */
async function openEntitlementsBreaker(sg: SubgraphHandle): Promise<void> {
  await sg.emulator.fault({ route: PURCHASES, status: 503, times: 1_000 });
  const res = await sg.gql(PURCHASES_QUERY);
  expect(res.errors?.[0]?.extensions?.code, res.raw).toBe('UPSTREAM_ERROR');
  expect(await attempts(sg, PURCHASES)).toBe(THRESHOLD);
}

describe('circuit breaker', () => {
  it('opens after repeated transient failures; calls then fail fast with UPSTREAM_UNAVAILABLE and no upstream call', async () => {
    const sg = await start();
    await openEntitlementsBreaker(sg);
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.data).toEqual({ user: { entitlements: null } });
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      upstream: { status: null, endpoint: PURCHASES },
    });
    expect(res.errors![0]!.message).toMatch(/circuit breaker is open/);
    expect(await attempts(sg, PURCHASES)).toBe(THRESHOLD);
  });

  it('covers the whole route family and leaves other families alone', async () => {
    const sg = await start();
    await openEntitlementsBreaker(sg);
    const owns = await sg.gql(`{ user(id: "${NOVA}") { hasEntitlement } }`);
    expect(owns.errors?.[0]?.extensions?.code, owns.raw).toBe('UPSTREAM_UNAVAILABLE');
    expect(await attempts(sg, 'POST /{app_id}/verify_entitlement')).toBe(0);
    const probes = refusedProbes(sg, READ_FIELDS.user);
    const user = await sg.gql(`{ user(id: "${NOVA}") { alias } }`);
    expect(user.errors, user.raw).toBeUndefined();
    expect(await attempts(sg, 'GET /{user_id}')).toBe(1 + probes);
  });

  it('closes after the cooldown when the trial call succeeds', async () => {
    const sg = await start();
    await openEntitlementsBreaker(sg);
    await sg.emulator.reset(); // the upstream recovers (faults and counters cleared)
    await sleep(COOLDOWN_MS + 50);
    const trial = await sg.gql(PURCHASES_QUERY);
    expect(trial.errors, trial.raw).toBeUndefined();
    const next = await sg.gql(PURCHASES_QUERY);
    expect(next.errors, next.raw).toBeUndefined();
    expect(await attempts(sg, PURCHASES)).toBe(2);
  });

  it('opens again at once when the trial call fails, without retrying it', async () => {
    const sg = await start();
    await openEntitlementsBreaker(sg);
    await sleep(COOLDOWN_MS + 50);
    const trial = await sg.gql(PURCHASES_QUERY);
    expect(trial.errors?.[0]?.extensions?.code, trial.raw).toBe('UPSTREAM_ERROR');
    expect(await attempts(sg, PURCHASES)).toBe(THRESHOLD + 1);
    const after = await sg.gql(PURCHASES_QUERY);
    expect(after.errors?.[0]?.extensions?.code, after.raw).toBe('UPSTREAM_UNAVAILABLE');
    expect(await attempts(sg, PURCHASES)).toBe(THRESHOLD + 1);
  });

  it('is not tripped by 400s or 429s, however many', async () => {
    const sg = await start({ maxAttempts: 1 });
    await sg.emulator.fault({
      route: PURCHASES,
      status: 400,
      body: { error: { message: 'Invalid parameter', type: 'OCApiException', code: 100 } },
      times: THRESHOLD * 2,
    });
    await sg.emulator.fault({ route: PURCHASES, status: 429, times: THRESHOLD * 2 });
    for (let i = 0; i < THRESHOLD * 4; i++) {
      // Each 429 pauses the app's calls (ThrottleCoolDown, tested on its own): end the pause, so
      // that every 429 reaches the breaker.
      passThrottlePause(sg.horizon);
      const res = await sg.gql(PURCHASES_QUERY);
      expect(['BAD_REQUEST', 'RATE_LIMITED']).toContain(res.errors?.[0]?.extensions?.code);
    }
    passThrottlePause(sg.horizon);
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(sg, PURCHASES)).toBe(THRESHOLD * 4 + 1);
  });

  it('counts consecutive failures only: a success in between keeps it closed', async () => {
    const sg = await start({ maxAttempts: 1 });
    for (let round = 0; round < 3; round++) {
      await sg.emulator.fault({ route: PURCHASES, status: 503, times: THRESHOLD - 1 });
      for (let i = 0; i < THRESHOLD - 1; i++) {
        expect((await sg.gql(PURCHASES_QUERY)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      }
      expect((await sg.gql(PURCHASES_QUERY)).errors).toBeUndefined();
    }
    expect(await attempts(sg, PURCHASES)).toBe(3 * THRESHOLD);
  });

  it('opens on timeouts and resets as well as on 5xx', async () => {
    sg = await subgraph({
      cacheTtlMs: 0,
      timeoutMs: 150,
      resilience: { retry: { maxAttempts: 1 }, breaker: { threshold: 2, cooldownMs: 60_000 } },
    });
    await sg.emulator.fault({ route: PURCHASES, delayMs: 2_000 });
    await sg.emulator.fault({ route: PURCHASES, reset: true });
    for (let i = 0; i < 2; i++) {
      expect((await sg.gql(PURCHASES_QUERY)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors![0]!.message).toMatch(/circuit breaker is open/);
    expect(await attempts(sg, PURCHASES)).toBe(2);
  });
});
