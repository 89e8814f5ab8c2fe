import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAllLeaderboardEntries } from '../../src/horizon/index.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { ROUTES } from '../../src/shared/routes.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';
import {
  clientFor,
  demoFixture,
  emulator,
  subgraph,
  type EmulatorHandle,
  type SubgraphHandle,
} from '../helpers/harness.ts';

// Against the emulator in strict mode, which answers the way public code shows the real API does:
// it refuses every field we only guessed, string user ids and `next` links of whole-board walks,
// throttles Facebook-style, and answers a wrong app secret with the captured body. Counts are the
// emulator's, over real HTTP.

const fixture = demoFixture();
const BOARD = 'GLOBAL_HIGH_SCORE';
const BOARD_SIZE = fixture.leaderboard_entries.filter((e) => e.api_name === BOARD).length;
const NOVA = '1000000000000001';
const players = fixture.users.slice(0, 30).map((u) => u.id!);

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({ cacheTtlMs: 0, emulator: { strict: true } });
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.checkpoint());

const calls = async () => (await sg.emulator.counts()).byRoute;

describe('strict mode: reads keep working without the guessed fields', () => {
  it('answers a leaderboard’s confirmed fields, and null for the refused title', async () => {
    const res = await sg.gql<{ leaderboard: Record<string, unknown> }>(
      `{ leaderboard(apiName: "${BOARD}") { apiName sortOrder entryWritePolicy entryCount title scoreType } }`,
    );
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data?.leaderboard).toMatchObject({
      apiName: BOARD,
      sortOrder: 'HIGHER_IS_BETTER',
      entryWritePolicy: expect.any(String),
      entryCount: String(BOARD_SIZE),
      title: null,
      scoreType: null,
    });
  });

  it('answers entries with rank, score, user id and alias', async () => {
    const res = await sg.gql<{ leaderboard: { entries: { edges: { node: Record<string, unknown> }[] } } }>(
      `{ leaderboard(apiName: "${BOARD}") { entries(first: 5) { edges { node { rank score user { id alias } supplementaryMetric } } } } }`,
    );
    expect(res.errors, res.raw).toBeUndefined();
    const nodes = res.data!.leaderboard.entries.edges.map((e) => e.node);
    expect(nodes.map((n) => n.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const node of nodes) {
      expect(node).toMatchObject({
        score: expect.any(String),
        user: { id: expect.any(String), alias: expect.any(String) },
      });
    }
  });

  it('ranks many players in one USER_IDS call per board, ids sent as integers', async () => {
    const query = `query($ids: [ID!]!) { users(ids: $ids) { id leaderboardEntry(leaderboard: "${BOARD}") { rank } } }`;
    await sg.gql(query, { ids: players }); // the first read may pay for refused guesses
    await sg.emulator.checkpoint();
    const res = await sg.gql<{ users: { id: string; leaderboardEntry: { rank: number } | null }[] }>(query, {
      ids: players,
    });
    expect(res.errors, res.raw).toBeUndefined();
    expect(await calls()).toEqual({ [ROUTES.leaderboardEntries]: 1 });
    const ranked = res.data!.users.filter((u) => u.leaderboardEntry);
    expect(ranked.length).toBeGreaterThan(0);
    const direct = await sg.gql<{ leaderboard: { entries: { edges: { node: { rank: number } }[] } } }>(
      `{ leaderboard(apiName: "${BOARD}") { entries(filter: USER_IDS, userIds: ["${ranked[0]!.id}"]) { edges { node { rank } } } } }`,
    );
    expect(direct.data?.leaderboard.entries.edges[0]?.node.rank).toBe(ranked[0]!.leaderboardEntry!.rank);
  });

  it('answers a player’s entitlements with their product’s name and price', async () => {
    const res = await sg.gql<{
      user: { entitlements: { sku: string; product: { name: string; price: unknown } }[] };
    }>(`{ user(id: "${NOVA}") { entitlements { sku product { name price { formatted } } } } }`);
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data!.user.entitlements.length).toBeGreaterThan(0);
    for (const e of res.data!.user.entitlements)
      expect(e.product).toMatchObject({ name: expect.any(String) });
  });

  it('costs each refused guess one refused call per route over 20 repeated queries', async () => {
    const cold = await subgraph({ upstream: sg.emulator, cacheTtlMs: 0 });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await cold.gql(`{ leaderboards { apiName title } products { sku type } }`);
        expect(res.errors, res.raw).toBeUndefined();
      }
      const guesses = (read: { optional: object }) => Object.keys(read.optional).length;
      expect(await calls()).toEqual({
        [ROUTES.leaderboardsRead]: 20 + guesses(READ_FIELDS.leaderboards),
        [ROUTES.availablePurchases]: 20 + guesses(READ_FIELDS.catalog),
      });
    } finally {
      await cold.close();
    }
  });

  it('lets no refusal through to concurrent first reads of a route: each guess still costs one refused call', async () => {
    const cold = await subgraph({ upstream: sg.emulator, cacheTtlMs: 0 });
    try {
      // 30 players' profiles in one batch: their first GET /{user_id} calls start together.
      const res = await cold.gql<{ users: { alias: string | null }[] }>(
        `query($ids: [ID!]!) { users(ids: $ids) { alias } }`,
        { ids: players },
      );
      expect(res.errors, res.raw).toBeUndefined();
      expect(res.data!.users.map((u) => u.alias)).toEqual(
        players.map((id) => fixture.users.find((u) => u.id === id)!.alias ?? null),
      );
      expect(await calls()).toEqual({
        [ROUTES.userLookup]: players.length + Object.keys(READ_FIELDS.user.optional).length,
      });
    } finally {
      await cold.close();
    }
  });

  it('does not let progress rows without their achievement vanish: the field fails with a reason', async () => {
    const res = await sg.gql<{ user: { id: string; achievements: unknown } }>(
      `{ user(id: "${NOVA}") { id achievements { apiName } } }`,
    );
    expect(res.data?.user).toEqual({ id: NOVA, achievements: null });
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(res.errors?.[0]?.message).toMatch(/came without the achievement they belong to/);
  });
});

describe('strict mode: writes that need no names', () => {
  it('resets a player’s progress though upstream does not name the rows (the dry run counts them)', async () => {
    const archived = new Set(
      fixture.achievement_definitions.filter((d) => d.is_archived).map((d) => d.api_name),
    );
    // Upstream hides the rows of archived achievements.
    const rows = fixture.achievement_progress.filter(
      (p) => p.user_id === NOVA && !archived.has(p.api_name),
    ).length;
    const dry = await sg.gql<{ resetAchievements: { success: boolean; dryRun: boolean; message: string } }>(
      `mutation { resetAchievements(userId: "${NOVA}", dryRun: true) { success dryRun message } }`,
    );
    expect(dry.errors, dry.raw).toBeUndefined();
    expect(dry.data?.resetAchievements.message).toContain(`remove the progress of ${rows} achievement(s)`);
    const res = await sg.gql<{ resetAchievements: { success: boolean } }>(
      `mutation { resetAchievements(userId: "${NOVA}") { success } }`,
    );
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data?.resetAchievements.success).toBe(true);
    const after = await sg.gql<{ user: { achievements: unknown[] } }>(
      `{ user(id: "${NOVA}") { achievements { apiName } } }`,
    );
    expect(after.data?.user.achievements).toEqual([]);
    await sg.emulator.reset();
  });
});

describe('strict mode: a product’s type without the guessed `type` field', () => {
  it('knows a subscription by its billing plans, and refuses to refund it without writing', async () => {
    const res = await sg.gql<{ products: { sku: string; type: string | null }[] }>(
      `{ products { sku type } }`,
    );
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data!.products).toEqual(
      fixture.products.map((p) => ({ sku: p.sku, type: p.type === 'SUBSCRIPTION' ? 'SUBSCRIPTION' : null })),
    );
    await sg.emulator.checkpoint();
    const refund = await sg.gql(
      `mutation { refundEntitlement(userId: "${NOVA}", sku: "rally_pass_annual", reason: "other") { success } }`,
    );
    expect(refund.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'sku' });
    expect((await calls())[ROUTES.refundEntitlement]).toBeUndefined();
  });
});

describe('strict mode: paging, throttling, deletes', () => {
  it('walks a whole board with next links broken and pages of 25', async () => {
    const client = clientFor(sg.emulator);
    try {
      const entries = await getAllLeaderboardEntries(client, { apiName: BOARD, limit: 100 });
      expect(entries).toHaveLength(BOARD_SIZE);
      expect(new Set(entries.map((e) => e.rank)).size).toBe(BOARD_SIZE);
    } finally {
      await client.close();
    }
  });

  it('answers a throttled query RATE_LIMITED and retryable after exactly one upstream call', async () => {
    const retrying = await subgraph({
      upstream: sg.emulator,
      resilience: { retry: { maxAttempts: 3, baseDelayMs: 5 } },
    });
    try {
      await retrying.gql(`{ user(id: "${NOVA}") { subscriptions { sku } } }`);
      await sg.emulator.checkpoint();
      await sg.emulator.fault({ route: ROUTES.subscriptions, throttle: true, times: 3 });
      const res = await retrying.gql(`{ user(id: "${NOVA}") { subscriptions { sku } } }`);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
      expect(await calls()).toEqual({ [ROUTES.subscriptions]: 1 });
    } finally {
      await retrying.close();
    }
  });

  it('applies 12 deletes sent at once through the 5-in-flight limit, each once', async () => {
    const res = await sg.gql<{ leaderboard: { entries: { edges: { node: { id: string } }[] } } }>(
      `{ leaderboard(apiName: "DRIFT_MASTERS") { entries(first: 12) { edges { node { id } } } } }`,
    );
    const ids = res.data!.leaderboard.entries.edges.map((e) => e.node.id);
    expect(ids).toHaveLength(12);
    await sg.emulator.checkpoint();
    const deletes = await Promise.all(
      ids.map((id) =>
        sg.gql<{ deleteLeaderboardEntry: { success: boolean } }>(
          `mutation { deleteLeaderboardEntry(id: "${id}") { success } }`,
        ),
      ),
    );
    for (const d of deletes) expect(d.data?.deleteLeaderboardEntry.success, d.raw).toBe(true);
    expect((await calls())[ROUTES.leaderboardEntryDelete]).toBe(12);
    await sg.emulator.reset();
  });
});

describe('a wrong app secret', () => {
  let emu: EmulatorHandle;
  let wrong: SubgraphHandle;
  beforeAll(async () => {
    emu = await emulator({ strict: true });
    wrong = await subgraph({
      upstream: emu,
      appSecret: `${PLANTED_SECRET}-rotated`,
      observability: { readinessUpstreamGraceMs: 1 },
    });
  });
  afterAll(async () => {
    await wrong.close();
    await emu.close();
  });

  it('is a configuration error of the subgraph, not the caller’s, and /readyz says why', async () => {
    const res = await wrong.gql(`{ user(id: "${NOVA}") { achievements { apiName } } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_CREDENTIALS_REJECTED',
      retryable: false,
    });
    expect(res.errors?.[0]?.message).toMatch(/HORIZON_APP_ID \/ HORIZON_APP_SECRET/);
    const ready = await fetch(`${wrong.url}/readyz`);
    const report = (await ready.json()) as { status: string; reason: string };
    expect(ready.status).toBe(503);
    expect(report).toMatchObject({ status: 'not ready', reason: 'upstream credentials rejected' });
    const everything = [res.raw, JSON.stringify(report), ...wrong.logs].join('\n');
    expect(everything).not.toContain(`${PLANTED_SECRET}-rotated`);
    expect(everything).not.toContain(PLANTED_SECRET);
  });
});
