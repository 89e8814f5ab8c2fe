import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, APP_ID, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());

describe('fields selection', () => {
  it('returns only id when fields is absent, for definitions, progress and leaderboards', async () => {
    const definitions = await emu.call('GET', `/${APP_ID}/achievement_definitions`);
    expect(definitions.body.data[0]).toEqual({ id: expect.stringMatching(/^\d+$/) });
    const progress = await emu.call('GET', `/${ADA.id}/achievements`);
    expect(progress.body.data).toEqual([{ id: expect.stringMatching(/^\d+$/) }]);
    const leaderboards = await emu.call('GET', `/${APP_ID}/leaderboards`);
    expect(leaderboards.body.data[0]).toEqual({ id: '501' });
  });

  it('defaults subscriptions to sku, owner{id} and is_active', async () => {
    const response = await emu.call('GET', '/application/subscriptions', { query: { owner_id: ADA.id } });
    expect(response.body.data).toEqual([{ id: '401', sku: 'vip', owner: { id: ADA.id }, is_active: true }]);
  });

  it('selects nested fields recursively and tolerates whitespace', async () => {
    const response = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'HIGH', fields: ' user{ id, alias ,profile_url }, rank,score , extra_data_base64' },
    });
    expect(response.body.data[0]).toEqual({
      id: '602',
      user: { id: '202', alias: 'bob' },
      rank: 1,
      score: '70',
      extra_data_base64: 'T2N1bHVz',
    });
  });

  it('goes two levels deep (billing_plans{paid_offer{price{formatted}}})', async () => {
    const response = await emu.call('GET', '/application/available_purchases', {
      query: {
        fields: 'sku,billing_plans{paid_offer{name,subscription_term,price{formatted}},trial_offers}',
      },
    });
    const vip = response.body.data.find((item: { sku: string }) => item.sku === 'vip');
    expect(vip.billing_plans).toEqual([
      {
        paid_offer: { name: 'VIP', subscription_term: 'MONTHLY', price: { formatted: '$1.99' } },
        trial_offers: [],
      },
    ]);
    const sword = response.body.data.find((item: { sku: string }) => item.sku === 'sword');
    expect(sword).not.toHaveProperty('billing_plans');
  });

  it('gives a nested object without braces its default fields', async () => {
    const response = await emu.call('GET', `/${ADA.id}/achievements`, {
      query: { fields: 'definition,count_progress' },
    });
    expect(response.body.data[0]).toEqual({
      id: expect.any(String),
      definition: { id: expect.any(String) },
      count_progress: '10',
    });
  });

  it('omits keys whose values are unset instead of sending null', async () => {
    const response = await emu.call('GET', `/${APP_ID}/achievement_definitions`, {
      query: {
        fields: 'api_name,title,unlocked_description_override,locked_image_uri',
        api_names: '["HUGE"]',
      },
    });
    expect(response.body.data).toEqual([{ id: expect.any(String), api_name: 'HUGE' }]);
  });

  it('answers an unknown field with (#100) Tried accessing nonexisting field, even on an empty list', async () => {
    const response = await emu.call('GET', `/${APP_ID}/viewer_purchases`, {
      query: { user_id: '205', fields: 'id,developer_payload' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(100);
    expect(response.body.error.message).toMatch(
      /^\(#100\) Tried accessing nonexisting field \(developer_payload\)/,
    );
  });

  it('rejects unknown nested fields and unbalanced braces', async () => {
    const nested = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'HIGH', fields: 'user{email}' },
    });
    expect(nested.body.error.message).toContain('nonexisting field (email)');
    const unbalanced = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'HIGH', fields: 'user{id' },
    });
    expect(unbalanced.status).toBe(400);
    expect(unbalanced.body.error.code).toBe(100);
  });
});
