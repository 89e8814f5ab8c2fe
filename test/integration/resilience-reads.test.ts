import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { READ_FIELDS, type ReadFields } from '../../src/shared/read-fields.ts';
import type { RouteTemplate } from '../../src/shared/routes.ts';
import {
  passThrottlePause,
  refusedProbes,
  subgraph,
  type GqlResponse,
  type SubgraphHandle,
} from '../helpers/harness.ts';

// Reads under injected upstream faults, through the GraphQL layer over real HTTP: a fault that
// clears before the attempts run out ends in data; one that outlasts them ends in a coded,
// retryable error. Attempts are counted at the emulator, per route. The read most tests put under
// faults is a player's purchases: it asks for no guessed field, so it answers and costs the same
// against the lenient and the strict emulator.

const NOVA = '1000000000000001';
const ATTEMPTS = 3;
const PURCHASES: RouteTemplate = 'GET /{app_id}/viewer_purchases';
const PURCHASES_QUERY = `{ user(id: "${NOVA}") { entitlements { sku } } }`;

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({
    // No cross-request caches, so every read below reaches the upstream.
    cacheTtlMs: 0,
    timeoutMs: 150,
    resilience: {
      // A roomy budget for a loaded machine; tiny backoffs keep the file fast.
      retry: { maxAttempts: ATTEMPTS, budgetMs: 5_000, baseDelayMs: 5 },
      // Breakers are the subject of resilience-breaker.test.ts; here they must never open.
      breaker: { threshold: 10_000 },
    },
  });
});
afterAll(() => sg.close());
// A test that injects throttling pauses the app's calls (ThrottleCoolDown); the next test starts after it.
beforeEach(() => {
  passThrottlePause(sg.horizon);
  return sg.emulator.reset();
});

async function attempts(route: RouteTemplate): Promise<number> {
  return (await sg.emulator.counts()).byRoute[route] ?? 0;
}

function onlyError(res: GqlResponse): Record<string, unknown> {
  expect(res.errors, res.raw).toHaveLength(1);
  return res.errors![0]!.extensions!;
}

describe('a read under 5xx answers', () => {
  it.each([500, 502, 503])('ends in data when HTTP %i clears before the last attempt', async (status) => {
    await sg.emulator.fault({ route: PURCHASES, status, times: ATTEMPTS - 1 });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect((res.data!.user as { entitlements: unknown[] }).entitlements.length).toBeGreaterThan(0);
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });

  it.each([500, 502, 503])(
    'ends in a retryable UPSTREAM_ERROR when HTTP %i outlasts every attempt',
    async (status) => {
      await sg.emulator.fault({ route: PURCHASES, status, times: ATTEMPTS });
      const res = await sg.gql(PURCHASES_QUERY);
      expect(res.data).toEqual({ user: { entitlements: null } });
      expect(onlyError(res)).toMatchObject({
        code: 'UPSTREAM_ERROR',
        retryable: true,
        upstream: { status, endpoint: PURCHASES },
      });
      expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
    },
  );

  it('retries an error Graph marks is_transient even on HTTP 400', async () => {
    await sg.emulator.fault({
      route: PURCHASES,
      status: 400,
      body: { error: { message: 'Please retry', type: 'OCApiException', code: 2, is_transient: true } },
    });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(PURCHASES)).toBe(2);
  });

  it('does not retry a permanent 400', async () => {
    await sg.emulator.fault({
      route: PURCHASES,
      status: 400,
      body: { error: { message: 'Invalid parameter', type: 'OCApiException', code: 100 } },
    });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
    expect(await attempts(PURCHASES)).toBe(1);
  });
});

describe('a read under 429', () => {
  it('waits for Retry-After and then ends in data', async () => {
    await sg.emulator.fault({ route: PURCHASES, status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(PURCHASES)).toBe(2);
    // A lower bound only: the retry may not start before the server said so.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('fails fast with a retryable RATE_LIMITED when Retry-After ends beyond the budget', async () => {
    await sg.emulator.fault({ route: PURCHASES, status: 429, headers: { 'retry-after': '30' } });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      upstream: { status: 429 },
    });
    expect(await attempts(PURCHASES)).toBe(1);
  });

  it('does not retry at once when upstream gives no Retry-After: one call, a retryable RATE_LIMITED', async () => {
    await sg.emulator.fault({ route: PURCHASES, status: 429, times: ATTEMPTS });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(await attempts(PURCHASES)).toBe(1);
  });

  it('treats Facebook-shaped throttling (403, code 4, is_transient) the same way', async () => {
    await sg.emulator.fault({
      route: PURCHASES,
      status: 403,
      body: {
        error: {
          message: '(#4) Application request limit reached',
          type: 'OAuthException',
          code: 4,
          is_transient: true,
        },
      },
      times: ATTEMPTS,
    });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(await attempts(PURCHASES)).toBe(1);
  });
});

describe('a read under timeouts and resets', () => {
  it('ends in data when the upstream stalls fewer times than the attempts', async () => {
    await sg.emulator.fault({ route: PURCHASES, delayMs: 2_000, times: ATTEMPTS - 1 });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });

  it('ends in a retryable UPSTREAM_UNAVAILABLE when every attempt times out', async () => {
    await sg.emulator.fault({ route: PURCHASES, delayMs: 2_000, times: ATTEMPTS });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(res.errors![0]!.message).toMatch(/timed out/);
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });

  it('ends in data when the connection is reset fewer times than the attempts', async () => {
    await sg.emulator.fault({ route: PURCHASES, reset: true, times: ATTEMPTS - 1 });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });

  it('ends in a retryable UPSTREAM_UNAVAILABLE when every attempt is reset', async () => {
    await sg.emulator.fault({ route: PURCHASES, reset: true, times: ATTEMPTS });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });
});

describe('a read under malformed bodies', () => {
  it('retries a 5xx whose body is not JSON (a proxy’s error page) and ends in data', async () => {
    await sg.emulator.fault({
      route: PURCHASES,
      status: 502,
      body: '<html><body>Bad gateway</body></html>',
      headers: { 'content-type': 'text/html' },
      times: ATTEMPTS - 1,
    });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(PURCHASES)).toBe(ATTEMPTS);
  });

  it('does not retry a 200 whose body is broken JSON: a non-retryable UPSTREAM_ERROR after one attempt', async () => {
    await sg.emulator.fault({ route: PURCHASES, status: 200, body: '{"data": [', times: ATTEMPTS });
    const res = await sg.gql(PURCHASES_QUERY);
    expect(onlyError(res)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: false,
      upstream: { status: 200 },
    });
    expect(await attempts(PURCHASES)).toBe(1);
  });
});

describe('the retry budget', () => {
  it('starts no retry once the budget is spent, whatever attempts remain', async () => {
    const tight = await subgraph({
      upstream: sg.emulator,
      cacheTtlMs: 0,
      resilience: {
        retry: { maxAttempts: ATTEMPTS, budgetMs: 200, baseDelayMs: 5 },
        breaker: { threshold: 10_000 },
      },
    });
    try {
      // A slow failure: the 503 arrives after the whole budget has passed.
      await sg.emulator.fault({ route: PURCHASES, status: 503, delayMs: 400, times: ATTEMPTS });
      const res = await tight.gql(PURCHASES_QUERY);
      expect(onlyError(res)).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
      expect(await attempts(PURCHASES)).toBe(1);
    } finally {
      await tight.close();
    }
  });
});

describe('every kind of read is retried', () => {
  // `read`: the fields of a read with guesses, whose first call in strict mode pays for them.
  const READS: { name: string; route: RouteTemplate; query: string; read?: ReadFields }[] = [
    {
      name: 'user lookup',
      route: 'GET /{user_id}',
      query: `{ user(id: "${NOVA}") { alias } }`,
      read: READ_FIELDS.user,
    },
    {
      name: 'app ownership (verify_entitlement, a read sent as POST)',
      route: 'POST /{app_id}/verify_entitlement',
      query: `{ user(id: "${NOVA}") { hasEntitlement } }`,
    },
    {
      name: 'purchases',
      route: 'GET /{app_id}/viewer_purchases',
      query: `{ user(id: "${NOVA}") { entitlements { sku } } }`,
    },
    {
      name: 'subscriptions',
      route: 'GET /application/subscriptions',
      query: `{ user(id: "${NOVA}") { subscriptions { sku } } }`,
    },
    {
      name: 'leaderboard entries',
      route: 'GET /leaderboard_entries',
      query: `{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
      read: READ_FIELDS.leaderboardEntries,
    },
    {
      name: 'leaderboards',
      route: 'GET /{app_id}/leaderboards',
      query: '{ leaderboards { apiName } }',
      read: READ_FIELDS.leaderboards,
    },
    {
      name: 'achievement definitions',
      route: 'GET /{app_id}/achievement_definitions',
      query: '{ achievementDefinitions { apiName } }',
    },
    {
      name: 'catalog',
      route: 'GET /application/available_purchases',
      query: '{ products { sku } }',
      read: READ_FIELDS.catalog,
    },
  ];

  it.each(READS)('$name ends in data after two 503s', async ({ route, query, read }) => {
    const probes = read ? refusedProbes(sg, read) : 0;
    await sg.emulator.fault({ route, status: 503, times: ATTEMPTS - 1 });
    const res = await sg.gql(query);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(route)).toBe(ATTEMPTS + probes);
  });
});
