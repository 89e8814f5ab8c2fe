import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, APP_ID, BOB, DEE, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const verify = (form: Record<string, string>, bearer?: string) =>
  emu.call('POST', `/${APP_ID}/verify_entitlement`, { form, bearer });
const skusOf = async (userId: string) =>
  (
    await emu.call('GET', `/${APP_ID}/viewer_purchases`, { query: { user_id: userId, fields: 'item{sku}' } })
  ).body.data.map((row: { item: { sku: string } }) => row.item.sku);

describe('verify_entitlement', () => {
  it('answers success with grant_time for an owned sku', async () => {
    expect((await verify({ user_id: ADA.id, sku: 'sword' })).body).toEqual({
      success: true,
      grant_time: 1_700_000_000,
    });
  });

  it('answers HTTP 200 {"success":false} for a non-owner, an expired row and an unknown sku', async () => {
    for (const form of [
      { user_id: BOB.id, sku: 'sword' },
      { user_id: BOB.id, sku: 'coins' },
      { user_id: ADA.id, sku: 'no-such-sku' },
    ]) {
      const response = await verify(form);
      expect(response.status).toBe(200);
      expect(response.text).toBe('{"success":false}');
    }
  });

  it('checks ownership of the app itself when no sku is given', async () => {
    expect((await verify({ user_id: ADA.id })).body).toEqual({ success: true, grant_time: 1_600_000_000 });
    expect((await verify({ user_id: BOB.id })).body).toEqual({ success: true });
    expect((await verify({ user_id: DEE.id })).body).toEqual({ success: false });
  });

  it('works with a user token alone, and over GET as well as POST', async () => {
    expect((await verify({ sku: 'sword' }, ADA.token)).body.success).toBe(true);
    const viaGet = await emu.call('GET', `/${APP_ID}/verify_entitlement`, {
      query: { user_id: ADA.id, sku: 'sword' },
    });
    expect(viaGet.body.success).toBe(true);
    expect((await verify({ sku: 'sword', user_id: BOB.id }, ADA.token)).status).toBe(403);
  });

  it('requires user_id with the app token and rejects an unknown one', async () => {
    expect((await verify({ sku: 'sword' })).body.error.message).toBe(
      '(#100) The parameter user_id is required',
    );
    expect((await verify({ sku: 'sword', user_id: '999' })).body.error).toMatchObject({ code: 100 });
  });
});

describe('consumables', () => {
  it('live through verify → consume → verify false, and leave viewer_purchases', async () => {
    expect((await verify({ user_id: ADA.id, sku: 'coins' })).body.success).toBe(true);
    expect(await skusOf(ADA.id)).toEqual(['sword', 'coins']);
    const consumed = await emu.call('POST', `/${APP_ID}/consume_entitlement`, {
      form: { user_id: ADA.id, sku: 'coins' },
    });
    expect(consumed.body).toEqual({ success: true });
    expect((await verify({ user_id: ADA.id, sku: 'coins' })).body).toEqual({ success: false });
    expect(await skusOf(ADA.id)).toEqual(['sword']);
    const again = await emu.call('POST', `/${APP_ID}/consume_entitlement`, {
      form: { user_id: ADA.id, sku: 'coins' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe(100);
  });

  it('refuse to consume a durable or an item the user does not hold', async () => {
    for (const form of [
      { user_id: ADA.id, sku: 'sword' },
      { user_id: BOB.id, sku: 'coins' },
    ]) {
      const response = await emu.call('POST', `/${APP_ID}/consume_entitlement`, { form });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(100);
    }
  });

  it('can be consumed over GET with a user token', async () => {
    const response = await emu.call('GET', `/${APP_ID}/consume_entitlement`, {
      query: { sku: 'coins' },
      bearer: ADA.token,
    });
    expect(response.body).toEqual({ success: true });
  });
});

describe('refunds', () => {
  const refund = (form: Record<string, string>) =>
    emu.call('POST', `/${APP_ID}/refund_iap_entitlement`, { form });

  it('refund a durable and remove the entitlement', async () => {
    expect((await refund({ user_id: ADA.id, sku: 'sword', reason: 'customer_support' })).body).toEqual({
      success: true,
    });
    expect((await verify({ user_id: ADA.id, sku: 'sword' })).body.success).toBe(false);
  });

  it('refund an unconsumed consumable but not a consumed one', async () => {
    expect((await refund({ user_id: ADA.id, sku: 'coins', reason: 'other' })).status).toBe(200);
    await emu.control('POST', 'reset');
    await emu.call('POST', `/${APP_ID}/consume_entitlement`, { form: { user_id: ADA.id, sku: 'coins' } });
    expect((await refund({ user_id: ADA.id, sku: 'coins', reason: 'other' })).status).toBe(400);
  });

  it('require a reason and refuse subscriptions', async () => {
    expect((await refund({ user_id: ADA.id, sku: 'sword' })).body.error.message).toBe(
      '(#100) The parameter reason is required',
    );
    expect((await refund({ user_id: ADA.id, sku: 'vip', reason: 'other' })).status).toBe(400);
  });
});

describe('catalog', () => {
  it('lists every product for the app and only what a user can still buy for a user token', async () => {
    const skus = async (bearer?: string) =>
      (
        await emu.call('GET', '/application/available_purchases', { query: { fields: 'sku,type' }, bearer })
      ).body.data.map((item: { sku: string }) => item.sku);
    expect(await skus()).toEqual(['sword', 'coins', 'vip']);
    expect(await skus(ADA.token)).toEqual([]);
    expect(await skus(BOB.token)).toEqual(['sword', 'coins', 'vip']);
  });

  it('describes the current offer with a formatted price', async () => {
    const response = await emu.call('GET', '/application/available_purchases', {
      query: { fields: 'sku,current_offer{name,price{currency,amount_in_hundredths,formatted}}' },
    });
    expect(response.body.data[0]).toEqual({
      id: expect.any(String),
      sku: 'sword',
      current_offer: {
        name: 'Sword',
        price: { currency: 'USD', amount_in_hundredths: 499, formatted: '$4.99' },
      },
    });
  });
});
