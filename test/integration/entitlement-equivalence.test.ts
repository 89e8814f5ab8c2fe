import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyEntitlement, type HorizonClient } from '../../src/horizon/index.ts';
import { clientFor, demoFixture, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// `User.hasEntitlement(sku:)` answers from one `viewer_purchases` read per player instead of one
// `verify_entitlement` call per sku. This proves the two give the same answer on the demo data:
// every (player, sku) pair of the first 30 players and every product, the reference answer coming
// from the REST client's `verifyEntitlement` called directly.

const fixture = demoFixture();
const PLAYERS = fixture.users.slice(0, 30).map((u) => u.id!);
const SKUS = fixture.products.map((p) => p.sku);
const NOVA = '1000000000000001';

let sg: SubgraphHandle;
let client: HorizonClient;
beforeAll(async () => {
  sg = await subgraph();
  client = clientFor(sg.emulator);
});
afterAll(async () => {
  await client.close();
  await sg.close();
});
// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
beforeEach(async () => {
  await sg.emulator.checkpoint();
});

/** `hasEntitlement(sku:)` of every player for every sku, in one query, aliased s0..sN. */
async function hasEntitlementMatrix(players: string[]): Promise<Map<string, boolean | null>> {
  const fields = SKUS.map((sku, i) => `s${i}: hasEntitlement(sku: ${JSON.stringify(sku)})`).join(' ');
  const res = await sg.gql<{ users: Record<string, boolean | string | null>[] }>(
    `query($ids: [ID!]!) { users(ids: $ids) { id ${fields} } }`,
    { ids: players },
  );
  expect(res.errors).toBeUndefined();
  const answers = new Map<string, boolean | null>();
  for (const user of res.data?.users ?? []) {
    SKUS.forEach((sku, i) => answers.set(`${user.id}/${sku}`, user[`s${i}`] as boolean | null));
  }
  return answers;
}

describe('hasEntitlement(sku) from viewer_purchases equals verify_entitlement', () => {
  it('for every pair of the first 30 players and every product', async () => {
    const viaPurchases = await hasEntitlementMatrix(PLAYERS);
    // The query made one viewer_purchases read per player and no verify call.
    expect((await sg.emulator.counts()).byRoute).toEqual({
      'GET /{app_id}/viewer_purchases': PLAYERS.length,
    });

    const reference = new Map<string, boolean>();
    for (const userId of PLAYERS) {
      const checks = await Promise.all(SKUS.map((sku) => verifyEntitlement(client, { userId, sku })));
      SKUS.forEach((sku, i) => reference.set(`${userId}/${sku}`, checks[i]!.owned));
    }
    expect(reference.size).toBe(PLAYERS.length * SKUS.length);
    expect(Object.fromEntries(viaPurchases)).toEqual(Object.fromEntries(reference));

    // Not a vacuous match: both answers occur, including a purchase row that has expired.
    const values = [...reference.values()];
    expect(values.filter(Boolean).length).toBeGreaterThan(10);
    expect(values.filter((v) => !v).length).toBeGreaterThan(10);
    const expired = fixture.purchases.find(
      (p) => PLAYERS.includes(p.user_id) && p.expiration_time && p.expiration_time < Date.now() / 1000,
    );
    expect(expired).toBeDefined();
    expect(reference.get(`${expired!.user_id}/${expired!.sku}`)).toBe(false);
  });

  it('stays equal after the purchases change (a consumable consumed, a durable refunded)', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const coins = '1000000000000010';
    const write = await sg.gql(
      `mutation { a: consumeEntitlement(userId: "${coins}", sku: "coins_500") { success }
                  b: refundEntitlement(userId: "${coins}", sku: "livery_neon_nights", reason: "other") { success } }`,
    );
    expect(write.errors).toBeUndefined();
    const viaPurchases = await hasEntitlementMatrix([coins]);
    for (const sku of SKUS) {
      const { owned } = await verifyEntitlement(client, { userId: coins, sku });
      expect(viaPurchases.get(`${coins}/${sku}`), sku).toBe(owned);
    }
    expect(viaPurchases.get(`${coins}/coins_500`)).toBe(false);
    expect(viaPurchases.get(`${coins}/livery_neon_nights`)).toBe(false);
    expect(viaPurchases.get(`${coins}/track_pack_alpine`)).toBe(true);
  });
});

describe('hasEntitlement cost', () => {
  it('costs exactly one viewer_purchases call for several skus of one player', async () => {
    const res = await sg.gql<{ user: Record<string, boolean> }>(
      `{ user(id: "${NOVA}") {
          a: hasEntitlement(sku: "track_pack_alpine") b: hasEntitlement(sku: "livery_neon_nights")
          c: hasEntitlement(sku: "coins_2800") d: hasEntitlement(sku: "nitro_boost_x5")
          e: hasEntitlement(sku: "winter_cup_2026_pass") } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.user).toEqual({ a: true, b: true, c: true, d: false, e: false });
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'GET /{app_id}/viewer_purchases': 1 });
  });

  it('shares that one read with User.entitlements', async () => {
    await sg.gql(
      `{ user(id: "${NOVA}") { entitlements { sku } x: hasEntitlement(sku: "coins_500") y: hasEntitlement(sku: "coins_2800") } }`,
    );
    expect((await sg.emulator.counts()).byRoute['GET /{app_id}/viewer_purchases']).toBe(1);
  });

  it('asks verify_entitlement, once per player, only for ownership of the app itself', async () => {
    await sg.gql(
      `{ user(id: "${NOVA}") { a: hasEntitlement b: hasEntitlement c: hasEntitlement(sku: "coins_500") } }`,
    );
    expect((await sg.emulator.counts()).byRoute).toEqual({
      'POST /{app_id}/verify_entitlement': 1,
      'GET /{app_id}/viewer_purchases': 1,
    });
  });
});
