import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import {
  demoFixture,
  expectUnnamedProgress,
  progressNamed,
  refusedProbes,
  sharedSubgraph,
  subgraph,
  type GqlResponse,
  type SubgraphHandle,
} from '../helpers/harness.ts';

// Exact upstream call counts, read from the emulator's per-route counters: per-user endpoints cost
// one call per distinct player, list endpoints one call per batch, shared data comes from the
// cross-request caches. A test that needs cold caches puts a fresh subgraph in front of the same
// emulator. In strict mode a route's first read in a process also pays one refused call per guessed
// field (`refusedProbes`), and players' progress fails for every player with rows (`progressNamed`).

const fixture = demoFixture();
const ids = (from: number, count: number) => fixture.users.slice(from, from + count).map((u) => u.id!);
const FIFTY = ids(0, 50);
const ROUTE = {
  achievements: 'GET /{user_id}/achievements',
  definitions: 'GET /{app_id}/achievement_definitions',
  entries: 'GET /leaderboard_entries',
  leaderboards: 'GET /{app_id}/leaderboards',
  catalog: 'GET /application/available_purchases',
  purchases: 'GET /{app_id}/viewer_purchases',
  verify: 'POST /{app_id}/verify_entitlement',
  subscriptions: 'GET /application/subscriptions',
  profile: 'GET /{user_id}',
};

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

const calls = async () => (await sg.emulator.counts()).byRoute;

/** Runs `work` against a new subgraph (empty caches) in front of the same emulator. */
async function withColdSubgraph<T>(
  work: (cold: SubgraphHandle) => Promise<T>,
  options: { cacheTtlMs?: number; batchConcurrency?: number } = {},
): Promise<T> {
  const cold = await subgraph({ upstream: sg.emulator, ...options });
  try {
    return await work(cold);
  } finally {
    await cold.close();
  }
}

/** Fills the shared caches (definitions, leaderboards, catalog), then zeroes the counters. */
async function warmCaches(target: SubgraphHandle = sg): Promise<void> {
  const res = await target.gql(
    `{ achievementDefinitions(includeArchived: true) { apiName } leaderboards { apiName } products { sku } }`,
  );
  expect(res.errors).toBeUndefined();
  await sg.emulator.checkpoint();
}

interface Players<T> {
  users: ({ id: string } & T)[];
}

/** Whether upstream serves progress rows for `userId` (it hides those of archived achievements). */
const hasRows = (userId: string) =>
  fixture.achievement_progress.some(
    (p) =>
      p.user_id === userId &&
      !fixture.achievement_definitions.find((d) => d.api_name === p.api_name)?.is_archived,
  );

/**
 * No errors, where upstream names progress rows; else exactly the unnamed-progress errors at
 * `['users', i, 'achievements']` for each player of `players` with rows, and at `more` paths.
 */
function expectProgressErrors(
  res: Pick<GqlResponse, 'errors' | 'raw'>,
  players: string[],
  more: (string | number)[][] = [],
): void {
  if (progressNamed(sg)) return expect(res.errors, res.raw).toBeUndefined();
  const paths = players.flatMap((id, i) => (hasRows(id) ? [['users', i, 'achievements']] : []));
  expect(paths.length).toBeGreaterThan(0);
  expectUnnamedProgress(res, [...paths, ...more]);
}

describe('User.achievements for many players', () => {
  const progressRows = (userId: string) =>
    fixture.achievement_progress.filter(
      (p) =>
        p.user_id === userId &&
        !fixture.achievement_definitions.find((d) => d.api_name === p.api_name)?.is_archived,
    ).length;

  it('costs exactly one GET /{user_id}/achievements per player for 50 players, and nothing else', async () => {
    const probes = refusedProbes(sg, READ_FIELDS.userAchievements);
    const res = await sg.gql<Players<{ achievements: { apiName: string }[] | null }>>(
      `query($ids: [ID!]!) { users(ids: $ids) { id achievements { apiName isUnlocked count bitfield progress } } }`,
      { ids: FIFTY },
    );
    expectProgressErrors(res, FIFTY);
    expect(res.data?.users.map((u) => u.achievements?.length ?? null)).toEqual(
      FIFTY.map((id) => (progressNamed(sg) || !hasRows(id) ? progressRows(id) : null)),
    );
    expect(await calls()).toEqual({ [ROUTE.achievements]: 50 + probes });
  });

  it('adds exactly one definitions read for 50 players’ definitions on a cold cache, none when warm', async () => {
    const query = `query($ids: [ID!]!) { users(ids: $ids) { achievements { apiName definition { title type } } } }`;
    await withColdSubgraph(async (cold) => {
      const probes = refusedProbes(cold, READ_FIELDS.userAchievements);
      const first = await cold.gql(query, { ids: FIFTY });
      expectProgressErrors(first, FIFTY);
      // Unnamed rows are never joined to definitions: nothing to read them for.
      const definitions = progressNamed(sg) ? { [ROUTE.definitions]: 1 } : {};
      expect(await calls()).toEqual({ [ROUTE.achievements]: 50 + probes, ...definitions });
      await sg.emulator.checkpoint();
      await cold.gql(query, { ids: FIFTY });
      expect(await calls()).toEqual({ [ROUTE.achievements]: 50 });
    });
  });

  it('has the players of one batch in flight together, but no more than batchConcurrency at once', async () => {
    const players = ids(0, 16);
    const query = `query($ids: [ID!]!) { users(ids: $ids) { achievements { apiName } } }`;
    const timed = async (target: SubgraphHandle) => {
      await sg.emulator.fault({ route: ROUTE.achievements, delayMs: 150, times: players.length });
      const started = performance.now();
      const res = await target.gql(query, { ids: players });
      expectProgressErrors(res, players);
      return performance.now() - started;
    };
    // 16 calls of 150 ms each: together they take about 150 ms, one after another 2.4 s.
    expect(await timed(sg)).toBeLessThan(900);
    // With at most 4 in flight they need at least 4 rounds.
    await withColdSubgraph(async (narrow) => expect(await timed(narrow)).toBeGreaterThanOrEqual(590), {
      batchConcurrency: 4,
    });
  });
});

describe('User.leaderboardEntry for many players', () => {
  const ranked = (apiName: string, players: string[]) =>
    players.filter((id) =>
      fixture.leaderboard_entries.some((e) => e.api_name === apiName && e.user_id === id),
    );

  it('costs one leaderboard_entries call for 50 players on one leaderboard', async () => {
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    const res = await sg.gql<Players<{ leaderboardEntry: { rank: number } | null }>>(
      `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank score } } }`,
      { ids: FIFTY },
    );
    expect(res.errors).toBeUndefined();
    const withEntry = res.data?.users.filter((u) => u.leaderboardEntry !== null).map((u) => u.id);
    expect(withEntry).toEqual(ranked('GLOBAL_HIGH_SCORE', FIFTY));
    expect(withEntry?.length).toBeLessThan(50); // some of them are unranked: null, no extra call
    expect(await calls()).toEqual({ [ROUTE.entries]: 1 + probes });
  });

  it('splits more than 100 players into calls of 100: 150 players cost 2 calls', async () => {
    const players = ids(150, 150);
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    const res = await sg.gql<Players<{ leaderboardEntry: { rank: number } | null }>>(
      `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
      { ids: players },
    );
    expect(res.errors).toBeUndefined();
    const withEntry = res.data?.users.filter((u) => u.leaderboardEntry !== null).map((u) => u.id);
    expect(withEntry).toEqual(ranked('GLOBAL_HIGH_SCORE', players));
    expect(await calls()).toEqual({ [ROUTE.entries]: 2 + probes });
  });

  it('costs one call per leaderboard when the same players are asked about two leaderboards', async () => {
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    await sg.gql(
      `query($ids: [ID!]!) { users(ids: $ids) {
         a: leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank }
         b: leaderboardEntry(leaderboard: "DRIFT_MASTERS") { rank } } }`,
      { ids: FIFTY },
    );
    expect(await calls()).toEqual({ [ROUTE.entries]: 2 + probes });
  });
});

describe('User.leaderboardEntries for many players', () => {
  const query = `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntries { rank leaderboard { apiName } } } }`;
  const players = ids(0, 30);

  it('costs one call per leaderboard plus the leaderboards read on a cold cache', async () => {
    await withColdSubgraph(async (cold) => {
      const boardProbes = refusedProbes(cold, READ_FIELDS.leaderboards);
      const entryProbes = refusedProbes(cold, READ_FIELDS.leaderboardEntries);
      const res = await cold.gql<Players<{ leaderboardEntries: { leaderboard: { apiName: string } }[] }>>(
        query,
        {
          ids: players,
        },
      );
      expect(res.errors).toBeUndefined();
      const expected = players.map(
        (id) => fixture.leaderboard_entries.filter((e) => e.user_id === id).length,
      );
      expect(res.data?.users.map((u) => u.leaderboardEntries.length)).toEqual(expected);
      expect(await calls()).toEqual({
        [ROUTE.leaderboards]: 1 + boardProbes,
        [ROUTE.entries]: fixture.leaderboards.length + entryProbes,
      });
    });
  });

  it('costs one call per leaderboard when the leaderboards are cached', async () => {
    await warmCaches();
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    await sg.gql(query, { ids: players });
    expect(await calls()).toEqual({ [ROUTE.entries]: fixture.leaderboards.length + probes });
  });
});

describe('Deduplication within one request', () => {
  it('costs nothing extra for a player asked several times, through users, user and aliases', async () => {
    const [a, b] = FIFTY as [string, string];
    await warmCaches();
    const probes = {
      profile: refusedProbes(sg, READ_FIELDS.user),
      achievements: refusedProbes(sg, READ_FIELDS.userAchievements),
      entries: refusedProbes(sg, READ_FIELDS.leaderboardEntries),
    };
    const res = await sg.gql(
      `query($ids: [ID!]!, $a: ID!) {
         users(ids: $ids) {
           alias orgScopedId achievements { apiName } entitlements { sku }
           owns: hasEntitlement pack: hasEntitlement(sku: "track_pack_alpine")
           subscriptions { sku } leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank }
         }
         again: user(id: $a) { alias achievements { apiName } hasEntitlement subscriptions { sku } }
       }`,
      { ids: [a, b, a, a, b], a },
    );
    expectProgressErrors(res, [a, b, a, a, b], hasRows(a) ? [['again', 'achievements']] : []);
    expect(await calls()).toEqual({
      [ROUTE.profile]: 2 + probes.profile,
      [ROUTE.achievements]: 2 + probes.achievements,
      [ROUTE.purchases]: 2,
      [ROUTE.verify]: 2,
      [ROUTE.subscriptions]: 2,
      [ROUTE.entries]: 1 + probes.entries,
    });
  });

  it('costs one call per player for each per-player field over 20 players', async () => {
    await warmCaches();
    const players = ids(0, 20);
    const probes = {
      profile: refusedProbes(sg, READ_FIELDS.user),
      achievements: refusedProbes(sg, READ_FIELDS.userAchievements),
    };
    const res = await sg.gql(
      `query($ids: [ID!]!) { users(ids: $ids) {
         alias orgScopedId achievements { apiName } entitlements { sku product { name } }
         hasEntitlement coins: hasEntitlement(sku: "coins_500") subscriptions { sku } } }`,
      { ids: players },
    );
    expectProgressErrors(res, players);
    expect(await calls()).toEqual({
      [ROUTE.profile]: 20 + probes.profile,
      [ROUTE.achievements]: 20 + probes.achievements,
      [ROUTE.purchases]: 20,
      [ROUTE.verify]: 20,
      [ROUTE.subscriptions]: 20,
    });
  });
});

describe('Cross-request caches', () => {
  const SHARED = `{ achievementDefinitions { apiName } leaderboards { apiName entryCount } products { sku price { formatted } } }`;

  /** The calls of one cold read of SHARED: one per list, and the refused probes of `cold`. */
  const sharedCalls = (cold: SubgraphHandle) => ({
    [ROUTE.definitions]: 1 + refusedProbes(cold, READ_FIELDS.achievementDefinitions),
    [ROUTE.leaderboards]: 1 + refusedProbes(cold, READ_FIELDS.leaderboards),
    [ROUTE.catalog]: 1 + refusedProbes(cold, READ_FIELDS.catalog),
  });

  it('reads definitions, leaderboards and the catalog once, and not again within the TTL', async () => {
    await withColdSubgraph(async (cold) => {
      const expected = sharedCalls(cold);
      const first = await cold.gql(SHARED);
      expect(first.errors).toBeUndefined();
      expect(await calls()).toEqual(expected);
      await sg.emulator.checkpoint();
      const second = await cold.gql(SHARED);
      expect(second.data).toEqual(first.data);
      expect((await sg.emulator.counts()).total).toBe(0);
    });
  });

  it('shares one upstream read among concurrent requests on a cold cache', async () => {
    await withColdSubgraph(async (cold) => {
      const expected = sharedCalls(cold);
      await Promise.all(Array.from({ length: 5 }, () => cold.gql(SHARED)));
      expect(await calls()).toEqual(expected);
    });
  });

  it('reads them again once the TTL has passed', async () => {
    await withColdSubgraph(
      async (cold) => {
        await cold.gql(SHARED);
        await sleep(250);
        await sg.emulator.checkpoint();
        await cold.gql(SHARED);
        expect(await calls()).toEqual({
          [ROUTE.definitions]: 1,
          [ROUTE.leaderboards]: 1,
          [ROUTE.catalog]: 1,
        });
      },
      { cacheTtlMs: 150 },
    );
  });

  it('with caching off (TTL 0) reads again per request, yet the rows of one request share one read', async () => {
    const query = `query($ids: [ID!]!) { users(ids: $ids) { achievements { definition { title } } } }`;
    await withColdSubgraph(
      async (uncached) => {
        const probes = refusedProbes(uncached, READ_FIELDS.userAchievements);
        for (let i = 0; i < 2; i++) {
          const res = await uncached.gql(query, { ids: ids(0, 20) });
          expectProgressErrors(res, ids(0, 20));
        }
        // Unnamed rows are never joined to definitions: nothing to read them for.
        const definitions = progressNamed(sg) ? { [ROUTE.definitions]: 2 } : {};
        expect(await calls()).toEqual({ [ROUTE.achievements]: 40 + probes, ...definitions });
      },
      { cacheTtlMs: 0 },
    );
  });

  it('does not keep a failed read: the next request tries again', async () => {
    await withColdSubgraph(async (cold) => {
      const probes = refusedProbes(cold, READ_FIELDS.leaderboards);
      await sg.emulator.fault({ route: ROUTE.leaderboards, status: 503 });
      const failed = await cold.gql<{ leaderboards: null }>(`{ leaderboards { apiName } }`);
      expect(failed.data?.leaderboards).toBeNull();
      const next = await cold.gql<{ leaderboards: unknown[] }>(`{ leaderboards { apiName } }`);
      expect(next.data?.leaderboards).toHaveLength(fixture.leaderboards.length);
      expect(await calls()).toEqual({ [ROUTE.leaderboards]: 2 + probes });
    });
  });
});
