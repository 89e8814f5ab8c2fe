import { beforeEach, describe, expect, it } from 'vitest';
import { buildFields } from '../../src/horizon/index.ts';
import { READ_FIELDS, allFields } from '../../src/shared/read-fields.ts';
import { MAX_LOGGED_VALUE_LENGTH, UNKNOWN_VALUE_MESSAGE } from '../../src/observability/unknown-values.ts';
import { ROUTES, type RouteTemplate } from '../../src/shared/routes.ts';
import { sharedSubgraph, type GqlResponse } from '../helpers/harness.ts';
import { parseMetrics, valueOf } from '../ops/prometheus-text.ts';

// Meta adds enum values without notice. For every enum the client reads, the emulator answers 200
// with its normal body except for one value this subgraph does not know: the query still answers
// with data (the value served as null, as schema.graphql documents), without INTERNAL_SERVER_ERROR,
// with one warning log line and a count in /metrics.

const NOVA = '1000000000000001';
/** In the demo fixture: on a FREE_TRIAL of rally_pass_monthly. */
const TRIALIST = '1000000000000006';
const METRIC = 'horizon_upstream_unknown_enum_values_total';

// Caches off: every query reads upstream, so each test sees its own injected answer.
// Always the lenient emulator, whatever EMULATOR_STRICT says: each answer here is the emulator's
// own body with the fields the client asks for, guesses included (e.g. a product's `type`), which
// the strict emulator refuses to build. The values are what is under test, not the fields.
const sg = sharedSubgraph({ cacheTtlMs: 0, emulator: { strict: false } });
beforeEach(() => {
  sg.logs.length = 0;
});

/** The fields the client asks for on each route (its guesses included). */
const FIELDS = {
  leaderboards: buildFields(allFields(READ_FIELDS.leaderboards)),
  definitions: buildFields(allFields(READ_FIELDS.achievementDefinitions)),
  progress: buildFields(allFields(READ_FIELDS.userAchievements)),
  catalog: buildFields(allFields(READ_FIELDS.catalog)),
  subscriptions: buildFields(allFields(READ_FIELDS.subscriptions)),
};

type Row = Record<string, unknown>;

/** The emulator's own answer to a read with the app token: the normal body we then alter. */
async function upstreamAnswer(path: string, params: Record<string, string>): Promise<{ data: Row[] }> {
  const url = new URL(path.replace('{app_id}', sg.emulator.app.id), sg.emulator.url);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const res = await fetch(url, {
    headers: { authorization: `Bearer OC|${sg.emulator.app.id}|${sg.emulator.app.secret}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Row[]; paging?: { next?: string } };
  // One page, so the injected answer is the whole list.
  expect(body.paging?.next).toBeUndefined();
  expect(body.data.length).toBeGreaterThan(0);
  return body;
}

/** Injects `body` as the next 200 answer of `route`. */
async function answerOnce(route: RouteTemplate, body: unknown): Promise<void> {
  await sg.emulator.fault({ route, status: 200, body });
}

/** The row of `data` whose `key` is `value` (fails if there is none). */
function rowWhere(data: Row[], key: string, value: string): Row {
  const row = data.find((r) => r[key] === value);
  expect(row, `${key} = ${value}`).toBeDefined();
  return row!;
}

type LogLine = Record<string, unknown> & { msg: string; level: number };
function warnings(field: string): LogLine[] {
  return sg.logs
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === UNKNOWN_VALUE_MESSAGE && line.field === field);
}

async function counted(field: string, value: string): Promise<number | undefined> {
  const res = await fetch(`${sg.url}/metrics`);
  return valueOf(parseMetrics(await res.text()), METRIC, { field, value });
}

/** Data, no error of any kind (so no INTERNAL_SERVER_ERROR), and nothing masked. */
function expectServed(res: GqlResponse): void {
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
  expect(res.raw).not.toContain('INTERNAL_SERVER_ERROR');
  expect(res.data).toBeTruthy();
}

/** One warning line naming the field and the value, and one count of them in /metrics. */
async function expectReported(field: string, value: string): Promise<void> {
  const lines = warnings(field);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 40, field, value });
  expect(await counted(field, value)).toBe(1);
}

describe('an upstream enum value the subgraph does not know', () => {
  it('Leaderboard.sortOrder: null, the rest of the leaderboard served (leaderboard.sort_order)', async () => {
    const answer = await upstreamAnswer(`/{app_id}/leaderboards`, { fields: FIELDS.leaderboards });
    rowWhere(answer.data, 'api_name', 'GLOBAL_HIGH_SCORE').sort_order = 'MOST_LAPS';
    await answerOnce(ROUTES.leaderboardsRead, answer);

    const res = await sg.gql<{ leaderboard: Row }>(
      `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { apiName title sortOrder entryWritePolicy } }`,
    );
    expectServed(res);
    expect(res.data!.leaderboard).toEqual({
      apiName: 'GLOBAL_HIGH_SCORE',
      title: 'Global High Score (career points)',
      sortOrder: null,
      entryWritePolicy: 'SERVER_AUTHORITATIVE',
    });
    await expectReported('leaderboard.sort_order', 'MOST_LAPS');
  });

  it('Leaderboard.entryWritePolicy: null, the rest served (leaderboard.entry_write_policy)', async () => {
    const answer = await upstreamAnswer(`/{app_id}/leaderboards`, { fields: FIELDS.leaderboards });
    rowWhere(answer.data, 'api_name', 'GLOBAL_HIGH_SCORE').entry_write_policy = 'TEAM_AUTHORITATIVE';
    await answerOnce(ROUTES.leaderboardsRead, answer);

    const res = await sg.gql<{ leaderboard: Row }>(
      `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { apiName title sortOrder entryWritePolicy } }`,
    );
    expectServed(res);
    expect(res.data!.leaderboard).toEqual({
      apiName: 'GLOBAL_HIGH_SCORE',
      title: 'Global High Score (career points)',
      sortOrder: 'HIGHER_IS_BETTER',
      entryWritePolicy: null,
    });
    await expectReported('leaderboard.entry_write_policy', 'TEAM_AUTHORITATIVE');
  });

  it('AchievementDefinition.type: null, the rest served (achievement_definition.achievement_type)', async () => {
    const answer = await upstreamAnswer(`/{app_id}/achievement_definitions`, { fields: FIELDS.definitions });
    rowWhere(answer.data, 'api_name', 'FIRST_LAP').achievement_type = 'STREAK';
    await answerOnce(ROUTES.achievementDefinitionsRead, answer);

    const res = await sg.gql<{ achievementDefinitions: Row[] }>(
      `{ achievementDefinitions(apiNames: ["FIRST_LAP", "WIN_10_RACES"]) { apiName title type writePolicy } }`,
    );
    expectServed(res);
    expect(res.data!.achievementDefinitions).toEqual([
      { apiName: 'FIRST_LAP', title: 'Lights Out', type: null, writePolicy: 'CLIENT_AUTHORITATIVE' },
      expect.objectContaining({ apiName: 'WIN_10_RACES', type: 'COUNT' }),
    ]);
    await expectReported('achievement_definition.achievement_type', 'STREAK');
  });

  it('AchievementDefinition.writePolicy: null, the rest served (achievement_definition.achievement_write_policy)', async () => {
    const answer = await upstreamAnswer(`/{app_id}/achievement_definitions`, { fields: FIELDS.definitions });
    rowWhere(answer.data, 'api_name', 'FIRST_LAP').achievement_write_policy = 'SHARED_AUTHORITATIVE';
    await answerOnce(ROUTES.achievementDefinitionsRead, answer);

    const res = await sg.gql<{ achievementDefinitions: Row[] }>(
      `{ achievementDefinitions(apiNames: ["FIRST_LAP"]) { apiName title type writePolicy } }`,
    );
    expectServed(res);
    expect(res.data!.achievementDefinitions).toEqual([
      { apiName: 'FIRST_LAP', title: 'Lights Out', type: 'SIMPLE', writePolicy: null },
    ]);
    await expectReported('achievement_definition.achievement_write_policy', 'SHARED_AUTHORITATIVE');
  });

  it('the type inside a progress row: the progress is served as if the type were unknown (achievement_progress.definition.achievement_type)', async () => {
    const query = `{ user(id: "${NOVA}") { achievements { apiName isUnlocked count bitfield progress } } }`;
    const before = await sg.gql<{ user: { achievements: Row[] } }>(query);
    expectServed(before);

    const answer = await upstreamAnswer(`/${NOVA}/achievements`, { fields: FIELDS.progress });
    // A COUNT achievement: its count is served whether its type is COUNT or not known.
    const row = answer.data.find(
      (r) => (r.definition as Row | undefined)?.api_name === 'LIFETIME_DISTANCE_METERS',
    );
    expect(row).toBeDefined();
    (row!.definition as Row).achievement_type = 'STREAK';
    await answerOnce(ROUTES.userAchievementsRead, answer);

    const res = await sg.gql<{ user: { achievements: Row[] } }>(query);
    expectServed(res);
    expect(res.data!.user.achievements).toEqual(before.data!.user.achievements);
    expect(res.data!.user.achievements).toContainEqual(
      expect.objectContaining({ apiName: 'LIFETIME_DISTANCE_METERS', isUnlocked: false, count: '2971496' }),
    );
    await expectReported('achievement_progress.definition.achievement_type', 'STREAK');
  });

  it('Product.type: null, the rest of the catalog served (product.type)', async () => {
    const answer = await upstreamAnswer('/application/available_purchases', { fields: FIELDS.catalog });
    rowWhere(answer.data, 'sku', 'track_pack_alpine').type = 'BUNDLE';
    await answerOnce(ROUTES.availablePurchases, answer);

    const res = await sg.gql<{ products: Row[] }>(`{ products { sku name type } }`);
    expectServed(res);
    const products = res.data!.products;
    expect(products).toHaveLength(answer.data.length);
    expect(products).toContainEqual({ sku: 'track_pack_alpine', name: 'Alpine Pass Track Pack', type: null });
    expect(products).toContainEqual(expect.objectContaining({ sku: 'coins_500', type: 'CONSUMABLE' }));
    await expectReported('product.type', 'BUNDLE');
  });

  it('PlatformSubscription.trialType: null, the rest of the subscription served (subscription.trial_type)', async () => {
    const answer = await upstreamAnswer('/application/subscriptions', {
      owner_id: TRIALIST,
      fields: FIELDS.subscriptions,
    });
    const row = rowWhere(answer.data, 'sku', 'rally_pass_monthly');
    expect(row.trial_type).toBe('FREE_TRIAL');
    row.trial_type = 'PAY_WHAT_YOU_WANT';
    await answerOnce(ROUTES.subscriptions, answer);

    const res = await sg.gql<{ user: { subscriptions: Row[] } }>(
      `{ user(id: "${TRIALIST}") { subscriptions { sku isActive isTrial trialType } } }`,
    );
    expectServed(res);
    expect(res.data!.user.subscriptions).toContainEqual({
      sku: 'rally_pass_monthly',
      isActive: true,
      isTrial: true,
      trialType: null,
    });
    await expectReported('subscription.trial_type', 'PAY_WHAT_YOU_WANT');
  });

  it('is logged once per field and value, and counted every time it is read', async () => {
    const query = `{ leaderboard(apiName: "ALPINE_PASS_BEST_LAP") { apiName sortOrder } }`;
    for (let i = 0; i < 2; i++) {
      const answer = await upstreamAnswer(`/{app_id}/leaderboards`, { fields: FIELDS.leaderboards });
      rowWhere(answer.data, 'api_name', 'ALPINE_PASS_BEST_LAP').sort_order = 'CLOSEST_TO_TARGET';
      await answerOnce(ROUTES.leaderboardsRead, answer);
      const res = await sg.gql<{ leaderboard: Row }>(query);
      expectServed(res);
      expect(res.data!.leaderboard).toEqual({ apiName: 'ALPINE_PASS_BEST_LAP', sortOrder: null });
    }
    expect(warnings('leaderboard.sort_order').filter((l) => l.value === 'CLOSEST_TO_TARGET')).toHaveLength(1);
    expect(await counted('leaderboard.sort_order', 'CLOSEST_TO_TARGET')).toBe(2);
  });

  it('keeps a long or odd value short in the log line and out of the metric labels', async () => {
    const long = `X${'y'.repeat(4999)}`;
    const answer = await upstreamAnswer('/application/available_purchases', { fields: FIELDS.catalog });
    rowWhere(answer.data, 'sku', 'coins_500').type = long;
    await answerOnce(ROUTES.availablePurchases, answer);

    const res = await sg.gql<{ products: Row[] }>(`{ products { sku type } }`);
    expectServed(res);
    expect(res.data!.products).toContainEqual({ sku: 'coins_500', type: null });
    const [line] = warnings('product.type').filter((l) => String(l.value).startsWith('Xyyy'));
    expect(line).toMatchObject({ valueLength: 5000 });
    expect([...String(line!.value)]).toHaveLength(MAX_LOGGED_VALUE_LENGTH + 1); // and a '…'
    expect(sg.logs.join('\n')).not.toContain(long);
    expect(await counted('product.type', 'other')).toBe(1);
    expect((await (await fetch(`${sg.url}/metrics`)).text()).includes('yyyyyyyyyyyyyyyy')).toBe(false);
  });
});
