import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouteTemplate } from '../../src/shared/routes.ts';
import { demoFixture, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Writes under an injected 503 that would clear on a second attempt: a write that is not
// idempotent is sent exactly once and the caller gets a retryable error to decide on; a write
// that is idempotent in effect is retried and succeeds. Attempts are counted at the emulator.

const NOVA = '1000000000000001';
const PLAIN = '1000000000000004';
const COINS = '1000000000000010';

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({
    resilience: {
      retry: { maxAttempts: 3, budgetMs: 5_000, baseDelayMs: 5 },
      breaker: { threshold: 10_000 },
    },
  });
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

async function attempts(route: RouteTemplate): Promise<number> {
  return (await sg.emulator.counts()).byRoute[route] ?? 0;
}

const NEVER_RETRIED: { name: string; route: RouteTemplate; mutation: () => Promise<string> }[] = [
  {
    name: 'addAchievementCount',
    route: 'POST /{user_id}/achievements',
    mutation: async () =>
      `mutation { addAchievementCount(userId: "${PLAIN}", apiName: "WIN_10_RACES", count: "1") { justUnlocked } }`,
  },
  {
    name: 'consumeEntitlement',
    route: 'POST /{app_id}/consume_entitlement',
    mutation: async () => `mutation { consumeEntitlement(userId: "${COINS}", sku: "coins_500") { success } }`,
  },
  {
    name: 'refundEntitlement',
    route: 'POST /{app_id}/refund_iap_entitlement',
    mutation: async () =>
      `mutation { refundEntitlement(userId: "${COINS}", sku: "track_pack_alpine", reason: "customer_support") { success } }`,
  },
  {
    name: 'cancelSubscription',
    route: 'POST /application/cancel_subscription',
    mutation: async () =>
      `mutation { cancelSubscription(userId: "${NOVA}", sku: "rally_pass_annual", reason: OTHER) { success } }`,
  },
  {
    name: 'extendSubscription',
    route: 'POST /application/extend_subscription',
    mutation: async () =>
      `mutation { extendSubscription(userId: "${NOVA}", sku: "rally_pass_annual", days: 1) { success } }`,
  },
  {
    name: 'submitLeaderboardScore with forceUpdate',
    route: 'POST /leaderboard_submit_entry',
    mutation: async () =>
      `mutation { submitLeaderboardScore(leaderboard: "GLOBAL_HIGH_SCORE", userId: "${PLAIN}", score: "5", forceUpdate: true) { didUpdate } }`,
  },
  {
    name: 'verifyUserNonce',
    route: 'POST /user_nonce_validate',
    mutation: async () => {
      const nonce = demoFixture().nonces!.find((n) => n.user_id === NOVA)!.nonce;
      return `mutation { verifyUserNonce(userId: "${NOVA}", nonce: "${nonce}") }`;
    },
  },
];

NEVER_RETRIED.push(
  {
    name: 'addAchievementBits (add_bits)',
    route: 'POST /{user_id}/achievements',
    mutation: async () =>
      `mutation { addAchievementBits(userId: "${PLAIN}", apiName: "RELIC_HUNTER", bits: "1") { apiName } }`,
  },
  {
    name: 'submitLeaderboardScore without forceUpdate',
    route: 'POST /leaderboard_submit_entry',
    mutation: async () =>
      `mutation { submitLeaderboardScore(leaderboard: "GLOBAL_HIGH_SCORE", userId: "${PLAIN}", score: "5") { didUpdate } }`,
  },
);

describe.each(NEVER_RETRIED)('$name', ({ route, mutation }) => {
  it('is sent exactly once under a 503, and the caller gets a retryable error', async () => {
    const query = await mutation();
    await sg.emulator.fault({ route, status: 503, times: 1 });
    const res = await sg.gql(query);
    expect(res.errors, res.raw).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      upstream: { status: 503, endpoint: route },
    });
    expect(await attempts(route)).toBe(1);
  });
});

const RETRIED: { name: string; route: RouteTemplate; mutation: string }[] = [
  {
    name: 'unlockAchievement (force_unlock)',
    route: 'POST /{user_id}/achievements',
    mutation: `mutation { unlockAchievement(userId: "${PLAIN}", apiName: "FIRST_LAP") { apiName } }`,
  },
  {
    name: 'upsertAchievementDefinition',
    route: 'POST /{app_id}/achievement_definitions',
    mutation:
      'mutation { upsertAchievementDefinition(input: { apiName: "RETRIED_UPSERT", type: SIMPLE, writePolicy: SERVER_AUTHORITATIVE, title: "t", description: "d" }) { apiName } }',
  },
  {
    name: 'upsertLeaderboard',
    route: 'POST /{app_id}/leaderboards',
    mutation:
      'mutation { upsertLeaderboard(input: { apiName: "RETRIED_BOARD", sortOrder: HIGHER_IS_BETTER, entryWritePolicy: SERVER_AUTHORITATIVE }) { apiName } }',
  },
];

/** Deletes and resets are idempotent in effect: retried after a 503, and they succeed. */
const DELETES: { name: string; route: RouteTemplate; mutation: () => Promise<string> }[] = [
  {
    name: 'resetAchievements',
    route: 'POST /achievement_remove_all',
    mutation: async () => `mutation { resetAchievements(userId: "${NOVA}") { success } }`,
  },
  {
    name: 'resetLeaderboard',
    route: 'POST /leaderboard_remove_all_entries',
    mutation: async () => 'mutation { resetLeaderboard(apiName: "DRIFT_MASTERS") { success } }',
  },
  {
    name: 'deleteLeaderboard',
    route: 'DELETE /{leaderboard_id}',
    mutation: async () => 'mutation { deleteLeaderboard(apiName: "DRIFT_MASTERS") { success } }',
  },
  {
    name: 'deleteLeaderboardEntry',
    route: 'DELETE /{entry_id}',
    mutation: async () => {
      const res = await sg.gql<{ user: { leaderboardEntry: { id: string } } }>(
        `{ user(id: "${NOVA}") { leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { id } } }`,
      );
      return `mutation { deleteLeaderboardEntry(id: "${res.data!.user.leaderboardEntry.id}") { success } }`;
    },
  },
];

describe.each(DELETES)('$name', ({ route, mutation }) => {
  it('is idempotent in effect, so it is retried after a 503 and succeeds', async () => {
    const query = await mutation();
    await sg.emulator.fault({ route, status: 503, times: 1 });
    const res = await sg.gql(query);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(route)).toBe(2);
  });
});

describe('a delete whose first answer was lost', () => {
  it('counts "does not exist" on the retry as done: the first attempt applied it', async () => {
    const impatient = await subgraph({
      upstream: sg.emulator,
      writeTimeoutMs: 150,
      resilience: {
        retry: { maxAttempts: 3, budgetMs: 5_000, baseDelayMs: 5 },
        breaker: { threshold: 10_000 },
      },
    });
    try {
      const query = await DELETES.find((d) => d.name === 'deleteLeaderboardEntry')!.mutation();
      // The emulator applies the delete, then answers after the client gave up waiting.
      await sg.emulator.fault({ route: 'DELETE /{entry_id}', delayMs: 600, times: 1 });
      const res = await impatient.gql<{ deleteLeaderboardEntry: { success: boolean } }>(query);
      expect(res.errors, res.raw).toBeUndefined();
      expect(res.data?.deleteLeaderboardEntry.success).toBe(true);
      expect(await attempts('DELETE /{entry_id}')).toBe(2);
    } finally {
      await impatient.close();
    }
  });
});

describe.each(RETRIED)('$name', ({ route, mutation }) => {
  it('is idempotent in effect, so it is retried after a 503 and succeeds', async () => {
    await sg.emulator.fault({ route, status: 503, times: 1 });
    const res = await sg.gql(mutation);
    expect(res.errors, res.raw).toBeUndefined();
    expect(await attempts(route)).toBe(2);
  });
});
