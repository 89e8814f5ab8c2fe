import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, BOB, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const adaSubscription = async () =>
  (
    await emu.call('GET', '/application/subscriptions', {
      query: { owner_id: ADA.id, fields: 'is_active,cancellation_time,next_renewal_time,period_end_time' },
    })
  ).body.data[0];

describe('subscription status', () => {
  it('returns ISO times with +0000, price terms, and trial_type only on trials', async () => {
    const response = await emu.call('GET', '/application/subscriptions', {
      query: {
        fields: 'owner{alias},period_start_time,is_trial,trial_type,current_price_term,next_price_term',
      },
    });
    expect(response.body.data).toEqual([
      {
        id: '401',
        owner: { id: ADA.id, alias: 'ada' },
        period_start_time: '2026-01-01T00:00:00+0000',
        is_trial: false,
        current_price_term: { term: 'MONTHLY', currency: 'USD', price: '1.99' },
        next_price_term: { term: 'MONTHLY', currency: 'USD', price: '1.99' },
      },
      { id: '402', owner: { id: BOB.id, alias: 'bob' }, is_trial: true, trial_type: 'FREE_TRIAL' },
    ]);
  });

  it('filters by is_active, is_trial and skus, and limits a user token to its own', async () => {
    const ids = async (query: Record<string, string>, bearer?: string) =>
      (await emu.call('GET', '/application/subscriptions', { query, bearer })).body.data.map(
        (s: { id: string }) => s.id,
      );
    expect(await ids({ is_active: 'false' })).toEqual(['402']);
    expect(await ids({ is_trial: 'true' })).toEqual(['402']);
    expect(await ids({ skus: 'other,vip' })).toEqual(['401', '402']);
    expect(await ids({}, BOB.token)).toEqual(['402']);
    const denied = await emu.call('GET', '/application/subscriptions', {
      query: { owner_id: ADA.id },
      bearer: BOB.token,
    });
    expect(denied.status).toBe(403);
  });
});

describe('cancel_subscription', () => {
  it('sets cancellation_time, keeps the subscription active and stops its renewal', async () => {
    expect((await adaSubscription()).next_renewal_time).toBe('2026-02-01T00:00:00+0000');
    const response = await emu.call('POST', '/application/cancel_subscription', {
      form: { owner_id: ADA.id, sku: 'vip', cancel_reason: '1' },
    });
    expect(response.body).toEqual({ success: true });
    const subscription = await adaSubscription();
    expect(subscription.is_active).toBe(true);
    expect(subscription.cancellation_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(subscription.period_end_time).toBe('2026-02-01T00:00:00+0000');
    expect(subscription.next_renewal_time).toBeUndefined();
  });

  it('accepts owner_alias instead of owner_id', async () => {
    const response = await emu.call('POST', '/application/cancel_subscription', {
      form: { owner_alias: 'ada', sku: 'vip', cancel_reason: '0' },
    });
    expect(response.body).toEqual({ success: true });
  });

  it('rejects a reason outside 0..5, a wrong sku, an inactive subscription and a missing owner', async () => {
    for (const form of <Record<string, string>[]>[
      { owner_id: ADA.id, sku: 'vip', cancel_reason: '6' },
      { owner_id: ADA.id, sku: 'sword', cancel_reason: '1' },
      { owner_id: BOB.id, sku: 'vip', cancel_reason: '1' },
      { sku: 'vip', cancel_reason: '1' },
    ]) {
      const response = await emu.call('POST', '/application/cancel_subscription', { form });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(100);
    }
  });

  it('is reserved to the app token', async () => {
    const response = await emu.call('POST', '/application/cancel_subscription', {
      form: { owner_id: ADA.id, sku: 'vip', cancel_reason: '1' },
      bearer: ADA.token,
    });
    expect(response.status).toBe(403);
  });
});

describe('extend_subscription', () => {
  const extend = (days: string) =>
    emu.call('POST', '/application/extend_subscription', {
      form: { owner_id: ADA.id, sku: 'vip', number_of_days: days },
    });

  it('moves next_renewal_time by the number of days', async () => {
    expect((await extend('30')).body).toEqual({ success: true });
    expect((await adaSubscription()).next_renewal_time).toBe('2026-03-03T00:00:00+0000');
  });

  it('accepts 1..365 days per call only', async () => {
    for (const days of ['0', '366', '-1', 'x']) expect((await extend(days)).status).toBe(400);
    expect((await extend('1')).status).toBe(200);
    expect((await extend('365')).status).toBe(200);
  });

  it('caps extensions at 3650 days over the subscription life', async () => {
    for (let i = 0; i < 10; i++) expect((await extend('365')).status).toBe(200);
    const over = await extend('1');
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain('3650');
  });
});
