import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, APP_ID, BOB, CY, DEE, EVE, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const submit = (form: Record<string, string>, bearer?: string) =>
  emu.call('POST', '/leaderboard_submit_entry', { form, bearer });

const entries = async (query: Record<string, string>, bearer?: string) =>
  emu.call('GET', '/leaderboard_entries', { query: { fields: 'rank,score,user{id}', ...query }, bearer });

const scoreOf = async (apiName: string, userId: string) =>
  (await entries({ api_name: apiName, filter: 'USER_IDS', user_ids: `[${userId}]` })).body.data[0]?.score;

describe('leaderboard_submit_entry', () => {
  it('keeps the best score on HIGHER_IS_BETTER and reports did_update', async () => {
    expect((await submit({ api_name: 'HIGH', user_id: ADA.id, score: '40' })).body).toEqual({
      success: true,
      did_update: false,
    });
    expect(await scoreOf('HIGH', ADA.id)).toBe('50');
    expect((await submit({ api_name: 'HIGH', user_id: ADA.id, score: '60' })).body.did_update).toBe(true);
    expect(await scoreOf('HIGH', ADA.id)).toBe('60');
  });

  it('keeps the lowest score on LOWER_IS_BETTER', async () => {
    expect((await submit({ api_name: 'FAST', user_id: ADA.id, score: '950' })).body.did_update).toBe(false);
    expect((await submit({ api_name: 'FAST', user_id: ADA.id, score: '850' })).body.did_update).toBe(true);
    expect(await scoreOf('FAST', ADA.id)).toBe('850');
  });

  it('overwrites with a worse score when force_update=true, on both sort orders', async () => {
    expect(
      (await submit({ api_name: 'HIGH', user_id: ADA.id, score: '1', force_update: 'true' })).body.did_update,
    ).toBe(true);
    expect(await scoreOf('HIGH', ADA.id)).toBe('1');
    expect(
      (await submit({ api_name: 'FAST', user_id: ADA.id, score: '5000', force_update: 'true' })).body
        .did_update,
    ).toBe(true);
    expect(await scoreOf('FAST', ADA.id)).toBe('5000');
  });

  it('creates a first entry for a new player', async () => {
    expect((await submit({ api_name: 'HIGH', user_id: EVE.id, score: '10' })).body.did_update).toBe(true);
    expect(await scoreOf('HIGH', EVE.id)).toBe('10');
  });

  it('rejects an entry outside the allowed time window', async () => {
    const late = await submit({ api_name: 'CLOSED', user_id: ADA.id, score: '1' });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({
      code: 100,
      message: "This leaderboard entry is too late for the leaderboard's allowed time window.",
    });
    const early = await submit({ api_name: 'NOT_YET', user_id: ADA.id, score: '1' });
    expect(early.status).toBe(400);
    expect(early.body.error.code).toBe(100);
  });

  it('answers an unknown leaderboard with code 12075 and its api_name in error_data', async () => {
    const response = await submit({ api_name: 'NOPE', user_id: ADA.id, score: '1' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 12075,
      type: 'OCApiException',
      message: 'The requested leaderboard has not been configured for this app',
      error_data: { api_name: 'NOPE' },
    });
    expect((await entries({ api_name: 'NOPE' })).body.error.code).toBe(12075);
  });

  it('takes a user token without user_id on CLIENT_AUTHORITATIVE boards only', async () => {
    expect((await submit({ api_name: 'HIGH', score: '99' }, CY.token)).body.did_update).toBe(true);
    expect((await submit({ api_name: 'HIGH', score: '99', user_id: CY.id }, CY.token)).status).toBe(400);
    const server = await submit({ api_name: 'SERVER_ONLY', score: '1' }, CY.token);
    expect(server.status).toBe(403);
    expect(server.body.error.code).toBe(10);
    expect((await submit({ api_name: 'SERVER_ONLY', score: '1', user_id: CY.id })).body.did_update).toBe(
      true,
    );
  });

  it('requires user_id with the app token and an entitled user', async () => {
    expect((await submit({ api_name: 'HIGH', score: '1' })).body.error.message).toBe(
      '(#100) The parameter user_id is required',
    );
    expect((await submit({ api_name: 'HIGH', score: '1', user_id: DEE.id })).status).toBe(400);
  });

  it('limits extra_data_base64 to 2048 decoded bytes', async () => {
    const ok = Buffer.alloc(2048, 1).toString('base64');
    const tooBig = Buffer.alloc(2049, 1).toString('base64');
    expect(
      (await submit({ api_name: 'HIGH', user_id: EVE.id, score: '1', extra_data_base64: ok })).status,
    ).toBe(200);
    expect(
      (await submit({ api_name: 'HIGH', user_id: EVE.id, score: '2', extra_data_base64: tooBig })).status,
    ).toBe(400);
  });
});

describe('leaderboard_entries', () => {
  it('ranks by score, then supplementary metric, then the earlier timestamp', async () => {
    const ranked = await entries({ api_name: 'HIGH' });
    // ada and cy tie on 50: cy wrote first.
    expect(ranked.body.data).toEqual([
      { id: '602', rank: 1, score: '70', user: { id: BOB.id } },
      { id: '603', rank: 2, score: '50', user: { id: CY.id } },
      { id: '601', rank: 3, score: '50', user: { id: ADA.id } },
    ]);
    await submit({
      api_name: 'HIGH',
      user_id: ADA.id,
      score: '50',
      supplementary_metric: '5',
      force_update: 'true',
    });
    const withMetric = await entries({ api_name: 'HIGH', fields: 'user{id},supplementary_metric{metric}' });
    expect(withMetric.body.data[1]).toEqual({
      id: '601',
      user: { id: ADA.id },
      supplementary_metric: { id: '501', metric: '5' },
    });
  });

  it('filters to the viewer and their friends with FRIENDS, keeping global ranks', async () => {
    const response = await entries({ api_name: 'HIGH', filter: 'FRIENDS' }, ADA.token);
    expect(response.body.data.map((e: { rank: number }) => e.rank)).toEqual([1, 3]);
    expect((await entries({ api_name: 'HIGH', filter: 'FRIENDS' })).status).toBe(400);
  });

  it('filters by USER_IDS given as a JSON array or as CSV', async () => {
    const json = await entries({ api_name: 'HIGH', filter: 'USER_IDS', user_ids: `["${ADA.id}",${CY.id}]` });
    const csv = await entries({ api_name: 'HIGH', filter: 'USER_IDS', user_ids: `${ADA.id},${CY.id}` });
    expect(json.body.data.map((e: { rank: number }) => e.rank)).toEqual([2, 3]);
    expect(csv.body.data).toEqual(json.body.data);
    expect((await entries({ api_name: 'HIGH', filter: 'USER_IDS' })).body.error.message).toBe(
      '(#100) The parameter user_ids is required',
    );
  });

  it('starts at the viewer, gives an unranked viewer nothing with VIEWER and the top with VIEWER_OR_TOP', async () => {
    const atViewer = await entries({ api_name: 'HIGH', start_at: 'VIEWER', limit: '1' }, ADA.token);
    expect(atViewer.body.data.map((e: { rank: number }) => e.rank)).toEqual([3]);
    expect((await entries({ api_name: 'HIGH', start_at: 'VIEWER' }, EVE.token)).body.data).toEqual([]);
    const orTop = await entries({ api_name: 'HIGH', start_at: 'VIEWER_OR_TOP', limit: '1' }, EVE.token);
    expect(orTop.body.data.map((e: { rank: number }) => e.rank)).toEqual([1]);
    expect((await entries({ api_name: 'HIGH', start_at: 'VIEWER' })).status).toBe(400);
  });

  it('requires offset with start_at=OFFSET', async () => {
    expect((await entries({ api_name: 'HIGH', start_at: 'OFFSET' })).body.error.message).toBe(
      '(#100) The parameter offset is required',
    );
  });
});

describe('leaderboard management', () => {
  it('lists leaderboards with their fields and entry_count, filtered by api_name', async () => {
    const response = await emu.call('GET', `/${APP_ID}/leaderboards`, {
      query: { api_name: 'HIGH', fields: 'api_name,sort_order,entry_write_policy,entry_count,title' },
    });
    expect(response.body.data).toEqual([
      {
        id: '501',
        api_name: 'HIGH',
        sort_order: 'HIGHER_IS_BETTER',
        entry_write_policy: 'CLIENT_AUTHORITATIVE',
        entry_count: '3',
        title: 'High score',
      },
    ]);
  });

  it('upserts a leaderboard by api_name', async () => {
    const created = await emu.call('POST', `/${APP_ID}/leaderboards`, {
      form: {
        api_name: 'NEW',
        sort_order: 'LOWER_IS_BETTER',
        entry_write_policy: 'CLIENT_AUTHORITATIVE',
        title_locale_map: '{"en_GB":"Football","en_US":"Soccer"}',
      },
    });
    const updated = await emu.call('POST', `/${APP_ID}/leaderboards`, {
      form: { api_name: 'NEW', latest_allowed_entry_time: '2000000000' },
    });
    expect(updated.body).toEqual({ id: created.body.id });
    const read = await emu.call('GET', `/${APP_ID}/leaderboards`, {
      query: { api_name: 'NEW', fields: 'title,latest_allowed_entry_time' },
    });
    expect(read.body.data).toEqual([
      { id: created.body.id, title: 'Soccer', latest_allowed_entry_time: 2_000_000_000 },
    ]);
    const missing = await emu.call('POST', `/${APP_ID}/leaderboards`, { form: { api_name: 'OTHER' } });
    expect(missing.body.error.message).toBe('(#100) The parameter sort_order is required');
  });

  it('deletes one entry or a whole leaderboard through DELETE /{id}', async () => {
    expect((await emu.call('DELETE', '/601')).body).toEqual({ success: true });
    expect(await scoreOf('HIGH', ADA.id)).toBeUndefined();
    expect((await emu.call('DELETE', '/501')).body).toEqual({ success: true });
    expect((await entries({ api_name: 'HIGH' })).body.error.code).toBe(12075);
    const unknown = await emu.call('DELETE', '/601');
    expect(unknown.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const counts = await emu.control('GET', 'requests');
    expect(counts.body.byRoute).toMatchObject({ 'DELETE /{entry_id}': 2, 'DELETE /{leaderboard_id}': 1 });
  });

  it('removes every entry with leaderboard_remove_all_entries', async () => {
    const response = await emu.call('POST', '/leaderboard_remove_all_entries', {
      form: { api_name: 'HIGH' },
    });
    expect(response.body).toEqual({ success: true });
    expect((await entries({ api_name: 'HIGH', summary: 'true' })).body).toEqual({
      data: [],
      summary: { total_count: 0 },
    });
    expect(
      (await emu.call('POST', '/leaderboard_remove_all_entries', { form: { api_name: 'NOPE' } })).body.error
        .code,
    ).toBe(12075);
  });

  it('reserves writes and deletions to the app token', async () => {
    expect((await emu.call('DELETE', '/601', { bearer: ADA.token })).status).toBe(403);
    expect(
      (
        await emu.call('POST', '/leaderboard_remove_all_entries', {
          form: { api_name: 'HIGH' },
          bearer: BOB.token,
        })
      ).status,
    ).toBe(403);
  });
});
