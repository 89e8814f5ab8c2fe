import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import {
  demoFixture,
  expectUnnamedProgress,
  passThrottlePause,
  progressNamed,
  refusedProbes,
  subgraph,
  type GqlResponse,
  type SubgraphHandle,
} from '../helpers/harness.ts';

// The error table: every upstream failure, injected with the emulator's faults, becomes one error
// at the failing field's path with a stable `extensions.code`, the upstream details and whether a
// retry may help; the rest of the response stands. The app secret never leaves the subgraph.
// Where a read succeeds, strict mode answers a player's progress with the error of unnamed rows
// (`progressNamed`), so the tests that need data from a read use reads without guessed fields.

const fixture = demoFixture();
const NOVA = '1000000000000001';
const ACHIEVEMENTS = 'GET /{user_id}/achievements';
const TIMEOUT_MS = 250;

// One attempt per call (a fault is seen once) and a breaker that never opens, so that every row
// of the table reaches the mapping; retries and the breaker have their own tests below.
const ONE_ATTEMPT = { retry: { maxAttempts: 1 }, breaker: { threshold: 10_000 } };

let sg: SubgraphHandle;
/** The same upstream, through a client with a short timeout. */
let impatient: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({ resilience: ONE_ATTEMPT });
  impatient = await subgraph({ upstream: sg.emulator, timeoutMs: TIMEOUT_MS, resilience: ONE_ATTEMPT });
});
afterAll(async () => {
  await impatient.close();
  await sg.close();
});
// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
// A test that injects throttling pauses the app's calls (ThrottleCoolDown); the next test starts after it.
beforeEach(async () => {
  passThrottlePause(sg.horizon);
  passThrottlePause(impatient.horizon);
  await sg.emulator.checkpoint();
});

type GqlError = NonNullable<GqlResponse['errors']>[number];

/** One player's achievements: the field every row of the table is injected into. */
async function achievementsOf(target: SubgraphHandle = sg) {
  return target.gql<{ user: { id: string; achievements: unknown[] | null } }>(
    `{ user(id: "${NOVA}") { id achievements { apiName } } }`,
  );
}

/** The only error of a response whose `user.achievements` failed while `user.id` stood. */
function onlyAchievementsError(
  res: GqlResponse<{ user: { id: string; achievements: unknown[] | null } }>,
): GqlError {
  expect(res.status).toBe(200);
  expect(res.data?.user).toEqual({ id: NOVA, achievements: null });
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors!;
  expect(error?.path).toEqual(['user', 'achievements']);
  return error!;
}

const graphError = (code: number, extra: Record<string, unknown> = {}) => ({
  error: {
    message: `(#${code}) injected by the test`,
    type: 'OCApiException',
    code,
    fbtrace_id: `trace-${code}`,
    ...extra,
  },
});

describe('the error table', () => {
  it.each([
    ['400 Graph code 100', 400, graphError(100), 'BAD_REQUEST', false, { code: 100, subcode: null }],
    // The achievements read acts with the app's credentials: a token error there is our configuration's.
    [
      '400 Graph code 190',
      400,
      graphError(190, { type: 'OAuthException' }),
      'UPSTREAM_CREDENTIALS_REJECTED',
      false,
      { code: 190, type: 'OAuthException' },
    ],
    ['401', 401, graphError(190), 'UPSTREAM_CREDENTIALS_REJECTED', false, { code: 190 }],
    ['403', 403, graphError(10), 'FORBIDDEN', false, { code: 10 }],
    ['404', 404, graphError(803), 'NOT_FOUND', false, { code: 803 }],
    [
      '400 code 100 subcode 33',
      400,
      graphError(100, { error_subcode: 33 }),
      'NOT_FOUND',
      false,
      { code: 100, subcode: 33 },
    ],
    ['400 code 12075', 400, graphError(12075), 'NOT_FOUND', false, { code: 12075 }],
    ['429', 429, graphError(4), 'RATE_LIMITED', true, { code: 4 }],
    ['400 Graph code 4 (app throttled)', 400, graphError(4), 'RATE_LIMITED', true, { code: 4 }],
    ['400 Graph code 17 (user throttled)', 400, graphError(17), 'RATE_LIMITED', true, { code: 17 }],
    ['400 Graph code 32 (page throttled)', 400, graphError(32), 'RATE_LIMITED', true, { code: 32 }],
    ['400 Graph code 613 (custom rate limit)', 400, graphError(613), 'RATE_LIMITED', true, { code: 613 }],
    ['500', 500, graphError(1), 'UPSTREAM_ERROR', true, { code: 1 }],
    ['502', 502, graphError(2), 'UPSTREAM_ERROR', true, { code: 2 }],
    ['503', 503, graphError(2), 'UPSTREAM_ERROR', true, { code: 2 }],
  ])(
    'maps %s to its code with the upstream details',
    async (_row, status, body, code, retryable, upstream) => {
      await sg.emulator.fault({ route: ACHIEVEMENTS, status, body });
      const error = onlyAchievementsError(await achievementsOf());
      expect(error.extensions).toEqual({
        code,
        retryable,
        upstream: {
          status,
          subcode: null,
          type: 'OCApiException',
          fbtraceId: body.error.fbtrace_id,
          endpoint: ACHIEVEMENTS,
          ...upstream,
        },
      });
      expect(error.message).toContain('injected by the test');
    },
  );

  it.each([
    [401, 'UPSTREAM_CREDENTIALS_REJECTED', false],
    [403, 'FORBIDDEN', false],
    [404, 'NOT_FOUND', false],
    [429, 'RATE_LIMITED', true],
    [500, 'UPSTREAM_ERROR', true],
  ])(
    'maps a bare %i with the emulator’s default Graph body, keeping its fbtrace_id',
    async (status, code, retryable) => {
      await sg.emulator.fault({ route: ACHIEVEMENTS, status });
      const error = onlyAchievementsError(await achievementsOf());
      expect(error.extensions).toMatchObject({
        code,
        retryable,
        upstream: { status, endpoint: ACHIEVEMENTS },
      });
      expect((error.extensions?.upstream as { fbtraceId: unknown }).fbtraceId).toEqual(expect.any(String));
    },
  );

  it('maps a 5xx whose body is not JSON (a proxy’s HTML page) to UPSTREAM_ERROR', async () => {
    await sg.emulator.fault({
      route: ACHIEVEMENTS,
      status: 502,
      body: '<html><body>502 Bad Gateway</body></html>',
      headers: { 'content-type': 'text/html' },
    });
    const error = onlyAchievementsError(await achievementsOf());
    expect(error.extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      upstream: {
        status: 502,
        code: null,
        subcode: null,
        type: null,
        fbtraceId: null,
        endpoint: ACHIEVEMENTS,
      },
    });
  });

  it('maps a 200 whose body is not the JSON expected to UPSTREAM_ERROR', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, status: 200, body: 'not json at all' });
    const error = onlyAchievementsError(await achievementsOf());
    expect(error.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstream: { status: 200, endpoint: ACHIEVEMENTS },
    });
  });

  it('maps an upstream that does not answer within the timeout to UPSTREAM_UNAVAILABLE, retryable', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, delayMs: TIMEOUT_MS * 8 });
    const started = performance.now();
    const error = onlyAchievementsError(await achievementsOf(impatient));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 6);
    expect(error.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      upstream: {
        status: null,
        code: null,
        subcode: null,
        type: null,
        fbtraceId: null,
        endpoint: ACHIEVEMENTS,
      },
    });
  });

  it('maps a connection reset to UPSTREAM_UNAVAILABLE, retryable', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, reset: true });
    const error = onlyAchievementsError(await achievementsOf());
    expect(error.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      upstream: {
        status: null,
        code: null,
        subcode: null,
        type: null,
        fbtraceId: null,
        endpoint: ACHIEVEMENTS,
      },
    });
  });

  it('answers again normally once the fault is used up', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, status: 503 });
    expect(onlyAchievementsError(await achievementsOf()).extensions?.code).toBe('UPSTREAM_ERROR');
    const res = await achievementsOf();
    if (!progressNamed(sg)) return expectUnnamedProgress(res, [['user', 'achievements']]);
    expect(res.errors).toBeUndefined();
    expect(res.data?.user.achievements?.length).toBeGreaterThan(0);
  });

  it('fails a mutation whose write fails with the mapped code at the mutation’s path', async () => {
    await sg.emulator.fault({ route: 'POST /leaderboard_submit_entry', status: 503 });
    const res = await sg.gql(
      `mutation { submitLeaderboardScore(leaderboard: "GLOBAL_HIGH_SCORE", userId: "${NOVA}", score: "1") { didUpdate } }`,
    );
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['submitLeaderboardScore']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      upstream: { status: 503, endpoint: 'POST /leaderboard_submit_entry' },
    });
  });

  it('nulls a shared list whose read fails, with the code of the failure', async () => {
    await sg.emulator.fault({ route: 'GET /application/available_purchases', status: 429 });
    const cold = await subgraph({ upstream: sg.emulator });
    try {
      const res = await cold.gql<{ products: null }>(`{ products { sku } }`);
      expect(res.data).toEqual({ products: null });
      expect(res.errors?.[0]?.path).toEqual(['products']);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    } finally {
      await cold.close();
    }
  });
});

describe('resilience seen from the GraphQL side', () => {
  it('retries a transient failure of a read: one 503 is invisible to the caller and costs one more call', async () => {
    const patient = await subgraph({
      upstream: sg.emulator,
      resilience: { retry: { maxAttempts: 3, baseDelayMs: 1 }, breaker: { threshold: 10_000 } },
    });
    try {
      const probes = refusedProbes(patient, READ_FIELDS.userAchievements);
      await sg.emulator.fault({ route: ACHIEVEMENTS, status: 503 });
      const res = await achievementsOf(patient);
      if (progressNamed(sg)) {
        expect(res.errors).toBeUndefined();
        expect(res.data?.user.achievements?.length).toBeGreaterThan(0);
      } else expectUnnamedProgress(res, [['user', 'achievements']]); // not the 503
      expect((await sg.emulator.counts()).byRoute).toEqual({ [ACHIEVEMENTS]: 2 + probes });
    } finally {
      await patient.close();
    }
  });

  it('never retries a write that is not idempotent: one 503 on adding a count fails after a single call', async () => {
    const patient = await subgraph({
      upstream: sg.emulator,
      resilience: { retry: { maxAttempts: 3, baseDelayMs: 1 }, breaker: { threshold: 10_000 } },
    });
    try {
      await sg.emulator.fault({ route: 'POST /{user_id}/achievements', status: 503 });
      const res = await patient.gql(
        `mutation { addAchievementCount(userId: "${NOVA}", apiName: "WIN_10_RACES", count: "1") { justUnlocked } }`,
      );
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
      expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(1);
    } finally {
      await patient.close();
    }
  });

  it('fails fast with UPSTREAM_UNAVAILABLE once repeated failures open the breaker', async () => {
    const fragile = await subgraph({
      upstream: sg.emulator,
      resilience: { retry: { maxAttempts: 1 }, breaker: { threshold: 3, cooldownMs: 60_000 } },
    });
    try {
      await sg.emulator.fault({ route: ACHIEVEMENTS, status: 503, times: 3 });
      for (let i = 0; i < 3; i++) {
        expect(onlyAchievementsError(await achievementsOf(fragile)).extensions?.code).toBe('UPSTREAM_ERROR');
      }
      const error = onlyAchievementsError(await achievementsOf(fragile));
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      expect((await sg.emulator.counts()).byRoute).toEqual({ [ACHIEVEMENTS]: 3 });
    } finally {
      await fragile.close();
    }
  });
});

describe('partial results', () => {
  const players = fixture.users.slice(0, 12).map((u) => u.id!);

  it('nulls only the failing player’s field, with exactly one error at its path; the others keep their data', async () => {
    await sg.emulator.fault({ route: 'GET /{app_id}/viewer_purchases', status: 503, times: 1 });
    const res = await sg.gql<{ users: { id: string; alias: string; entitlements: unknown[] | null }[] }>(
      `query($ids: [ID!]!) { users(ids: $ids) { id alias entitlements { sku } } }`,
      { ids: players },
    );
    const users = res.data?.users ?? [];
    expect(users.map((u) => u.id)).toEqual(players);
    expect(users.map((u) => u.alias)).toEqual(fixture.users.slice(0, 12).map((u) => u.alias));
    const failed = users.flatMap((u, i) => (u.entitlements === null ? [i] : []));
    expect(failed).toHaveLength(1);
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['users', failed[0], 'entitlements']);
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(users.filter((u) => Array.isArray(u.entitlements))).toHaveLength(players.length - 1);
  });

  it('keeps the other fields of a player whose one field fails', async () => {
    await sg.emulator.fault({ route: 'GET /{app_id}/viewer_purchases', status: 500 });
    const res = await sg.gql<{
      user: {
        alias: string;
        entitlements: null;
        subscriptions: unknown[];
        leaderboardEntry: { rank: number };
      };
    }>(
      `{ user(id: "${NOVA}") { alias entitlements { sku } subscriptions { sku } leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
    );
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['user', 'entitlements']);
    expect(res.data?.user.entitlements).toBeNull();
    expect(res.data?.user.alias).toBe('NovaDrift');
    expect(res.data?.user.subscriptions.length).toBeGreaterThan(0);
    expect(res.data?.user.leaderboardEntry.rank).toBe(2);
  });

  it('fails only the unknown player of a leaderboard batch that upstream refuses for that player', async () => {
    const UNKNOWN = '1999999999999999';
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    const res = await sg.gql<{ users: { id: string; leaderboardEntry: { rank: number } | null }[] }>(
      `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
      { ids: [NOVA, UNKNOWN, '1000000000000002'] },
    );
    expect(res.data?.users).toEqual([
      { id: NOVA, leaderboardEntry: { rank: 2 } },
      { id: UNKNOWN, leaderboardEntry: null },
      { id: '1000000000000002', leaderboardEntry: { rank: 1 } },
    ]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['users', 1, 'leaderboardEntry']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { status: 400, code: 100, endpoint: 'GET /leaderboard_entries' },
    });
    // The refused call, then one for the players left.
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'GET /leaderboard_entries': 2 + probes });
  });

  it('fails every player of a failed leaderboard batch, and only that leaderboard', async () => {
    // Players ranked on both boards, so that every field of the board that stands has data.
    const both = fixture.users
      .map((u) => u.id!)
      .filter((id) =>
        ['GLOBAL_HIGH_SCORE', 'DRIFT_MASTERS'].every((board) =>
          fixture.leaderboard_entries.some((e) => e.api_name === board && e.user_id === id),
        ),
      )
      .slice(0, 3);
    expect(both).toHaveLength(3);
    await sg.emulator.fault({ route: 'GET /leaderboard_entries', status: 503, times: 1 });
    const res = await sg.gql<{ users: Record<'a' | 'b', { rank: number } | null>[] }>(
      `query($ids: [ID!]!) { users(ids: $ids) {
         a: leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank }
         b: leaderboardEntry(leaderboard: "DRIFT_MASTERS") { rank } } }`,
      { ids: both },
    );
    // Which board got the fault depends on which call arrived first: that board's field fails
    // for all three players, the other board's field stands for all of them.
    const failedAlias = res.errors?.[0]?.path?.[2] as 'a' | 'b';
    expect(['a', 'b']).toContain(failedAlias);
    expect(res.errors?.map((e) => e.path)).toEqual(both.map((_, i) => ['users', i, failedAlias]));
    const standing = failedAlias === 'a' ? 'b' : 'a';
    expect(res.data?.users.map((u) => u[failedAlias])).toEqual([null, null, null]);
    expect(res.data?.users.every((u) => typeof u[standing]?.rank === 'number')).toBe(true);
  });
});

describe('the app secret', () => {
  const PLANTED = 'planted-secret-7Hq2ZxW';
  let secretive: SubgraphHandle;
  beforeAll(async () => {
    secretive = await subgraph({ emulator: { app: { secret: PLANTED } }, timeoutMs: TIMEOUT_MS });
  });
  afterAll(async () => {
    await secretive.close();
  });

  it('never appears in a response body nor in a log line, across every kind of failure', async () => {
    const appToken = `OC|${fixture.app.id}|${PLANTED}`;
    const userToken = fixture.users[0]!.access_token!;
    // An upstream error echoing the credentials of the call it answers.
    const echo = (status: number, code: number, token = appToken) => ({
      status,
      body: {
        error: {
          message: `Invalid token ${token} (secret ${PLANTED})`,
          type: 'OAuthException',
          code,
          error_data: { access_token: token, secret: PLANTED },
          fbtrace_id: 'trace-secret',
        },
      },
    });
    const emu = secretive.emulator;
    const responses: GqlResponse[] = [];
    const run = async (
      fault: Record<string, unknown> | undefined,
      query: string,
      headers?: Record<string, string>,
    ) => {
      if (fault) await emu.fault(fault);
      responses.push(await secretive.gql(query, undefined, headers));
    };
    const achievements = `{ user(id: "${NOVA}") { achievements { apiName } } }`;
    await run({ route: ACHIEVEMENTS, ...echo(400, 190) }, achievements);
    await run({ route: ACHIEVEMENTS, ...echo(500, 1) }, achievements);
    await run(
      { route: ACHIEVEMENTS, status: 502, body: `<html>proxy error for ${appToken}</html>` },
      achievements,
    );
    await run({ route: ACHIEVEMENTS, delayMs: TIMEOUT_MS * 4 }, achievements);
    await run({ route: ACHIEVEMENTS, reset: true }, achievements);
    await run({ route: 'GET /{user_id}', ...echo(401, 190) }, `{ user(id: "${NOVA}") { alias } }`);
    await run(
      { route: 'GET /leaderboard_entries', ...echo(400, 190, userToken) },
      `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(filter: FRIENDS) { totalCount } } }`,
      { 'x-horizon-user-token': userToken },
    );
    await run(
      undefined,
      `{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "NO_SUCH_BOARD") { rank } } }`,
    );
    await run(undefined, `{ user(id: "1999999999999999") { alias achievements { apiName } } }`);
    await run(undefined, `mutation { deleteLeaderboardEntry(id: "1999999999999999") { success } }`);
    // Paging: upstream `next` URLs carry the app token; cursors and totals must not.
    await run(
      undefined,
      `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(first: 100) { edges { cursor } } } }`,
    );

    expect(responses).toHaveLength(11);
    responses.slice(0, 10).forEach((res) => expect(res.errors?.length).toBeGreaterThan(0));
    for (const res of responses) {
      expect(res.raw).not.toContain(PLANTED);
      expect(res.raw).not.toContain(userToken);
    }
    const logs = secretive.logs.join('\n');
    expect(logs).not.toContain(PLANTED);
    expect(logs).not.toContain(userToken);
  });
});
