import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  REFUSED_BATCH_NARROWING_CALLS,
  USER_IDS_PER_CALL,
} from '../../src/graphql/loaders/leaderboard-entry-loader.ts';
import { DEFAULT_LIMITS } from '../../src/graphql/limits/query-limits.ts';
import { LIST_LIMITS } from '../../src/graphql/limits/list-limits.ts';
import { ROUTES } from '../../src/shared/routes.ts';
import { demoFixture, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// The upstream-cost guard as an attacker would probe it: lists hidden in variable defaults,
// batches Meta refuses, names that do not exist. Counts are the emulator's, over real HTTP.

const fixture = demoFixture();
const known = (n: number) => fixture.users.slice(0, n).map((u) => u.id!);
const unknown = (n: number) => Array.from({ length: n }, (_, i) => String(9000000000000001n + BigInt(i)));
const BOARD = fixture.leaderboards[0]!.api_name!;

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.checkpoint());

const calls = async () => (await sg.emulator.counts()).byRoute;
const total = async () => (await sg.emulator.counts()).total;

describe('lists given as variable defaults', () => {
  it('refuses 1,200 ids in a default value with QUERY_TOO_EXPENSIVE and no upstream call', async () => {
    const list = known(1200)
      .map((id) => `"${id}"`)
      .join(',');
    const res = await sg.gql(
      `query($ids: [ID!]! = [${list}]) { users(ids: $ids) { alias achievements { apiName } entitlements { sku } subscriptions { sku } hasEntitlement } }`,
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', limit: 250 });
    expect(res.errors?.[0]?.extensions?.estimatedUpstreamCalls).toBeGreaterThanOrEqual(1200 * 5);
    expect(await total()).toBe(0);
  });

  it('refuses a page size given as a default that fans out to every entry’s achievements', async () => {
    const res = await sg.gql(
      'query($f: Int = 100) { leaderboards { entries(first: $f) { edges { node { user { achievements { apiName } } } } } } }',
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(await total()).toBe(0);
  });

  it('still runs the same operation when the variable is sent small', async () => {
    const res = await sg.gql(
      'query($f: Int = 100) { leaderboards { entries(first: $f) { edges { node { user { achievements { apiName } } } } } } }',
      { f: 2 },
    );
    expect(res.errors, res.raw).toBeUndefined();
    expect(await total()).toBeGreaterThan(0);
  });
});

describe('refused USER_IDS batches', () => {
  const query = `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntry(leaderboard: "${BOARD}") { rank } } }`;

  it('answers 500 unknown ids within the narrowing budget: every player gets an error, calls stay bounded', async () => {
    const res = await sg.gql<{ users: { leaderboardEntry: unknown }[] }>(query, { ids: unknown(500) });
    const batches = Math.ceil(500 / USER_IDS_PER_CALL);
    const made = await total();
    expect(made).toBeLessThanOrEqual(batches * (1 + REFUSED_BATCH_NARROWING_CALLS));
    expect(made).toBeLessThanOrEqual(DEFAULT_LIMITS.maxUpstreamCost);
    expect(res.data?.users.every((u) => u.leaderboardEntry === null)).toBe(true);
    const failed = new Set(res.errors?.map((e) => e.path?.[1]));
    expect(failed.size).toBe(500);
    expect(res.errors?.every((e) => e.extensions?.code === 'BAD_REQUEST')).toBe(true);
  });

  it('sets one unknown id aside and still answers the other 99 players', async () => {
    const ids = [...known(99), ...unknown(1)];
    const res = await sg.gql<{ users: { leaderboardEntry: { rank: number } | null }[] }>(query, { ids });
    expect(await calls()).toEqual({ [ROUTES.leaderboardEntries]: 2 });
    expect(res.errors?.map((e) => e.path)).toEqual([['users', 99, 'leaderboardEntry']]);
    const ranked = res.data!.users.slice(0, 99).filter((u) => u.leaderboardEntry !== null);
    expect(ranked.length).toBeGreaterThan(0);
  });

  it('refuses users(ids:) longer than its documented maximum before any call', async () => {
    const ids = unknown(LIST_LIMITS.userIds + 1);
    const res = await sg.gql(`query($ids: [ID!]!) { users(ids: $ids) { id } }`, { ids });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'ids' });
    expect(await total()).toBe(0);
  });
});

describe('names upstream does not know', () => {
  const aliases = (prefix: string) =>
    Array.from(
      { length: 30 },
      (_, i) => `a${i}: leaderboard(apiName: "${prefix}_${i}") { apiName title }`,
    ).join(' ');

  it('30 unknown leaderboards cost at most one list read, and a known one right after costs nothing', async () => {
    const cold = await subgraph({ upstream: sg.emulator });
    try {
      const res = await cold.gql<Record<string, unknown>>(`{ ${aliases('NOPE')} }`);
      expect(res.errors).toBeUndefined();
      expect(Object.values(res.data!).every((v) => v === null)).toBe(true);
      expect(await calls()).toEqual({ [ROUTES.leaderboardsRead]: 1 });

      await sg.emulator.checkpoint();
      const again = await cold.gql(`{ ${aliases('NOPE')} }`);
      expect(again.errors).toBeUndefined();
      const found = await cold.gql<{ leaderboard: { apiName: string } }>(
        `{ leaderboard(apiName: "${BOARD}") { apiName } }`,
      );
      expect(found.data?.leaderboard.apiName).toBe(BOARD);
      expect(await total()).toBe(0);
    } finally {
      await cold.close();
    }
  });

  it('does not refresh a list just loaded for new names, and other callers keep it meanwhile', async () => {
    const warm = await subgraph({ upstream: sg.emulator, cacheTtlMs: 60_000 });
    try {
      await warm.gql(`{ leaderboards { apiName } }`);
      // The refresh interval is min(TTL, 5 s): a miss right after a load does not refresh.
      await sg.emulator.checkpoint();
      const missed = await Promise.all([
        warm.gql(`{ ${aliases('NEW')} }`),
        warm.gql(`{ leaderboards { apiName } }`),
      ]);
      expect(missed[1].errors).toBeUndefined();
      expect((missed[1].data as { leaderboards: unknown[] }).leaderboards).toHaveLength(
        fixture.leaderboards.length,
      );
      expect(await total()).toBe(0);
    } finally {
      await warm.close();
    }
  });

  it('finds a leaderboard created by our own mutation even though its name was remembered as unknown', async () => {
    await sg.gql(`{ leaderboard(apiName: "BRAND_NEW") { apiName } }`);
    const created = await sg.gql<{ upsertLeaderboard: { apiName: string } | null }>(
      `mutation { upsertLeaderboard(input: { apiName: "BRAND_NEW", sortOrder: HIGHER_IS_BETTER, entryWritePolicy: SERVER_AUTHORITATIVE }) { apiName } }`,
    );
    expect(created.data?.upsertLeaderboard?.apiName).toBe('BRAND_NEW');
    const read = await sg.gql<{ leaderboard: { apiName: string } | null }>(
      `{ leaderboard(apiName: "BRAND_NEW") { apiName } }`,
    );
    expect(read.data?.leaderboard?.apiName).toBe('BRAND_NEW');
    await sg.emulator.reset();
  });
});

describe('the operation budget', () => {
  it('stops calls past the limit during execution, where upstream needs more than the estimate assumed', async () => {
    const limits = { ...DEFAULT_LIMITS, maxUpstreamCost: 3 };
    const small = await subgraph({ upstream: sg.emulator, server: { limits } });
    try {
      const players = known(3);
      // Settle the route's optional fields first: then the estimate is one call per player.
      await small.gql(`{ user(id: "${players[0]}") { achievements { apiName } } }`);
      await sg.emulator.checkpoint();
      // One player's progress comes back with a next page: 4 calls needed, 3 estimated and allowed.
      await sg.emulator.fault({
        route: ROUTES.userAchievementsRead,
        status: 200,
        body: {
          data: [{ id: '1', is_unlocked: false, definition: { api_name: 'EXTRA' } }],
          paging: { next: `${sg.emulator.url}/${players[0]}/achievements?after=x` },
        },
      });
      const res = await small.gql<{ users: { achievements: unknown[] | null }[] }>(
        `query($ids: [ID!]!) { users(ids: $ids) { achievements { apiName } } }`,
        { ids: players },
      );
      expect(await total()).toBe(3);
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', limit: 3 });
      expect(res.data?.users.filter((u) => u.achievements !== null)).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});
