/**
 * Strict mode over real HTTP: what it refuses (guessed fields, string user_ids, following a broken
 * `next`, more than 5 DELETEs at once), how it throttles, and that the default mode stays lenient.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fixture } from '../../src/emulator/index.ts';
import { STRICT_READS } from '../../src/emulator/strict.ts';
import { allFields, READ_FIELDS, type FieldSelection } from '../../src/shared/read-fields.ts';
import { ROUTES, type RouteTemplate } from '../../src/shared/routes.ts';
import {
  ADA,
  APP_ID,
  APP_TOKEN,
  BOB,
  CY,
  smallFixture,
  testEmulator,
  type CallOptions,
  type TestEmulator,
} from './helpers.ts';

/** 2^53 + 1 and 2^53: ids a double cannot tell apart. */
const BIG = { id: '9007199254740993', token: 'FRLbig00000000000' };
const BIG_NEIGHBOUR = { id: '9007199254740992', token: 'FRLbig00000000001' };
/** Players of the 60-entry board BIG_BOARD (ids 1000…1059, player i scored i). */
const BOARD_SIZE = 60;
const boardPlayer = (i: number) => String(1000 + i);

/** The small fixture plus a 60-entry board and two users whose ids are beyond 2^53. */
function strictFixture(): Fixture {
  const fixture = smallFixture();
  fixture.users.push(
    { id: BIG.id, alias: 'big', access_token: BIG.token },
    { id: BIG_NEIGHBOUR.id, alias: 'neighbour', access_token: BIG_NEIGHBOUR.token },
  );
  fixture.leaderboards!.push({ id: '599', api_name: 'BIG_BOARD', sort_order: 'HIGHER_IS_BETTER' });
  fixture.leaderboard_entries!.push(
    { id: '690', api_name: 'HIGH', user_id: BIG.id, score: 10, timestamp: 30 },
    { id: '691', api_name: 'HIGH', user_id: BIG_NEIGHBOUR.id, score: 5, timestamp: 30 },
  );
  for (let i = 0; i < BOARD_SIZE; i++) {
    fixture.users.push({ id: boardPlayer(i), alias: `p${i}` });
    fixture.leaderboard_entries!.push({
      id: String(7000 + i),
      api_name: 'BIG_BOARD',
      user_id: boardPlayer(i),
      score: i,
      timestamp: 1,
    });
  }
  return fixture;
}

/** How to call each read that has a `READ_FIELDS` entry, on the fixture above. */
const READ_CALLS: Record<keyof typeof READ_FIELDS, { route: RouteTemplate; path: string } & CallOptions> = {
  achievementDefinitions: {
    route: ROUTES.achievementDefinitionsRead,
    path: `/${APP_ID}/achievement_definitions`,
  },
  userAchievements: { route: ROUTES.userAchievementsRead, path: `/${ADA.id}/achievements` },
  viewerPurchases: {
    route: ROUTES.viewerPurchases,
    path: `/${APP_ID}/viewer_purchases`,
    query: { user_id: ADA.id },
  },
  catalog: { route: ROUTES.availablePurchases, path: '/application/available_purchases' },
  subscriptions: {
    route: ROUTES.subscriptions,
    path: '/application/subscriptions',
    query: { owner_id: ADA.id },
  },
  leaderboards: { route: ROUTES.leaderboardsRead, path: `/${APP_ID}/leaderboards` },
  leaderboardEntries: {
    route: ROUTES.leaderboardEntries,
    path: '/leaderboard_entries',
    query: { api_name: 'HIGH' },
  },
  user: { route: ROUTES.userLookup, path: `/${ADA.id}` },
  me: { route: ROUTES.me, path: '/me', bearer: ADA.token },
};
const READS = Object.entries(READ_CALLS) as [
  keyof typeof READ_FIELDS,
  (typeof READ_CALLS)[keyof typeof READ_FIELDS],
][];

/** `['a', {b: ['c']}]` → `a,b{c}`, the client's wire form. */
function fieldsParam(selection: FieldSelection): string {
  return selection
    .map((field) =>
      typeof field === 'string'
        ? field
        : Object.entries(field)
            .map(([name, sub]) => `${name}{${fieldsParam(sub)}}`)
            .join(','),
    )
    .join(',');
}

function read(emu: TestEmulator, name: keyof typeof READ_FIELDS, fields: string) {
  const { path, query, ...options } = READ_CALLS[name];
  return emu.call('GET', path, { ...options, query: { ...query, fields } });
}

const entries = (emu: TestEmulator, query: Record<string, string>, bearer?: string) =>
  emu.call('GET', '/leaderboard_entries', { query, bearer });

let strict: TestEmulator;
let lenient: TestEmulator;
beforeAll(async () => {
  [strict, lenient] = await Promise.all([
    testEmulator({ fixture: strictFixture(), strict: true }),
    testEmulator({ fixture: strictFixture() }),
  ]);
});
afterAll(() => Promise.all([strict.close(), lenient.close()]));
beforeEach(() => Promise.all([strict.control('POST', 'reset'), lenient.control('POST', 'reset')]));

describe('strict mode: guessed fields', () => {
  it('maps every read of READ_FIELDS to the route that serves it', () => {
    for (const [name, call] of READS) expect(STRICT_READS[call.route]).toBe(READ_FIELDS[name]);
  });

  it('refuses each optional field with Graph’s exact (#100) nonexisting-field body', async () => {
    const response = await read(strict, 'leaderboardEntries', 'id,rank,supplementary_metric{id,metric}');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        message:
          '(#100) Tried accessing nonexisting field (supplementary_metric) on node type (LeaderboardEntry)',
        type: 'OAuthException',
        code: 100,
        fbtrace_id: expect.stringMatching(/^[\w-]{16,}$/),
      },
    });
    for (const [name, { optional, nodeType }] of Object.entries(READ_FIELDS)) {
      for (const [field, selection] of Object.entries(optional)) {
        const refused = await read(
          strict,
          name as keyof typeof READ_FIELDS,
          `id,${fieldsParam([selection])}`,
        );
        expect([name, refused.status, refused.body.error.message]).toEqual([
          name,
          400,
          `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
        ]);
      }
    }
  });

  it('names the first guessed field written when several are asked', async () => {
    const response = await read(strict, 'leaderboards', 'api_name,score_type,title');
    expect(response.body.error.message).toContain('(score_type) on node type (Leaderboard)');
  });

  it('serves every core field of every read', async () => {
    for (const [name, fields] of Object.entries(READ_FIELDS)) {
      const response = await read(strict, name as keyof typeof READ_FIELDS, fieldsParam(fields.core));
      expect([name, response.status]).toEqual([name, 200]);
    }
  });

  it('refuses a guess only at the top level: user{display_name,profile_url} stays core on entries', async () => {
    const response = await read(strict, 'leaderboardEntries', 'id,user{id,alias,display_name,profile_url}');
    expect(response.status).toBe(200);
    expect(response.body.data[0].user).toMatchObject({ id: BOB.id, alias: 'bob' });
    const lookup = await read(strict, 'user', 'id,alias,display_name');
    expect(lookup.body.error.message).toContain('(display_name) on node type (User)');
    const me = await read(strict, 'me', 'id,alias,display_name,profile_url');
    expect(me.body).toEqual({
      id: ADA.id,
      alias: 'ada',
      display_name: 'Ada L.',
      profile_url: expect.any(String),
    });
  });

  it('checks the token before the fields', async () => {
    const response = await strict.call('GET', `/${APP_ID}/leaderboards`, {
      query: { fields: 'title' },
      bearer: 'FRLnot-a-user',
    });
    expect(response.body.error.code).toBe(190);
  });

  it('default mode serves every field the client asks for, guesses included', async () => {
    for (const [name, fields] of Object.entries(READ_FIELDS)) {
      const response = await read(lenient, name as keyof typeof READ_FIELDS, fieldsParam(allFields(fields)));
      expect([name, response.status]).toEqual([name, 200]);
    }
  });
});

describe('strict mode: user_ids', () => {
  const byUserIds = (emu: TestEmulator, userIds: string) =>
    entries(emu, { api_name: 'HIGH', filter: 'USER_IDS', user_ids: userIds, fields: 'rank,user{id}' });

  it('refuses ids written as JSON strings with 400 code 100', async () => {
    const response = await byUserIds(strict, `["${ADA.id}","${BOB.id}"]`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 100,
      message: '(#100) Param user_ids[0] must be an integer',
    });
  });

  it('accepts a JSON array of integers, exact beyond 2^53', async () => {
    const response = await byUserIds(strict, `[${BOB.id},${BIG.id},${ADA.id}]`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((row: { user: { id: string } }) => row.user.id)).toEqual([
      BOB.id,
      ADA.id,
      BIG.id,
    ]);
    expect(response.body.data.map((row: { rank: number }) => row.rank)).toEqual([1, 3, 4]);
    const neighbour = await byUserIds(strict, `[${BIG_NEIGHBOUR.id}]`);
    expect(neighbour.body.data).toEqual([{ id: '691', rank: 5, user: { id: BIG_NEIGHBOUR.id } }]);
  });

  it('default mode takes strings and integers alike', async () => {
    const strings = await byUserIds(lenient, `["${ADA.id}","${BIG.id}"]`);
    const integers = await byUserIds(lenient, `[${ADA.id},${BIG.id}]`);
    expect(strings.status).toBe(200);
    expect(integers.body).toEqual(strings.body);
  });
});

describe('strict mode: whole-board walks (filter=NONE)', () => {
  const walk = { api_name: 'BIG_BOARD', filter: 'NONE', limit: '100', fields: 'rank,user{id}' };

  it('holds at most 25 entries per page whatever limit says', async () => {
    const first = await entries(strict, walk);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(25);
    expect(first.body.paging.next).toEqual(expect.any(String));
    const unfiltered = await entries(strict, { api_name: 'BIG_BOARD', limit: '30' });
    expect(unfiltered.body.data).toHaveLength(25);
  });

  it('fails when paging.next is followed, as is or with the token moved to the header', async () => {
    const { next } = (await entries(strict, walk)).body.paging;
    const followed = await strict.follow(next);
    expect(followed.status).toBe(400);
    expect(followed.body.error).toMatchObject({ code: 100, message: '(#100) Invalid paging cursor' });
    const url = new URL(next);
    url.searchParams.delete('access_token');
    const withHeader = await strict.call('GET', `${url.pathname}${url.search}`);
    expect(withHeader.status).toBe(400);
  });

  it('walks the whole board with after=<cursors.after> and the original parameters', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let calls = 0;
    for (;;) {
      const page = await entries(strict, after === undefined ? walk : { ...walk, after });
      calls++;
      expect(page.status).toBe(200);
      if (page.body.data.length === 0) break;
      expect(page.body.data.length).toBeLessThanOrEqual(25);
      seen.push(...page.body.data.map((row: { user: { id: string } }) => row.user.id));
      after = page.body.paging.cursors.after;
    }
    expect(seen).toEqual(Array.from({ length: BOARD_SIZE }, (_, i) => boardPlayer(BOARD_SIZE - 1 - i)));
    // 25 + 25 + 10, then an empty page: the last page has no `next`, but nothing says it was last.
    expect(calls).toBe(4);
  });

  it('keeps plain paging for filtered views (USER_IDS, FRIENDS) and for other lists', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => boardPlayer(i));
    const byIds = await entries(strict, {
      api_name: 'BIG_BOARD',
      filter: 'USER_IDS',
      user_ids: `[${ids.join(',')}]`,
      limit: '40',
    });
    expect(byIds.body.data).toHaveLength(40);
    const friends = await entries(strict, { api_name: 'HIGH', filter: 'FRIENDS', limit: '1' }, BOB.token);
    const second = await strict.follow(friends.body.paging.next);
    expect(second.status).toBe(200);
    expect(second.body.data).toHaveLength(1);
  });

  it('default mode serves limit rows and a working next', async () => {
    const first = await entries(lenient, walk);
    expect(first.body.data).toHaveLength(BOARD_SIZE);
    const small = await entries(lenient, { ...walk, limit: '50' });
    const rest = await lenient.follow(small.body.paging.next);
    expect(rest.body.data).toHaveLength(10);
  });
});

describe('strict mode: throttling', () => {
  it('answers a throttle fault Facebook’s way: 403, (#4), is_transient', async () => {
    await strict.control('POST', 'faults', {
      route: ROUTES.leaderboardsRead,
      throttle: true,
      headers: { 'x-app-usage': '{"call_count":100}' },
    });
    const response = await strict.call('GET', `/${APP_ID}/leaderboards`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-app-usage')).toBe('{"call_count":100}');
    expect(response.body).toEqual({
      error: {
        message: '(#4) Application request limit reached',
        type: 'OAuthException',
        code: 4,
        is_transient: true,
        fbtrace_id: expect.any(String),
      },
    });
    expect((await strict.call('GET', `/${APP_ID}/leaderboards`)).status).toBe(200);
  });

  it('default mode answers the same fault with 429 code 4', async () => {
    await lenient.control('POST', 'faults', { route: ROUTES.leaderboardsRead, throttle: true });
    const response = await lenient.call('GET', `/${APP_ID}/leaderboards`);
    expect(response.status).toBe(429);
    expect(response.body.error).toMatchObject({ code: 4, is_transient: true });
  });
});

describe('strict mode: DELETEs', () => {
  const deleteCount = async (emu: TestEmulator) =>
    ((await emu.control('GET', 'requests')).body.byRoute[ROUTES.leaderboardEntryDelete] ?? 0) as number;
  const boardSize = async (emu: TestEmulator) =>
    (await entries(emu, { api_name: 'BIG_BOARD', summary: 'true', limit: '1' })).body.summary.total_count;

  it('answers a sixth concurrent DELETE with 500 code 2 and applies nothing', async () => {
    // Five deletes stall in flight; the next DELETE of either kind is refused.
    await strict.control('POST', 'faults', { route: ROUTES.leaderboardEntryDelete, delayMs: 1500, times: 5 });
    const inFlight = [0, 1, 2, 3, 4].map((i) => strict.call('DELETE', `/${7000 + i}`));
    await expect.poll(() => deleteCount(strict), { timeout: 5000 }).toBe(5);

    const refusedNow = await Promise.all([strict.call('DELETE', '/7010'), strict.call('DELETE', '/599')]);
    for (const refused of refusedNow) {
      expect(refused.status).toBe(500);
      expect(refused.body).toEqual({
        error: {
          message: 'An unknown error has occurred.',
          type: 'OAuthException',
          code: 2,
          is_transient: true,
          fbtrace_id: expect.any(String),
        },
      });
    }
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await boardSize(strict)).toBe(BOARD_SIZE - 5);

    // With the slots free again, the refused delete goes through, and a second one finds it gone.
    expect((await strict.call('DELETE', '/7010')).body).toEqual({ success: true });
    const again = await strict.call('DELETE', '/7010');
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await strict.call('DELETE', '/599')).body).toEqual({ success: true });
  });

  it('default mode has no DELETE limit', async () => {
    await lenient.control('POST', 'faults', { route: ROUTES.leaderboardEntryDelete, delayMs: 300, times: 8 });
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => lenient.call('DELETE', `/${7000 + i}`)),
    );
    expect(all.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await boardSize(lenient)).toBe(BOARD_SIZE - 8);
  });
});

describe('tokens in both modes', () => {
  it('answers an app token with a wrong secret or app id with the captured "Error validating application"', async () => {
    for (const emu of [strict, lenient]) {
      for (const token of [`OC|${APP_ID}|old-secret`, `OC|999|${APP_TOKEN.split('|')[2]}`]) {
        const response = await emu.call('GET', `/${APP_ID}/leaderboards`, { bearer: token });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: {
            message: 'Error validating application',
            type: 'OAuthException',
            code: 190,
            fbtrace_id: expect.any(String),
          },
        });
      }
      const user = await emu.call('GET', '/me', { bearer: 'FRLnot-a-user' });
      expect(user.body.error).toMatchObject({
        message: 'Invalid OAuth 2.0 Access Token',
        type: 'OCApiException',
        code: 190,
      });
    }
  });

  it('keeps serving valid tokens in strict mode', async () => {
    expect((await strict.call('GET', '/me', { bearer: CY.token, query: { fields: 'alias' } })).body).toEqual({
      id: CY.id,
      alias: 'cy',
    });
  });
});
