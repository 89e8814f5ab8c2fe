import { horizonFailure } from '../helpers/horizon-failure.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../src/emulator/index.ts';
import * as h from '../../src/horizon/index.ts';
import type { HorizonApiError } from '../../src/horizon/index.ts';
import { type HorizonClient } from '../../src/horizon/index.ts';
import { clientFor, emulator, passThrottlePause, type EmulatorHandle } from '../helpers/harness.ts';

// The client against the emulator over real HTTP, endpoint by endpoint. The emulator's app
// secret is a planted value that no error may ever show.

const PLANTED = 'planted-secret-Zq81xK';
const NOVA = '1000000000000001'; // showcase user: friends, purchases, subscriber, ranked
const APEX = '1000000000000002'; // #1 on GLOBAL_HIGH_SCORE with 9007199254740995
const LENA = '1000000000000003'; // LIFETIME_DISTANCE_METERS 3 short of its >2^53 target
const SHOPPER = '1000000000000005'; // does not own the app
const COINS = '1000000000000010'; // unconsumed consumables and durables

let emu: EmulatorHandle;
let client: HorizonClient;
const fixture = loadFixture(new URL('../../fixtures/demo.json', import.meta.url).pathname);
const novaToken = fixture.users.find((u) => u.id === NOVA)!.access_token!;

beforeAll(async () => {
  emu = await emulator({ fixture: { ...fixture, app: { id: fixture.app.id, secret: PLANTED } } });
  client = clientFor(emu);
});
afterAll(async () => {
  await client.close();
  await emu.close();
});
// A test that injects throttling pauses the app's calls (ThrottleCoolDown); the next test starts after it.
beforeEach(async () => {
  passThrottlePause(client);
  await emu.reset();
});

async function failure(promise: Promise<unknown>): Promise<HorizonApiError> {
  const e = await horizonFailure(promise);
  for (const text of [e.message, String(e), JSON.stringify(e), e.stack ?? ''])
    expect(text).not.toContain(PLANTED);
  return e;
}

describe('achievements', () => {
  it('reads every definition with its fields, int64 targets exact', async () => {
    const defs = await h.getAchievementDefinitions(client, { includeArchived: true });
    expect(defs.length).toBe(fixture.achievement_definitions.length);
    const lifetime = defs.find((d) => d.apiName === 'LIFETIME_DISTANCE_METERS');
    expect(lifetime).toMatchObject({ achievementType: 'COUNT', target: '9007199254740993' });
    expect(defs.find((d) => d.apiName === 'RELIC_HUNTER')).toMatchObject({
      achievementType: 'BITFIELD',
      bitfieldLength: 8,
    });
  });

  it('filters definitions by api name and hides archived ones unless asked', async () => {
    const some = await h.getAchievementDefinitions(client, { apiNames: ['FIRST_LAP', 'BETA_PIONEER'] });
    expect(some.map((d) => d.apiName)).toEqual(['FIRST_LAP']);
    const withArchived = await h.getAchievementDefinitions(client, {
      apiNames: ['BETA_PIONEER'],
      includeArchived: true,
    });
    expect(withArchived.map((d) => d.apiName)).toEqual(['BETA_PIONEER']);
  });

  it('upserts a definition and reads it back', async () => {
    const { id } = await h.upsertAchievementDefinition(client, {
      apiName: 'NEW_COUNT',
      achievementType: 'COUNT',
      writePolicy: 'SERVER_AUTHORITATIVE',
      target: '25',
      title: 'New',
      description: 'Count to 25',
    });
    expect(id).toMatch(/^\d+$/);
    const [def] = await h.getAchievementDefinitions(client, { apiNames: ['NEW_COUNT'] });
    expect(def).toMatchObject({ apiName: 'NEW_COUNT', target: '25', writePolicy: 'SERVER_AUTHORITATIVE' });
  });

  it('reads a user’s progress through the nested definition{...} selection', async () => {
    if (emu.strict) {
      // Strict mode refuses `definition` (a guess): the rows come, but unnamed, and are not
      // passed off as named progress.
      const unnamed = await h.getUserAchievementRows(client, { userId: NOVA });
      expect(unnamed.length).toBeGreaterThan(5);
      for (const row of unnamed) expect(row).toMatchObject({ apiName: undefined, definition: undefined });
      const e = await failure(h.getUserAchievements(client, { userId: NOVA }));
      expect(e.kind).toBe('invalid_response');
      expect(e.message).toContain(`${unnamed.length} of ${unnamed.length} progress rows came without`);
      return;
    }
    const rows = await h.getUserAchievements(client, { userId: NOVA });
    expect(rows.length).toBeGreaterThan(5);
    const first = rows.find((r) => r.apiName === 'FIRST_LAP');
    expect(first).toMatchObject({
      isUnlocked: true,
      definition: { apiName: 'FIRST_LAP', achievementType: 'SIMPLE' },
    });
    expect(first?.unlockTime).toBeGreaterThan(1_600_000_000);
  });

  it('adds a count past 2^53 exactly and reports just_unlocked once', async () => {
    const first = await h.writeAchievementProgress(client, {
      userId: LENA,
      apiName: 'LIFETIME_DISTANCE_METERS',
      addCount: '3',
    });
    expect(first.justUnlocked).toBe(true);
    // Asked by api name, the one row is that achievement's, named or not (strict mode).
    const [row] = await h.getUserAchievementRows(client, {
      userId: LENA,
      apiNames: ['LIFETIME_DISTANCE_METERS'],
    });
    expect(row?.countProgress).toBe('9007199254740993');
    const again = await h.writeAchievementProgress(client, {
      userId: LENA,
      apiName: 'LIFETIME_DISTANCE_METERS',
      addCount: '1',
    });
    expect(again.justUnlocked).toBe(false);
  });

  it('force-unlocks, merges bits and removes all progress', async () => {
    const bits = await h.writeAchievementProgress(client, {
      userId: '1000000000000012',
      apiName: 'RELIC_HUNTER',
      addBits: '00001000',
    });
    expect(bits.justUnlocked).toBe(true);
    const unlock = await h.writeAchievementProgress(client, {
      userId: '1000000000000004',
      apiName: 'FIRST_LAP',
      forceUnlock: true,
    });
    expect(unlock.justUnlocked).toBe(true);
    expect(await h.removeAllAchievements(client, { userId: '1000000000000004' })).toBe(true);
    expect(await h.getUserAchievements(client, { userId: '1000000000000004' })).toEqual([]);
  });

  it('surfaces an unknown achievement and a wrong parameter as code 100', async () => {
    const unknown = await failure(
      h.writeAchievementProgress(client, { userId: NOVA, apiName: 'NOPE', forceUnlock: true }),
    );
    expect(unknown).toMatchObject({
      status: 400,
      code: 100,
      kind: 'api',
      endpoint: 'POST /{user_id}/achievements',
    });
    const wrong = await failure(
      h.writeAchievementProgress(client, { userId: NOVA, apiName: 'RELIC_HUNTER', addCount: '1' }),
    );
    expect(wrong.code).toBe(100);
  });

  it('reports an unknown user as a missing object', async () => {
    const e = await failure(h.getUserAchievements(client, { userId: '999999999999' }));
    expect(e).toMatchObject({ status: 400, code: 100, subcode: 33, isNotFound: true });
  });
});

describe('entitlements and the catalog', () => {
  it('verifies ownership of the app and of skus, with a plain false for non-owners', async () => {
    expect((await h.verifyEntitlement(client, { userId: NOVA })).owned).toBe(true);
    expect(await h.verifyEntitlement(client, { userId: SHOPPER })).toEqual({ owned: false });
    const owned = await h.verifyEntitlement(client, { userId: COINS, sku: 'coins_500' });
    expect(owned.owned).toBe(true);
    expect(owned.grantTime).toBeGreaterThan(0);
    expect((await h.verifyEntitlement(client, { userToken: novaToken, sku: 'coins_500' })).owned).toBe(false);
  });

  it('consumes a consumable once: it then leaves viewer_purchases and verify says false', async () => {
    expect(await h.consumeEntitlement(client, { userId: COINS, sku: 'coins_500' })).toBe(true);
    expect((await h.verifyEntitlement(client, { userId: COINS, sku: 'coins_500' })).owned).toBe(false);
    const skus = (await h.getViewerPurchases(client, { userId: COINS })).map((p) => p.sku);
    expect(skus).not.toContain('coins_500');
    const again = await failure(h.consumeEntitlement(client, { userId: COINS, sku: 'coins_500' }));
    expect(again.code).toBe(100);
  });

  it('lists purchases with nested item{sku} and refunds a durable', async () => {
    const before = await h.getViewerPurchases(client, { userId: COINS });
    expect(before.map((p) => p.sku)).toEqual(
      expect.arrayContaining(['track_pack_alpine', 'livery_neon_nights']),
    );
    expect(before[0]?.itemId).toMatch(/^\d+$/);
    expect(
      await h.refundEntitlement(client, {
        userId: COINS,
        sku: 'track_pack_alpine',
        reason: 'customer_support',
      }),
    ).toBe(true);
    const after = await h.getViewerPurchases(client, { userId: COINS });
    expect(after.map((p) => p.sku)).not.toContain('track_pack_alpine');
  });

  it('reads the catalog with prices', async () => {
    const items = await h.getAvailablePurchases(client);
    expect(items.length).toBeGreaterThanOrEqual(fixture.products?.length ?? 0);
    const coins = items.find((i) => i.sku === 'coins_500');
    expect(coins?.price?.amountInHundredths).toBeGreaterThan(0);
    expect(coins?.price?.currency).toBe('USD');
  });
});

describe('subscriptions', () => {
  it('reads a subscriber’s status with price terms', async () => {
    const subs = await h.getSubscriptions(client, { ownerId: NOVA });
    expect(subs.length).toBeGreaterThan(0);
    expect(subs[0]).toMatchObject({ ownerId: NOVA, isActive: true });
    expect(subs[0]?.periodEndTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('cancels and extends within their bounds, and refuses out-of-bounds days', async () => {
    const [sub] = await h.getSubscriptions(client, { ownerId: NOVA });
    expect(await h.extendSubscription(client, { ownerId: NOVA, sku: sub!.sku, numberOfDays: 7 })).toBe(true);
    const tooMany = await failure(
      h.extendSubscription(client, { ownerId: NOVA, sku: sub!.sku, numberOfDays: 366 }),
    );
    expect(tooMany.code).toBe(100);
    expect(await h.cancelSubscription(client, { ownerId: NOVA, sku: sub!.sku, cancelReason: 0 })).toBe(true);
    const [after] = await h.getSubscriptions(client, { ownerId: NOVA, skus: [sub!.sku] });
    expect(after?.cancellationTime).toBeTruthy();
    expect(after?.isActive).toBe(true);
  });
});

describe('leaderboards', () => {
  it('lists leaderboards with metadata and entry counts', async () => {
    const boards = await h.getLeaderboards(client);
    const global = boards.find((b) => b.apiName === 'GLOBAL_HIGH_SCORE');
    expect(global).toMatchObject({ sortOrder: 'HIGHER_IS_BETTER' });
    expect(Number(global?.entryCount)).toBeGreaterThan(1000);
  });

  it('pages across at least three pages without repeating or skipping entries', async () => {
    const seen: number[] = [];
    let pages = 0;
    for await (const page of h.pages(client, {
      route: 'GET /leaderboard_entries',
      method: 'GET',
      path: '/leaderboard_entries',
      params: { api_name: 'GLOBAL_HIGH_SCORE', limit: 5, fields: 'rank' },
    })) {
      seen.push(...page.rows.map((r) => Number(r.rank)));
      if (++pages === 3) break;
    }
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('reads the top entry with its user and a score above 2^53 exactly', async () => {
    const page = await h.getLeaderboardEntriesPage(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      limit: 2,
      summary: true,
    });
    expect(page.entries[0]).toMatchObject({ rank: 1, score: '9007199254740995', user: { id: APEX } });
    expect(page.hasNextPage).toBe(true);
    expect(Number(page.totalCount)).toBeGreaterThan(1000);
  });

  it('filters by USER_IDS, by FRIENDS with a user token, and starts at an OFFSET or the VIEWER', async () => {
    const byIds = await h.getAllLeaderboardEntries(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      filter: 'USER_IDS',
      userIds: [NOVA, APEX],
    });
    expect(byIds.map((e) => e.user.id).sort()).toEqual([NOVA, APEX].sort());
    const friends = await h.getLeaderboardEntriesPage(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      filter: 'FRIENDS',
      userToken: novaToken,
      limit: 50,
    });
    expect(friends.entries.length).toBeGreaterThan(0);
    const offset = await h.getLeaderboardEntriesPage(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      startAt: 'OFFSET',
      offset: 10,
      limit: 3,
    });
    expect(offset.entries.map((e) => e.rank)).toEqual([11, 12, 13]);
    const viewer = await h.getLeaderboardEntriesPage(client, {
      apiName: 'ALPINE_PASS_BEST_LAP',
      startAt: 'VIEWER',
      userToken: novaToken,
      limit: 5,
    });
    expect(viewer.entries.map((e) => e.user.id)).toContain(NOVA);
  });

  it('keeps the best score, overwrites with force_update, and deletes entries', async () => {
    const worse = await h.submitLeaderboardEntry(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      userId: NOVA,
      score: '1',
    });
    expect(worse).toEqual({ success: true, didUpdate: false });
    const forced = await h.submitLeaderboardEntry(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      userId: NOVA,
      score: '1',
      forceUpdate: true,
    });
    expect(forced.didUpdate).toBe(true);
    const [entry] = await h.getAllLeaderboardEntries(client, {
      apiName: 'GLOBAL_HIGH_SCORE',
      filter: 'USER_IDS',
      userIds: [NOVA],
    });
    expect(entry?.score).toBe('1');
    expect(await h.deleteLeaderboardEntry(client, { entryId: entry!.id })).toBe(true);
    expect(
      await h.getAllLeaderboardEntries(client, {
        apiName: 'GLOBAL_HIGH_SCORE',
        filter: 'USER_IDS',
        userIds: [NOVA],
      }),
    ).toEqual([]);
  });

  it('surfaces an unknown leaderboard as code 12075 and a closed window as code 100', async () => {
    const unknown = await failure(
      h.submitLeaderboardEntry(client, { apiName: 'NOPE', userId: NOVA, score: '5' }),
    );
    expect(unknown).toMatchObject({ code: 12075, isNotFound: true, errorData: { api_name: 'NOPE' } });
    const late = await failure(
      h.submitLeaderboardEntry(client, { apiName: 'WEEKLY_TIME_TRIAL', userId: NOVA, score: '5' }),
    );
    expect(late.code).toBe(100);
    expect(late.message).toMatch(/too late/);
  });

  it('creates, empties and deletes a leaderboard', async () => {
    const { id } = await h.upsertLeaderboard(client, {
      apiName: 'TMP_BOARD',
      sortOrder: 'LOWER_IS_BETTER',
      entryWritePolicy: 'SERVER_AUTHORITATIVE',
    });
    await h.submitLeaderboardEntry(client, { apiName: 'TMP_BOARD', userId: NOVA, score: '9007199254740993' });
    const [entry] = await h.getAllLeaderboardEntries(client, { apiName: 'TMP_BOARD' });
    expect(entry?.score).toBe('9007199254740993');
    expect(await h.removeAllLeaderboardEntries(client, { apiName: 'TMP_BOARD' })).toBe(true);
    expect(await h.getAllLeaderboardEntries(client, { apiName: 'TMP_BOARD' })).toEqual([]);
    expect(await h.deleteLeaderboard(client, { leaderboardId: id })).toBe(true);
    expect((await h.getLeaderboards(client)).map((b) => b.apiName)).not.toContain('TMP_BOARD');
  });
});

describe('users', () => {
  it('looks a user up by id and by org-scoped id, and /me by token', async () => {
    const nova = await h.getUser(client, { userId: NOVA });
    expect(nova).toMatchObject({ id: NOVA, alias: 'NovaDrift' });
    expect(nova.orgScopedId).toMatch(/^\d+$/);
    expect((await h.getUser(client, { userId: nova.orgScopedId! })).id).toBe(NOVA);
    expect((await h.getMe(client, { userToken: novaToken })).id).toBe(NOVA);
  });

  it('validates a nonce once', async () => {
    const nonce = fixture.nonces!.find((n) => n.user_id === NOVA)!.nonce;
    expect(await h.validateUserNonce(client, { userId: NOVA, nonce })).toBe(true);
    expect(await h.validateUserNonce(client, { userId: NOVA, nonce })).toBe(false);
  });
});

describe('errors and faults', () => {
  it('surfaces a rejected app secret as code 190 without the secret', async () => {
    const bad = clientFor(emu, { appSecret: `${PLANTED}-old` });
    const e = await failure(h.getLeaderboards(bad));
    // The body captured from the real API for a refused app token (not the user-token one).
    expect(e).toMatchObject({
      status: 400,
      code: 190,
      type: 'OAuthException',
      isAppCredentialsRejected: true,
    });
    expect(e.message).toContain('Error validating application');
    expect(e.fbtraceId).toBeTruthy();
    expect(e.message).not.toContain(`${PLANTED}-old`);
    await bad.close();
  });

  it('surfaces an injected 503 as a transient api error with the route template', async () => {
    await emu.fault({ route: 'GET /{user_id}/achievements', status: 503 });
    const e = await failure(h.getUserAchievements(client, { userId: NOVA }));
    expect(e).toMatchObject({
      kind: 'api',
      status: 503,
      transient: true,
      endpoint: 'GET /{user_id}/achievements',
    });
  });

  it('surfaces an injected 429 with Retry-After as rate limited', async () => {
    await emu.fault({
      route: 'GET /{app_id}/viewer_purchases',
      status: 429,
      headers: { 'retry-after': '2' },
    });
    const e = await failure(h.getViewerPurchases(client, { userId: NOVA }));
    expect(e).toMatchObject({ status: 429, isRateLimited: true, retryAfterMs: 2000, transient: true });
  });

  it('surfaces a malformed body as a typed error', async () => {
    await emu.fault({ route: 'GET /{app_id}/leaderboards', status: 200, body: '{"data": [' });
    const e = await failure(h.getLeaderboards(client));
    expect(e).toMatchObject({ kind: 'invalid_response', status: 200 });
  });

  it('surfaces a stalled answer as a timeout', async () => {
    const slow = clientFor(emu, { timeoutMs: 100 });
    await emu.fault({ route: 'GET /{user_id}', delayMs: 1000 });
    const e = await failure(h.getUser(slow, { userId: NOVA }));
    expect(e).toMatchObject({ kind: 'timeout', transient: true, endpoint: 'GET /{user_id}' });
    await slow.close();
  });

  it('surfaces a reset connection as a network failure', async () => {
    await emu.fault({ route: 'POST /user_nonce_validate', reset: true });
    const e = await failure(h.validateUserNonce(client, { userId: NOVA, nonce: 'x' }));
    expect(e).toMatchObject({ kind: 'network', transient: true });
  });

  it('counts every call by route template', async () => {
    await h.getUser(client, { userId: NOVA });
    await h.getUser(client, { userId: APEX });
    await h.getLeaderboards(client);
    const counts = await emu.counts();
    expect(counts.total).toBe(3);
    expect(counts.byRoute['GET /{user_id}']).toBe(2);
  });
});
