import { describe, expect, it } from 'vitest';
import { STRICT_FULL_BOARD_PAGE_CAP } from '../../src/emulator/strict.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { demoFixture, guessed, refusedProbes, sharedSubgraph } from '../helpers/harness.ts';

// Leaderboards, their entries (paging, filters, `around`, player views), the players' entries and
// every leaderboard mutation, over real HTTP against the emulator serving the demo fixture.
// In strict mode the fields that come only from our guesses (title, entry window, supplementary
// metric) read null, and a whole-board page holds at most STRICT_FULL_BOARD_PAGE_CAP entries.

const fixture = demoFixture();
const NOVA = '1000000000000001'; // #2 on GLOBAL_HIGH_SCORE, #119 on ALPINE_PASS_BEST_LAP, 12 friends
const APEX = '1000000000000002'; // #1 on GLOBAL_HIGH_SCORE with 9007199254740995
const ROOKIE = '1000000000000004'; // owns the app, no entries anywhere
const SHOPPER = '1000000000000005'; // does not own the app
const UNKNOWN = '1999999999999999';
const tokenOf = (id: string) => fixture.users.find((u) => u.id === id)!.access_token!;

type FixtureEntry = (typeof fixture.leaderboard_entries)[number];
const board = (apiName: string) => fixture.leaderboards.find((l) => l.api_name === apiName)!;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A leaderboard's entries best first, by the documented rule: score, then metric, then earlier time. */
function ranking(apiName: string): FixtureEntry[] {
  const higherIsBetter = board(apiName).sort_order === 'HIGHER_IS_BETTER';
  // Negative when `a` is the better value.
  const cmp = (a: bigint, b: bigint) => (a === b ? 0 : a > b === higherIsBetter ? -1 : 1);
  const metric = (e: FixtureEntry) =>
    e.supplementary_metric === undefined ? undefined : BigInt(e.supplementary_metric);
  return fixture.leaderboard_entries
    .filter((e) => e.api_name === apiName)
    .sort((a, b) => {
      const byScore = cmp(BigInt(a.score), BigInt(b.score));
      if (byScore !== 0) return byScore;
      const am = metric(a);
      const bm = metric(b);
      if (am !== bm) return am === undefined ? 1 : bm === undefined ? -1 : cmp(am, bm);
      return (a.timestamp ?? 0) - (b.timestamp ?? 0) || (a.id! < b.id! ? -1 : 1);
    });
}

interface Entry {
  id: string;
  rank: number;
  score: string;
  timestamp: string | null;
  user: { id: string; alias: string | null };
  extraDataBase64: string | null;
  supplementaryMetric: string | null;
}
const ENTRY = 'id rank score timestamp user { id alias } extraDataBase64 supplementaryMetric';

/** The entry the subgraph must show for the fixture row at 0-based position `index` of its ranking. */
function expectedEntry(e: FixtureEntry, index: number): Entry {
  const metric = e.supplementary_metric === undefined ? null : String(e.supplementary_metric);
  return {
    id: e.id!,
    rank: index + 1,
    score: String(e.score),
    timestamp: e.timestamp ? iso(e.timestamp) : null,
    user: { id: e.user_id, alias: fixture.users.find((u) => u.id === e.user_id)?.alias ?? null },
    extraDataBase64: e.extra_data_base64 ?? null,
    supplementaryMetric: guessed(sg, metric),
  };
}
const expectedPage = (apiName: string, from: number, count: number) =>
  ranking(apiName)
    .map(expectedEntry)
    .slice(from, from + count);

interface Connection {
  edges: { cursor: string; node: Entry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: string | null;
}
const CONNECTION = `edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage endCursor } totalCount`;

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

/** The entries one page of a whole-board read holds when `first` are asked for. */
const fullBoardPage = (first: number) =>
  sg.emulator.strict ? Math.min(first, STRICT_FULL_BOARD_PAGE_CAP) : first;

/** `Leaderboard.entries` with the given arguments (as variables). */
async function entries(
  apiName: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{
  connection?: Connection;
  errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}> {
  const res = await sg.gql<{ leaderboard: { entries: Connection } | null }>(
    `query($name: String!, $first: Int, $after: String, $filter: LeaderboardFilter, $userIds: [ID!], $around: ID) {
       leaderboard(apiName: $name) {
         entries(first: $first, after: $after, filter: $filter, userIds: $userIds, around: $around) { ${CONNECTION} } } }`,
    { name: apiName, ...args },
    headers,
  );
  return { connection: res.data?.leaderboard?.entries, errors: res.errors };
}

describe('Query.leaderboards and Query.leaderboard', () => {
  const FIELDS = `id apiName title sortOrder entryWritePolicy entryCount earliestAllowedEntryAt latestAllowedEntryAt`;
  const expected = () =>
    fixture.leaderboards.map((l) => ({
      id: l.id,
      apiName: l.api_name,
      title: guessed(sg, l.title),
      sortOrder: l.sort_order,
      entryWritePolicy: l.entry_write_policy,
      entryCount: String(ranking(l.api_name).length),
      earliestAllowedEntryAt: guessed(
        sg,
        l.earliest_allowed_entry_time ? iso(l.earliest_allowed_entry_time) : null,
      ),
      latestAllowedEntryAt: guessed(
        sg,
        l.latest_allowed_entry_time ? iso(l.latest_allowed_entry_time) : null,
      ),
    }));

  it('lists every leaderboard with its settings, entry count and entry window', async () => {
    const res = await sg.gql<{ leaderboards: unknown[] }>(`{ leaderboards { ${FIELDS} } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.leaderboards).toEqual(expected());
  });

  it('finds one leaderboard by api name', async () => {
    const res = await sg.gql<{ leaderboard: unknown }>(
      `{ leaderboard(apiName: "WEEKLY_TIME_TRIAL") { ${FIELDS} } }`,
    );
    expect(res.data?.leaderboard).toEqual(expected().find((l) => l.apiName === 'WEEKLY_TIME_TRIAL'));
  });

  it('answers null, not an error, for a name the app does not have', async () => {
    const res = await sg.gql<{ leaderboard: unknown }>(
      `{ leaderboard(apiName: "NO_SUCH_BOARD") { apiName } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.leaderboard).toBeNull();
  });

  it('refuses a malformed api name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`{ leaderboard(apiName: "two words") { apiName } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'apiName' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Leaderboard.entries', () => {
  it('returns the first 20 entries by default, best first, with exact scores above 2^53', async () => {
    const { connection, errors } = await entries('GLOBAL_HIGH_SCORE', {});
    expect(errors).toBeUndefined();
    expect(connection?.edges.map((e) => e.node)).toEqual(expectedPage('GLOBAL_HIGH_SCORE', 0, 20));
    expect(connection?.edges[0]?.node).toMatchObject({ user: { id: APEX }, score: '9007199254740995' });
    expect(connection?.totalCount).toBe(String(ranking('GLOBAL_HIGH_SCORE').length));
    expect(connection?.pageInfo).toEqual({ hasNextPage: true, endCursor: connection?.edges[19]?.cursor });
  });

  it('ranks a LOWER_IS_BETTER board lowest first and carries extra data', async () => {
    const { connection } = await entries('ALPINE_PASS_BEST_LAP', { first: 10 });
    expect(connection?.edges.map((e) => e.node)).toEqual(expectedPage('ALPINE_PASS_BEST_LAP', 0, 10));
    expect(connection?.edges.some((e) => e.node.extraDataBase64 !== null)).toBe(true);
  });

  it('pages with endCursor: consecutive pages join into the same ranking without gaps or repeats', async () => {
    const seen: Entry[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 3; page++) {
      const { connection, errors } = await entries('GLOBAL_HIGH_SCORE', { first: 7, after });
      expect(errors).toBeUndefined();
      seen.push(...(connection?.edges.map((e) => e.node) ?? []));
      expect(connection?.pageInfo.hasNextPage).toBe(true);
      after = connection?.pageInfo.endCursor;
    }
    expect(seen).toEqual(expectedPage('GLOBAL_HIGH_SCORE', 0, 21));
  });

  it('continues after any edge cursor, not only the last', async () => {
    const first = await entries('DRIFT_MASTERS', { first: 5 });
    const next = await entries('DRIFT_MASTERS', { first: 3, after: first.connection?.edges[1]?.cursor });
    expect(next.connection?.edges.map((e) => e.node)).toEqual(expectedPage('DRIFT_MASTERS', 2, 3));
  });

  it('says there is no next page at the end of the board', async () => {
    const size = ranking('DRIFT_MASTERS').length;
    expect(size).toBeLessThan(100);
    // A page holds what upstream gave: all of them, or in strict mode at most the cap, and then
    // hasNextPage leads on until the last page says there is no next one.
    const seen: Entry[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { connection, errors } = await entries('DRIFT_MASTERS', { first: 100, after });
      expect(errors).toBeUndefined();
      expect(connection?.edges).toHaveLength(Math.min(size - seen.length, fullBoardPage(100)));
      seen.push(...connection!.edges.map((e) => e.node));
      expect(connection?.pageInfo.hasNextPage).toBe(seen.length < size);
      if (!connection?.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expectedPage('DRIFT_MASTERS', 0, size));
  });

  it('issues cursors that carry no token, secret or upstream URL', async () => {
    const { connection } = await entries('GLOBAL_HIGH_SCORE', { first: 100 });
    const cursors = connection?.edges.map((e) => e.cursor) ?? [];
    expect(cursors).toHaveLength(fullBoardPage(100));
    for (const cursor of cursors) {
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      for (const text of [cursor, decoded]) {
        expect(text).not.toContain(sg.emulator.app.secret);
        expect(text).not.toContain('OC|');
        expect(text).not.toContain('access_token');
        expect(text).not.toContain(sg.emulator.url);
      }
    }
  });

  it.each([
    ['first: 0', { first: 0 }, 'first'],
    ['first: 101', { first: 101 }, 'first'],
    ['first: -5', { first: -5 }, 'first'],
    ['a cursor this subgraph did not issue', { after: 'bm90LWEtY3Vyc29y' }, 'after'],
    ['a cursor that is not base64 JSON', { after: '%%%' }, 'after'],
    ['USER_IDS without userIds', { filter: 'USER_IDS' }, 'userIds'],
    ['USER_IDS with a malformed id', { filter: 'USER_IDS', userIds: [NOVA, 'x'] }, 'userIds[1]'],
    ['around with a filter', { around: NOVA, filter: 'USER_IDS', userIds: [NOVA] }, 'around'],
    ['a malformed around id', { around: 'nova' }, 'around'],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, args, argument) => {
    await sg.gql(`{ leaderboards { apiName } }`); // the board itself comes from the cache
    await sg.emulator.checkpoint();
    const { errors } = await entries('GLOBAL_HIGH_SCORE', args);
    expect(errors?.[0]?.path).toEqual(['leaderboard', 'entries']);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('refuses a cursor of another leaderboard with BAD_USER_INPUT', async () => {
    const other = await entries('DRIFT_MASTERS', { first: 2 });
    const { errors } = await entries('GLOBAL_HIGH_SCORE', { after: other.connection?.pageInfo.endCursor });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('with USER_IDS returns only those players, at their global ranks', async () => {
    const ids = [ROOKIE, NOVA, APEX];
    const { connection, errors } = await entries('GLOBAL_HIGH_SCORE', { filter: 'USER_IDS', userIds: ids });
    expect(errors).toBeUndefined();
    const expected = ranking('GLOBAL_HIGH_SCORE')
      .map(expectedEntry)
      .filter((e) => ids.includes(e.user.id));
    expect(expected.map((e) => e.rank)).toEqual([1, 2]);
    expect(connection?.edges.map((e) => e.node)).toEqual(expected);
    expect(connection?.totalCount).toBe('2');
  });

  it('with around returns the page centred on that player, using app credentials', async () => {
    const rank = ranking('ALPINE_PASS_BEST_LAP').findIndex((e) => e.user_id === NOVA) + 1;
    expect(rank).toBe(119);
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    const { connection, errors } = await entries('ALPINE_PASS_BEST_LAP', { around: NOVA, first: 5 });
    expect(errors).toBeUndefined();
    expect(connection?.edges.map((e) => e.node)).toEqual(expectedPage('ALPINE_PASS_BEST_LAP', rank - 3, 5));
    expect(connection?.edges[2]?.node.user.id).toBe(NOVA);
    expect((await sg.emulator.counts()).byRoute['GET /leaderboard_entries']).toBe(2 + probes);
  });

  it('with around a player near the top starts at rank 1', async () => {
    const { connection } = await entries('GLOBAL_HIGH_SCORE', { around: APEX, first: 4 });
    expect(connection?.edges.map((e) => e.node.rank)).toEqual([1, 2, 3, 4]);
  });

  it('with around a player who has no entry returns an empty page', async () => {
    const { connection, errors } = await entries('GLOBAL_HIGH_SCORE', { around: ROOKIE });
    expect(errors).toBeUndefined();
    expect(connection?.edges).toEqual([]);
    expect(connection?.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it.each([['FRIENDS'], ['VIEWER'], ['VIEWER_OR_TOP']])(
    'refuses %s without the x-horizon-user-token header: BAD_USER_INPUT, no upstream call',
    async (filter) => {
      await sg.gql(`{ leaderboards { apiName } }`);
      await sg.emulator.checkpoint();
      const { errors } = await entries('GLOBAL_HIGH_SCORE', { filter });
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter' });
      expect(String(errors?.[0] && (errors[0] as { message?: string }).message)).toContain(
        'x-horizon-user-token',
      );
      expect((await sg.emulator.counts()).total).toBe(0);
    },
  );

  it('with FRIENDS and the player’s token returns the player and their friends, paged', async () => {
    const nova = fixture.users.find((u) => u.id === NOVA)!;
    const circle = new Set([NOVA, ...(nova.friends ?? [])]);
    const expected = ranking('GLOBAL_HIGH_SCORE')
      .map(expectedEntry)
      .filter((e) => circle.has(e.user.id));
    expect(expected.length).toBe(13);
    const headers = { 'x-horizon-user-token': tokenOf(NOVA) };
    const first = await entries('GLOBAL_HIGH_SCORE', { filter: 'FRIENDS', first: 8 }, headers);
    expect(first.errors).toBeUndefined();
    expect(first.connection?.totalCount).toBe('13');
    const second = await entries(
      'GLOBAL_HIGH_SCORE',
      { filter: 'FRIENDS', first: 8, after: first.connection?.pageInfo.endCursor },
      headers,
    );
    expect(second.connection?.pageInfo.hasNextPage).toBe(false);
    const all = [...(first.connection?.edges ?? []), ...(second.connection?.edges ?? [])].map((e) => e.node);
    expect(all).toEqual(expected);
  });

  it('with VIEWER and the player’s token starts around the player, and its cursor continues the ranking', async () => {
    const headers = { 'x-horizon-user-token': tokenOf(NOVA) };
    const page = await entries('ALPINE_PASS_BEST_LAP', { filter: 'VIEWER', first: 5 }, headers);
    expect(page.errors).toBeUndefined();
    expect(page.connection?.edges.map((e) => e.node)).toEqual(expectedPage('ALPINE_PASS_BEST_LAP', 116, 5));
    const next = await entries('ALPINE_PASS_BEST_LAP', {
      filter: 'VIEWER',
      first: 3,
      after: page.connection?.pageInfo.endCursor,
    });
    expect(next.errors).toBeUndefined();
    expect(next.connection?.edges.map((e) => e.node)).toEqual(expectedPage('ALPINE_PASS_BEST_LAP', 121, 3));
  });

  it('with VIEWER_OR_TOP starts at the top for a player without an entry; VIEWER gives that player nothing', async () => {
    const headers = { 'x-horizon-user-token': tokenOf(ROOKIE) };
    const top = await entries('GLOBAL_HIGH_SCORE', { filter: 'VIEWER_OR_TOP', first: 3 }, headers);
    expect(top.errors).toBeUndefined();
    expect(top.connection?.edges.map((e) => e.node)).toEqual(expectedPage('GLOBAL_HIGH_SCORE', 0, 3));
    const none = await entries('GLOBAL_HIGH_SCORE', { filter: 'VIEWER', first: 3 }, headers);
    expect(none.connection?.edges).toEqual([]);
  });

  it('reports a token upstream rejects as UNAUTHENTICATED', async () => {
    const { errors } = await entries(
      'GLOBAL_HIGH_SCORE',
      { filter: 'FRIENDS' },
      {
        'x-horizon-user-token': 'FRLnot-a-real-token',
      },
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      upstream: { status: 400, code: 190, endpoint: 'GET /leaderboard_entries' },
    });
  });

  it('gives each entry its leaderboard and its player’s alias without any further call', async () => {
    await sg.gql(`{ leaderboards { apiName } }`);
    await sg.emulator.checkpoint();
    const probes = refusedProbes(sg, READ_FIELDS.leaderboardEntries);
    const res = await sg.gql<{
      leaderboard: {
        entries: { edges: { node: { user: { alias: string }; leaderboard: { apiName: string } } }[] };
      };
    }>(
      `{ leaderboard(apiName: "DRIFT_MASTERS") { entries(first: 10) { edges { node { user { alias } leaderboard { apiName } } } } } }`,
    );
    const nodes = res.data?.leaderboard.entries.edges.map((e) => e.node) ?? [];
    expect(nodes.map((n) => n.user.alias)).toEqual(
      expectedPage('DRIFT_MASTERS', 0, 10).map((e) => e.user.alias),
    );
    expect(new Set(nodes.map((n) => n.leaderboard.apiName))).toEqual(new Set(['DRIFT_MASTERS']));
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'GET /leaderboard_entries': 1 + probes });
  });
});

describe('User.leaderboardEntry and User.leaderboardEntries', () => {
  it('returns a player’s entry on one leaderboard with its rank', async () => {
    const res = await sg.gql<{ user: { leaderboardEntry: Entry } }>(
      `{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { ${ENTRY} } } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = ranking('GLOBAL_HIGH_SCORE')
      .map(expectedEntry)
      .find((e) => e.user.id === NOVA);
    expect(expected?.rank).toBe(2);
    expect(res.data?.user.leaderboardEntry).toEqual(expected);
  });

  it('answers null, not an error, for a player without an entry', async () => {
    const res = await sg.gql<{ user: { leaderboardEntry: Entry | null } }>(
      `{ user(id: "${ROOKIE}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.user.leaderboardEntry).toBeNull();
  });

  it('reports an unknown leaderboard as NOT_FOUND on that field', async () => {
    const res = await sg.gql<{ user: { id: string; leaderboardEntry: null } }>(
      `{ user(id: "${NOVA}") { id leaderboardEntry(leaderboard: "NO_SUCH_BOARD") { rank } } }`,
    );
    expect(res.data?.user).toEqual({ id: NOVA, leaderboardEntry: null });
    expect(res.errors?.[0]?.path).toEqual(['user', 'leaderboardEntry']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstream: { status: 400, code: 12075, endpoint: 'GET /leaderboard_entries' },
    });
  });

  it('refuses a malformed leaderboard name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "a/b") { rank } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('lists a player’s entries on every leaderboard, each naming its leaderboard', async () => {
    const res = await sg.gql<{
      user: { leaderboardEntries: { rank: number; leaderboard: { apiName: string } }[] };
    }>(`{ user(id: "${NOVA}") { leaderboardEntries { rank leaderboard { apiName } } } }`);
    expect(res.errors).toBeUndefined();
    const expected = fixture.leaderboards.flatMap((l) => {
      const rank = ranking(l.api_name).findIndex((e) => e.user_id === NOVA) + 1;
      return rank > 0 ? [{ rank, leaderboard: { apiName: l.api_name } }] : [];
    });
    expect(expected.length).toBeGreaterThan(1);
    expect(res.data?.user.leaderboardEntries).toEqual(expected);
  });

  it('lists no entries for a player on no leaderboard', async () => {
    const res = await sg.gql<{ user: { leaderboardEntries: unknown[] } }>(
      `{ user(id: "${ROOKIE}") { leaderboardEntries { rank } } }`,
    );
    expect(res.data?.user.leaderboardEntries).toEqual([]);
  });
});

interface SubmitResult {
  didUpdate: boolean;
  entry: { rank: number; score: string; extraDataBase64: string | null; user: { id: string } } | null;
}
const SUBMIT = `mutation($b: String!, $u: ID!, $s: Int64!, $x: String, $f: Boolean) {
  submitLeaderboardScore(leaderboard: $b, userId: $u, score: $s, extraDataBase64: $x, forceUpdate: $f) {
    didUpdate entry { rank score extraDataBase64 user { id } } } }`;

describe('Mutation.submitLeaderboardScore', () => {
  it('keeps a score above 2^53 exact through the submit and a later read', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    // 9007199254740997 is not a double: through a JS number it would read 9007199254740996.
    const score = '9007199254740997';
    expect(String(Number(score))).not.toBe(score);
    const res = await sg.gql<{ submitLeaderboardScore: SubmitResult }>(SUBMIT, {
      b: 'GLOBAL_HIGH_SCORE',
      u: ROOKIE,
      s: score,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.submitLeaderboardScore).toEqual({
      didUpdate: true,
      entry: { rank: 1, score, extraDataBase64: null, user: { id: ROOKIE } },
    });
    const read = await sg.gql<{ user: { leaderboardEntry: { score: string; rank: number } } }>(
      `{ user(id: "${ROOKIE}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { score rank } } }`,
    );
    expect(read.data?.user.leaderboardEntry).toEqual({ score, rank: 1 });
    expect(read.raw).toContain(`"score":"${score}"`);
    const top = await entries('GLOBAL_HIGH_SCORE', { first: 2 });
    expect(top.connection?.edges.map((e) => e.node.score)).toEqual([score, '9007199254740995']);
  });

  it('accepts a score as a JSON integer within the safe range', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ submitLeaderboardScore: SubmitResult }>(SUBMIT, {
      b: 'DRIFT_MASTERS',
      u: ROOKIE,
      s: 1234,
    });
    expect(res.data?.submitLeaderboardScore.entry?.score).toBe('1234');
  });

  it('keeps the better entry unless forceUpdate, which replaces it', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const current = ranking('GLOBAL_HIGH_SCORE').find((e) => e.user_id === NOVA)!;
    const worse = String(BigInt(current.score) - 1000n);
    const kept = await sg.gql<{ submitLeaderboardScore: SubmitResult }>(SUBMIT, {
      b: 'GLOBAL_HIGH_SCORE',
      u: NOVA,
      s: worse,
    });
    expect(kept.data?.submitLeaderboardScore).toMatchObject({
      didUpdate: false,
      entry: { score: String(current.score) },
    });
    const forced = await sg.gql<{ submitLeaderboardScore: SubmitResult }>(SUBMIT, {
      b: 'GLOBAL_HIGH_SCORE',
      u: NOVA,
      s: worse,
      f: true,
    });
    expect(forced.data?.submitLeaderboardScore).toMatchObject({ didUpdate: true, entry: { score: worse } });
  });

  it('stores extra data and reads it back', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const extra = Buffer.from('{"car":"Vanta","weather":"rain"}').toString('base64');
    const res = await sg.gql<{ submitLeaderboardScore: SubmitResult }>(SUBMIT, {
      b: 'GLOBAL_HIGH_SCORE',
      u: ROOKIE,
      s: '10',
      x: extra,
    });
    expect(res.data?.submitLeaderboardScore.entry?.extraDataBase64).toBe(extra);
  });

  it('reports a submit outside the entry window as BAD_REQUEST', async () => {
    const res = await sg.gql(SUBMIT, { b: 'WEEKLY_TIME_TRIAL', u: ROOKIE, s: '65000' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.path).toEqual(['submitLeaderboardScore']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { status: 400, code: 100, endpoint: 'POST /leaderboard_submit_entry' },
    });
  });

  it('reports an unknown leaderboard as NOT_FOUND', async () => {
    const res = await sg.gql(SUBMIT, { b: 'NO_SUCH_BOARD', u: ROOKIE, s: '1' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: { code: 12075 } });
  });

  it('reports a player who does not own the app as BAD_REQUEST', async () => {
    const res = await sg.gql(SUBMIT, { b: 'GLOBAL_HIGH_SCORE', u: SHOPPER, s: '1' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it.each([
    ['extra data that is not base64', { x: 'not base64!' }],
    ['extra data of more than 2048 bytes', { x: Buffer.alloc(2049, 1).toString('base64') }],
    ['a malformed user id', { u: 'abc' }],
    ['a malformed leaderboard name', { b: 'GLOBAL HIGH' }],
    ['a score above int64', { s: '9223372036854775808' }],
    ['a score that is not an integer', { s: '12.5' }],
    ['a score as a JSON number beyond 2^53', { s: Number.MAX_SAFE_INTEGER + 3 }],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, change) => {
    const res = await sg.gql(SUBMIT, { b: 'GLOBAL_HIGH_SCORE', u: ROOKIE, s: '1', ...change });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.deleteLeaderboardEntry', () => {
  const remove = `mutation($id: ID!) { deleteLeaderboardEntry(id: $id) { success } }`;

  it('deletes one entry by its id, after which the player has no entry there', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const entry = ranking('GLOBAL_HIGH_SCORE').find((e) => e.user_id === NOVA)!;
    const res = await sg.gql<{ deleteLeaderboardEntry: { success: boolean } }>(remove, { id: entry.id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.deleteLeaderboardEntry).toEqual({ success: true });
    const after = await sg.gql<{ user: { leaderboardEntry: null } }>(
      `{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }`,
    );
    expect(after.data?.user.leaderboardEntry).toBeNull();
  });

  it('reports an id that is no entry as NOT_FOUND', async () => {
    const res = await sg.gql(remove, { id: UNKNOWN });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstream: { status: 400, code: 100, subcode: 33, endpoint: 'DELETE /{entry_id}' },
    });
  });

  it('refuses a malformed id with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(remove, { id: 'GLOBAL_HIGH_SCORE' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.resetLeaderboard', () => {
  const reset = `mutation($n: String!) { resetLeaderboard(apiName: $n) { success } }`;

  it('empties a leaderboard, and its entry count reads 0 at once', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    await sg.gql(`{ leaderboards { apiName entryCount } }`);
    const res = await sg.gql<{ resetLeaderboard: { success: boolean } }>(reset, { n: 'DRIFT_MASTERS' });
    expect(res.data?.resetLeaderboard).toEqual({ success: true });
    const after = await sg.gql<{ leaderboard: { entryCount: string; entries: Connection } }>(
      `{ leaderboard(apiName: "DRIFT_MASTERS") { entryCount entries { ${CONNECTION} } } }`,
    );
    expect(after.data?.leaderboard).toEqual({
      entryCount: '0',
      entries: { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: '0' },
    });
  });

  it('answers NOT_FOUND for an unknown leaderboard, without calling the write endpoint', async () => {
    const res = await sg.gql(reset, { n: 'NO_SUCH_BOARD' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await sg.emulator.counts()).byRoute['POST /leaderboard_remove_all_entries']).toBeUndefined();
  });

  it('refuses a malformed name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(reset, { n: '' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.upsertLeaderboard and Mutation.deleteLeaderboard', () => {
  const upsert = `mutation($i: LeaderboardInput!) { upsertLeaderboard(input: $i) {
    id apiName title sortOrder entryWritePolicy entryCount earliestAllowedEntryAt latestAllowedEntryAt } }`;
  const remove = `mutation($n: String!) { deleteLeaderboard(apiName: $n) { success } }`;

  it('creates a leaderboard that the next leaderboards read lists, then updates it in place', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    await sg.gql(`{ leaderboards { apiName } }`); // cache the old list
    const created = await sg.gql<{ upsertLeaderboard: Record<string, unknown> }>(upsert, {
      i: {
        apiName: 'NIGHT_SPRINT',
        sortOrder: 'LOWER_IS_BETTER',
        entryWritePolicy: 'SERVER_AUTHORITATIVE',
        earliestAllowedEntryAt: '2026-12-01T00:00:00Z',
        latestAllowedEntryAt: '2026-12-07T23:59:59Z',
        title: 'Night Sprint',
      },
    });
    expect(created.errors).toBeUndefined();
    // Written upstream either way; read back only where upstream serves the guessed fields.
    expect(created.data?.upsertLeaderboard).toMatchObject({
      apiName: 'NIGHT_SPRINT',
      title: guessed(sg, 'Night Sprint'),
      sortOrder: 'LOWER_IS_BETTER',
      entryWritePolicy: 'SERVER_AUTHORITATIVE',
      entryCount: '0',
      earliestAllowedEntryAt: guessed(sg, '2026-12-01T00:00:00.000Z'),
      latestAllowedEntryAt: guessed(sg, '2026-12-07T23:59:59.000Z'),
    });
    expect(created.data?.upsertLeaderboard.id).toMatch(/^\d+$/);
    const list = await sg.gql<{ leaderboards: { apiName: string }[] }>(`{ leaderboards { apiName } }`);
    expect(list.data?.leaderboards.map((l) => l.apiName)).toContain('NIGHT_SPRINT');

    const updated = await sg.gql<{ upsertLeaderboard: Record<string, unknown> }>(upsert, {
      i: { apiName: 'NIGHT_SPRINT', title: 'Night Sprint (final)' },
    });
    expect(updated.data?.upsertLeaderboard).toMatchObject({
      id: created.data?.upsertLeaderboard.id,
      title: guessed(sg, 'Night Sprint (final)'),
      sortOrder: 'LOWER_IS_BETTER',
    });
  });

  it('returns null with BAD_REQUEST when upstream refuses a new leaderboard without a sort order', async () => {
    const res = await sg.gql(upsert, {
      i: { apiName: 'HALF_DONE', entryWritePolicy: 'SERVER_AUTHORITATIVE' },
    });
    expect(res.data?.upsertLeaderboard).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { status: 400, code: 100, endpoint: 'POST /{app_id}/leaderboards' },
    });
  });

  it('refuses a malformed api name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(upsert, { i: { apiName: 'no spaces', sortOrder: 'HIGHER_IS_BETTER' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('deletes a leaderboard, after which it is gone', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ deleteLeaderboard: { success: boolean } }>(remove, { n: 'DRIFT_MASTERS' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.deleteLeaderboard).toEqual({ success: true });
    expect((await sg.emulator.counts()).byRoute['DELETE /{leaderboard_id}']).toBe(1);
    const after = await sg.gql<{ leaderboard: null; leaderboards: { apiName: string }[] }>(
      `{ leaderboard(apiName: "DRIFT_MASTERS") { apiName } leaderboards { apiName } }`,
    );
    expect(after.data?.leaderboard).toBeNull();
    expect(after.data?.leaderboards.map((l) => l.apiName)).not.toContain('DRIFT_MASTERS');
  });

  it('answers NOT_FOUND for a leaderboard that does not exist, without any DELETE', async () => {
    const res = await sg.gql(remove, { n: 'NO_SUCH_BOARD' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    const counts = await sg.emulator.counts();
    expect(counts.byRoute['DELETE /{leaderboard_id}']).toBeUndefined();
    expect(counts.byRoute['DELETE /{entry_id}']).toBeUndefined();
  });

  it('refuses a malformed name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(remove, { n: 'a b' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});
