import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../src/emulator/index.ts';
import { MAX_PAGE_SIZE } from '../../src/emulator/paging.ts';
import { APP_ID, APP_SECRET, APP_TOKEN, testEmulator, type TestEmulator } from './helpers.ts';

// 7 players on one leaderboard: with limit=3 that is pages of 3, 3 and 1.
const players = Array.from({ length: 7 }, (_, i) => ({
  id: String(3000 + i),
  access_token: `FRLplayer${i}`,
}));
const fixture: Fixture = {
  app: { id: APP_ID, secret: APP_SECRET },
  users: players,
  leaderboards: [{ api_name: 'BIG', sort_order: 'HIGHER_IS_BETTER' }],
  leaderboard_entries: players.map((p, i) => ({
    api_name: 'BIG',
    user_id: p.id,
    score: 100 - i,
    timestamp: i,
  })),
};

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator({ fixture });
});
afterAll(() => emu.close());

describe('cursor paging', () => {
  it('walks three pages through absolute next URLs that carry the token, fields and limit', async () => {
    const first = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'BIG', fields: 'rank,user{id}', limit: '3', summary: 'true' },
    });
    expect(first.body.data.map((e: { rank: number }) => e.rank)).toEqual([1, 2, 3]);
    expect(first.body.summary).toEqual({ total_count: 7 });
    expect(first.body.paging.previous).toBeUndefined();

    const next = new URL(first.body.paging.next);
    expect(next.origin).toBe(emu.url);
    expect(next.pathname).toBe('/leaderboard_entries');
    // Like the real API, the token travels in the URL even though it came in a header.
    expect(next.searchParams.get('access_token')).toBe(APP_TOKEN);
    expect(next.searchParams.get('fields')).toBe('rank,user{id}');
    expect(next.searchParams.get('limit')).toBe('3');
    expect(next.searchParams.get('after')).toBe(first.body.paging.cursors.after);

    const second = await emu.follow(first.body.paging.next);
    expect(second.body.data.map((e: { rank: number }) => e.rank)).toEqual([4, 5, 6]);
    expect(second.body.paging.previous).toEqual(expect.stringContaining('before='));

    const third = await emu.follow(second.body.paging.next);
    expect(third.body.data).toEqual([{ id: expect.any(String), rank: 7, user: { id: '3006' } }]);
    expect(third.body.paging.next).toBeUndefined();

    const back = await emu.follow(third.body.paging.previous);
    expect(back.body.data.map((e: { rank: number }) => e.rank)).toEqual([4, 5, 6]);
  });

  it('uses opaque base64 cursors and rejects a forged one', async () => {
    const page = await emu.call('GET', '/leaderboard_entries', { query: { api_name: 'BIG', limit: '2' } });
    expect(page.body.paging.cursors.after).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page.body.paging.cursors.after).not.toMatch(/^\d+$/);
    const forged = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'BIG', after: 'bm9wZQ' },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe(100);
  });

  it('pages other lists too (leaderboards), and leaves paging out of an empty page', async () => {
    const all = await emu.call('GET', `/${APP_ID}/leaderboards`, { query: { limit: '1' } });
    expect(all.body.data).toHaveLength(1);
    expect(all.body.paging.next).toBeUndefined();
    const beyond = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'BIG', start_at: 'OFFSET', offset: '50' },
    });
    expect(beyond.body).toEqual({ data: [] });
  });

  it('starts at an offset and clamps limits above the maximum', async () => {
    const page = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'BIG', fields: 'rank', start_at: 'OFFSET', offset: '5', limit: '100000' },
    });
    expect(page.body.data.map((e: { rank: number }) => e.rank)).toEqual([6, 7]);
    expect(page.body.paging.previous).toContain(`limit=${MAX_PAGE_SIZE}`);
  });
});
