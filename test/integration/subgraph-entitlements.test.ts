import { describe, expect, it } from 'vitest';
import { demoFixture, guessed, sharedSubgraph } from '../helpers/harness.ts';

// Products, entitlements, app ownership, subscriptions and their mutations over real HTTP against
// the emulator serving the demo fixture. Expected values come from the fixture.

const fixture = demoFixture();
const NOVA = '1000000000000001'; // durables, an expired pass, unconsumed coins_2800, annual subscriber
const APEX = '1000000000000002'; // no purchases
const SHOPPER = '1000000000000005'; // does not own the app
const TRIAL = '1000000000000006'; // monthly pass on a FREE_TRIAL
const FAREWELL = '1000000000000007'; // cancelled, still active
const LAPSED = '1000000000000008'; // inactive subscription, expired purchases only
const COINS = '1000000000000010'; // unconsumed consumables and durables
const INTRO = '1000000000000011'; // INTRO_OFFER trial
const UNKNOWN = '1999999999999999';

const nowSeconds = () => Date.now() / 1000;
const iso = (value: number | string) =>
  new Date(typeof value === 'number' ? value * 1000 : value).toISOString();
const product = (sku: string) => {
  const p = fixture.products.find((x) => x.sku === sku);
  if (!p) throw new Error(`no product ${sku} in the demo fixture`);
  return p;
};
/** The purchases that still grant their item, per the fixture. */
const currentPurchases = (userId: string) =>
  fixture.purchases.filter(
    (p) => p.user_id === userId && (!p.expiration_time || p.expiration_time > nowSeconds()),
  );

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

/**
 * A product's type as the subgraph reads it: `type` is a guess (strict mode refuses it), but a
 * subscription is still known by its billing plans, which are documented.
 */
const typeOf = (p: { type?: string }) => (p.type === 'SUBSCRIPTION' ? p.type : guessed(sg, p.type ?? null));

describe('Query.products', () => {
  it('lists the catalog with names, types and prices as the fixture defines them', async () => {
    const res = await sg.gql<{ products: unknown[] }>(
      `{ products { sku name description type price { currency amountInHundredths formatted } } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = fixture.products.map((p) => ({
      sku: p.sku,
      name: p.name,
      description: p.description,
      type: typeOf(p),
      price: {
        currency: p.price!.currency,
        amountInHundredths: p.price!.amount_in_hundredths,
        formatted: `$${(p.price!.amount_in_hundredths / 100).toFixed(2)}`,
      },
    }));
    expect(res.data?.products).toEqual(expected);
  });

  it('serves the catalog from the cache on a second request', async () => {
    await sg.gql(`{ products { sku } }`);
    await sg.emulator.checkpoint();
    const res = await sg.gql<{ products: unknown[] }>(`{ products { sku } }`);
    expect(res.data?.products).toHaveLength(fixture.products.length);
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

interface Entitlement {
  id: string;
  sku: string;
  grantedAt: string;
  expiresAt: string | null;
  product: { sku: string; name: string; type: string } | null;
}

describe('User.entitlements', () => {
  it('lists the add-ons a player currently owns, leaving out expired grants', async () => {
    const res = await sg.gql<{ user: { entitlements: Entitlement[] } }>(
      `{ user(id: "${NOVA}") { entitlements { id sku grantedAt expiresAt product { sku name type } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = currentPurchases(NOVA).map((p) => ({
      id: p.id,
      sku: p.sku,
      grantedAt: iso(p.grant_time ?? 0),
      expiresAt: p.expiration_time ? iso(p.expiration_time) : null,
      product: { sku: p.sku, name: product(p.sku).name, type: typeOf(product(p.sku)) },
    }));
    const owned = fixture.purchases.filter((p) => p.user_id === NOVA);
    expect(expected.length).toBeLessThan(owned.length); // the expired Winter Cup pass is left out
    expect(res.data?.user.entitlements).toEqual(expected);
  });

  it('returns an empty list for a player whose every grant has expired, and for one with none', async () => {
    const res = await sg.gql<{ a: { entitlements: Entitlement[] }; b: { entitlements: Entitlement[] } }>(
      `{ a: user(id: "${LAPSED}") { entitlements { sku } } b: user(id: "${APEX}") { entitlements { sku } } }`,
    );
    expect(fixture.purchases.some((p) => p.user_id === LAPSED)).toBe(true);
    expect(res.data).toEqual({ a: { entitlements: [] }, b: { entitlements: [] } });
  });

  it('reports an unknown player as BAD_REQUEST on the entitlements field only', async () => {
    const res = await sg.gql<{ user: { id: string; entitlements: null } }>(
      `{ user(id: "${UNKNOWN}") { id entitlements { sku } } }`,
    );
    expect(res.data?.user).toEqual({ id: UNKNOWN, entitlements: null });
    expect(res.errors?.[0]?.path).toEqual(['user', 'entitlements']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { status: 400, code: 100, endpoint: 'GET /{app_id}/viewer_purchases' },
    });
  });
});

describe('User.hasEntitlement', () => {
  it('without a sku, answers whether the player owns the app (false, not an error, for a non-owner)', async () => {
    const res = await sg.gql<{ a: { hasEntitlement: boolean }; b: { hasEntitlement: boolean } }>(
      `{ a: user(id: "${NOVA}") { hasEntitlement } b: user(id: "${SHOPPER}") { hasEntitlement } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(fixture.users.find((u) => u.id === SHOPPER)?.owns_app).toBe(false);
    expect(res.data).toEqual({ a: { hasEntitlement: true }, b: { hasEntitlement: false } });
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'POST /{app_id}/verify_entitlement': 2 });
  });

  it('with a sku: true for an owned add-on, false for an expired one, one not owned and an unknown sku', async () => {
    const res = await sg.gql<{ user: Record<string, boolean> }>(
      `{ user(id: "${NOVA}") {
          owned: hasEntitlement(sku: "track_pack_alpine")
          expired: hasEntitlement(sku: "winter_cup_2026_pass")
          notOwned: hasEntitlement(sku: "nitro_boost_x5")
          unknown: hasEntitlement(sku: "no_such_sku") } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.user).toEqual({ owned: true, expired: false, notOwned: false, unknown: false });
  });

  it('refuses a malformed sku with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`{ user(id: "${NOVA}") { hasEntitlement(sku: "two words") } }`);
    expect(res.errors?.[0]?.path).toEqual(['user', 'hasEntitlement']);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

interface Term {
  term: string | null;
  currency: string | null;
  price: string | null;
}
interface Subscription {
  id: string;
  sku: string;
  isActive: boolean;
  isTrial: boolean;
  trialType: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  nextRenewalAt: string | null;
  cancelledAt: string | null;
  currentPriceTerm: Term | null;
  nextPriceTerm: Term | null;
}
const SUBSCRIPTION = `id sku isActive isTrial trialType periodStart periodEnd nextRenewalAt cancelledAt
  currentPriceTerm { term currency price } nextPriceTerm { term currency price }`;

describe('User.subscriptions', () => {
  const term = (t: { term?: string | null; currency?: string; price?: string } | undefined): Term | null =>
    t ? { term: t.term ?? null, currency: t.currency ?? null, price: t.price ?? null } : null;
  const expectedFor = (userId: string) =>
    fixture.subscriptions
      .filter((s) => s.user_id === userId)
      .map((s) => ({
        id: s.id,
        sku: s.sku,
        isActive: s.is_active ?? true,
        isTrial: s.is_trial ?? false,
        trialType: s.trial_type ?? null,
        periodStart: s.period_start_time ? iso(s.period_start_time) : null,
        periodEnd: s.period_end_time ? iso(s.period_end_time) : null,
        nextRenewalAt: s.next_renewal_time ? iso(s.next_renewal_time) : null,
        cancelledAt: s.cancellation_time ? iso(s.cancellation_time) : null,
        currentPriceTerm: term(s.current_price_term),
      }));

  it.each([
    ['an annual subscriber', NOVA],
    ['a player on a free trial', TRIAL],
    ['a player on an intro offer', INTRO],
    ['a player who cancelled but is still active', FAREWELL],
    ['a player whose subscription ended', LAPSED],
  ])('reads the subscription of %s as the fixture holds it', async (_who, userId) => {
    const res = await sg.gql<{ user: { subscriptions: Subscription[] } }>(
      `{ user(id: "${userId}") { subscriptions { ${SUBSCRIPTION} } } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = expectedFor(userId);
    expect(expected).toHaveLength(1);
    expect(res.data?.user.subscriptions).toMatchObject(expected);
  });

  it('gives no next price term to a subscription that will not renew', async () => {
    const res = await sg.gql<{ a: { subscriptions: Subscription[] }; b: { subscriptions: Subscription[] } }>(
      `{ a: user(id: "${FAREWELL}") { subscriptions { nextRenewalAt nextPriceTerm { price } } }
         b: user(id: "${NOVA}") { subscriptions { nextPriceTerm { term currency price } } } }`,
    );
    expect(res.data?.a.subscriptions).toEqual([{ nextRenewalAt: null, nextPriceTerm: null }]);
    expect(res.data?.b.subscriptions).toEqual([
      { nextPriceTerm: { term: 'ANNUAL', currency: 'USD', price: '49.99' } },
    ]);
  });

  it('gives a trial the price of the first paid period as its next price term', async () => {
    const res = await sg.gql<{ user: { subscriptions: Subscription[] } }>(
      `{ user(id: "${TRIAL}") { subscriptions { currentPriceTerm { term price } nextPriceTerm { term currency price } } } }`,
    );
    expect(res.data?.user.subscriptions).toEqual([
      {
        currentPriceTerm: { term: null, price: '0.00' },
        nextPriceTerm: { term: 'MONTHLY', currency: 'USD', price: '4.99' },
      },
    ]);
  });

  it('returns an empty list for a player without subscriptions', async () => {
    const res = await sg.gql<{ user: { subscriptions: Subscription[] } }>(
      `{ user(id: "${APEX}") { subscriptions { id } } }`,
    );
    expect(res.data?.user.subscriptions).toEqual([]);
  });
});

const ok = { success: true };

describe('Mutation.consumeEntitlement', () => {
  const consume = `mutation($u: ID!, $s: String!) { consumeEntitlement(userId: $u, sku: $s) { success } }`;

  it('consumes an owned consumable, after which the player no longer owns it', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ consumeEntitlement: typeof ok }>(consume, { u: COINS, s: 'coins_500' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.consumeEntitlement).toEqual(ok);
    const after = await sg.gql<{ user: { hasEntitlement: boolean; entitlements: { sku: string }[] } }>(
      `{ user(id: "${COINS}") { hasEntitlement(sku: "coins_500") entitlements { sku } } }`,
    );
    expect(after.data?.user.hasEntitlement).toBe(false);
    expect(after.data?.user.entitlements.map((e) => e.sku)).not.toContain('coins_500');
  });

  it('reports consuming a durable as BAD_REQUEST from upstream', async () => {
    const res = await sg.gql(consume, { u: COINS, s: 'track_pack_alpine' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.path).toEqual(['consumeEntitlement']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { status: 400, code: 100, endpoint: 'POST /{app_id}/consume_entitlement' },
    });
  });

  it.each([
    ['a malformed user id', 'abc', 'coins_500'],
    ['a malformed sku', COINS, 'coins 500'],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, u, s) => {
    const res = await sg.gql(consume, { u, s });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.refundEntitlement', () => {
  const refund = `mutation($u: ID!, $s: String!, $r: String!) { refundEntitlement(userId: $u, sku: $s, reason: $r) { success } }`;

  it('refunds a durable, after which the player no longer owns it', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ refundEntitlement: typeof ok }>(refund, {
      u: COINS,
      s: 'track_pack_alpine',
      r: 'customer_support',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.refundEntitlement).toEqual(ok);
    const after = await sg.gql<{ user: { hasEntitlement: boolean } }>(
      `{ user(id: "${COINS}") { hasEntitlement(sku: "track_pack_alpine") } }`,
    );
    expect(after.data?.user.hasEntitlement).toBe(false);
  });

  it('refuses to refund a subscription (cancel it instead) with BAD_USER_INPUT, without writing', async () => {
    const res = await sg.gql(refund, { u: NOVA, s: 'rally_pass_annual', r: 'other' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'sku' });
    expect((await sg.emulator.counts()).byRoute['POST /{app_id}/refund_iap_entitlement']).toBeUndefined();
  });

  it('refuses to refund an add-on the player does not own with BAD_USER_INPUT, without writing', async () => {
    const res = await sg.gql(refund, { u: NOVA, s: 'nitro_boost_x5', r: 'other' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'sku' });
    expect((await sg.emulator.counts()).byRoute['POST /{app_id}/refund_iap_entitlement']).toBeUndefined();
  });

  it.each([
    ['an empty reason', COINS, 'coins_500', ''],
    ['a blank reason', COINS, 'coins_500', '   '],
    ['a malformed sku', COINS, 'coins/500', 'other'],
    ['a malformed user id', '1e9', 'coins_500', 'other'],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, u, s, r) => {
    const res = await sg.gql(refund, { u, s, r });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.cancelSubscription', () => {
  const cancel = `mutation($u: ID!, $s: String!) { cancelSubscription(userId: $u, sku: $s, reason: PRICING) { success } }`;

  it('cancels: the subscription stays active, shows the cancellation and no longer renews', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ cancelSubscription: typeof ok }>(cancel, { u: NOVA, s: 'rally_pass_annual' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.cancelSubscription).toEqual(ok);
    const after = await sg.gql<{ user: { subscriptions: Subscription[] } }>(
      `{ user(id: "${NOVA}") { subscriptions { isActive cancelledAt nextRenewalAt } } }`,
    );
    const [sub] = after.data?.user.subscriptions ?? [];
    expect(sub?.isActive).toBe(true);
    expect(Date.parse(sub?.cancelledAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(sub?.nextRenewalAt).toBeNull();
  });

  it('reports cancelling a subscription the player does not have as BAD_REQUEST', async () => {
    const res = await sg.gql(cancel, { u: APEX, s: 'rally_pass_annual' });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { endpoint: 'POST /application/cancel_subscription' },
    });
  });

  it('refuses a malformed sku with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(cancel, { u: NOVA, s: '' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.extendSubscription', () => {
  const extend = `mutation($u: ID!, $s: String!, $d: Int!) { extendSubscription(userId: $u, sku: $s, days: $d) { success } }`;

  it('moves the next renewal later by the given days', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const sub = fixture.subscriptions.find((s) => s.user_id === NOVA)!;
    const res = await sg.gql<{ extendSubscription: typeof ok }>(extend, { u: NOVA, s: sub.sku, d: 30 });
    expect(res.errors).toBeUndefined();
    expect(res.data?.extendSubscription).toEqual(ok);
    const after = await sg.gql<{ user: { subscriptions: Subscription[] } }>(
      `{ user(id: "${NOVA}") { subscriptions { nextRenewalAt } } }`,
    );
    const renewal = Date.parse(after.data?.user.subscriptions[0]?.nextRenewalAt ?? '');
    expect(renewal - Date.parse(sub.next_renewal_time!.replace('+0000', 'Z'))).toBe(30 * 86_400_000);
  });

  it.each([[0], [366], [-1]])('refuses %i days with BAD_USER_INPUT and no upstream call', async (days) => {
    const res = await sg.gql(extend, { u: NOVA, s: 'rally_pass_annual', d: days });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'days' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('reports extending a subscription the player does not have as BAD_REQUEST', async () => {
    const res = await sg.gql(extend, { u: APEX, s: 'rally_pass_annual', d: 5 });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      upstream: { endpoint: 'POST /application/extend_subscription' },
    });
  });
});
