import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Property: whatever bad arguments a caller sends, the answer is a coded error (never
// INTERNAL_SERVER_ERROR, never a crash) and no upstream call is made for them.

const notId = fc.string({ maxLength: 30 }).filter((s) => !/^\d{1,20}$/.test(s));
const notApiName = fc.string({ maxLength: 120 }).filter((s) => !/^[A-Za-z0-9_.-]{1,100}$/.test(s));
const notSku = fc.string({ maxLength: 220 }).filter((s) => !/^[A-Za-z0-9_.:-]{1,200}$/.test(s));
const notBits = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[01]+$/.test(s)),
  fc.stringMatching(/^[01]{9,40}$/), // longer than RELIC_HUNTER's 8 bits
);
const notPositiveCount = fc.oneof(fc.constant('0'), fc.bigInt({ min: -(2n ** 63n), max: 0n }).map(String));
const notInt64 = fc.oneof(
  fc.string({ maxLength: 25 }).filter((s) => !/^-?\d{1,19}$/.test(s)),
  fc.constant('9223372036854775808'),
);
const notBase64 = fc.oneof(
  fc
    .string({ minLength: 1, maxLength: 40 })
    .filter((s) => !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0),
  fc.constant(Buffer.alloc(2049).toString('base64')),
);
const badPageSize = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101, max: 1_000_000 }));
const badDays = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 366 }));
const badReason = fc.oneof(
  fc.constant(''),
  fc.constant('   '),
  fc.string({ minLength: 501, maxLength: 600 }),
);
const idemKey = fc.oneof(fc.constant(''), fc.string({ minLength: 201, maxLength: 260 }));

const OK_USER = '1000000000000001';

/** Each case: a document and an arbitrary of variables, at least one of them invalid. */
const CASES: { name: string; query: string; vars: fc.Arbitrary<Record<string, unknown>> }[] = [
  { name: 'user(id)', query: 'query($v: ID!) { user(id: $v) { alias } }', vars: fc.record({ v: notId }) },
  {
    name: 'users(ids)',
    query: 'query($v: [ID!]!) { users(ids: $v) { alias } }',
    vars: fc.record({ v: fc.array(notId, { minLength: 1, maxLength: 3 }) }),
  },
  {
    name: 'achievementDefinitions(apiNames)',
    query: 'query($v: [String!]) { achievementDefinitions(apiNames: $v) { apiName } }',
    vars: fc.record({ v: fc.array(notApiName, { minLength: 1, maxLength: 3 }) }),
  },
  {
    name: 'leaderboard(apiName)',
    query: 'query($v: String!) { leaderboard(apiName: $v) { apiName } }',
    vars: fc.record({ v: notApiName }),
  },
  {
    name: 'User.achievements(apiNames)',
    query: `query($v: [String!]) { user(id: "${OK_USER}") { achievements(apiNames: $v) { apiName } } }`,
    vars: fc.record({ v: fc.array(notApiName, { minLength: 1, maxLength: 2 }) }),
  },
  {
    name: 'User.hasEntitlement(sku)',
    query: `query($v: String) { user(id: "${OK_USER}") { hasEntitlement(sku: $v) } }`,
    vars: fc.record({ v: notSku }),
  },
  {
    name: 'User.leaderboardEntry(leaderboard)',
    query: `query($v: String!) { user(id: "${OK_USER}") { leaderboardEntry(leaderboard: $v) { rank } } }`,
    vars: fc.record({ v: notApiName }),
  },
  {
    name: 'Leaderboard.entries(first)',
    query:
      'query($v: Int) { leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(first: $v) { totalCount } } }',
    vars: fc.record({ v: badPageSize }),
  },
  {
    name: 'Leaderboard.entries(after)',
    query:
      'query($v: String) { leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(after: $v) { totalCount } } }',
    vars: fc.record({ v: fc.string({ maxLength: 60 }) }),
  },
  {
    name: 'Leaderboard.entries(around)',
    query:
      'query($v: ID) { leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(around: $v) { totalCount } } }',
    vars: fc.record({ v: notId }),
  },
  {
    name: 'Leaderboard.entries(userIds)',
    query:
      'query($v: [ID!]) { leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(filter: USER_IDS, userIds: $v) { totalCount } } }',
    vars: fc.record({ v: fc.oneof(fc.constant([]), fc.array(notId, { minLength: 1, maxLength: 3 })) }),
  },
  {
    name: 'unlockAchievement',
    query: 'mutation($u: ID!, $a: String!) { unlockAchievement(userId: $u, apiName: $a) { justUnlocked } }',
    vars: fc.oneof(
      fc.record({ u: notId, a: fc.constant('FIRST_LAP') }),
      fc.record({ u: fc.constant(OK_USER), a: notApiName }),
    ),
  },
  {
    name: 'addAchievementCount',
    query:
      'mutation($u: ID!, $c: Int64!, $k: String) { addAchievementCount(userId: $u, apiName: "WIN_10_RACES", count: $c, idempotencyKey: $k) { justUnlocked } }',
    vars: fc.oneof(
      fc.record({ u: fc.constant(OK_USER), c: notPositiveCount }),
      fc.record({ u: fc.constant(OK_USER), c: notInt64 }),
      fc.record({ u: notId, c: fc.constant('1') }),
      fc.record({ u: fc.constant(OK_USER), c: fc.constant('1'), k: idemKey }),
    ),
  },
  {
    name: 'addAchievementBits',
    query:
      'mutation($u: ID!, $b: String!) { addAchievementBits(userId: $u, apiName: "RELIC_HUNTER", bits: $b) { justUnlocked } }',
    vars: fc.record({ u: fc.constant(OK_USER), b: notBits }),
  },
  {
    name: 'resetAchievements',
    query: 'mutation($u: ID!, $r: String) { resetAchievements(userId: $u, reason: $r) { success } }',
    vars: fc.oneof(fc.record({ u: notId }), fc.record({ u: fc.constant(OK_USER), r: badReason })),
  },
  {
    name: 'upsertAchievementDefinition',
    query:
      'mutation($a: String!) { upsertAchievementDefinition(input: { apiName: $a, type: SIMPLE, writePolicy: SERVER_AUTHORITATIVE, title: "t", description: "d" }) { apiName } }',
    vars: fc.record({ a: notApiName }),
  },
  {
    name: 'submitLeaderboardScore',
    query:
      'mutation($l: String!, $u: ID!, $s: Int64!, $x: String) { submitLeaderboardScore(leaderboard: $l, userId: $u, score: $s, extraDataBase64: $x) { didUpdate } }',
    vars: fc.oneof(
      fc.record({ l: notApiName, u: fc.constant(OK_USER), s: fc.constant('1') }),
      fc.record({ l: fc.constant('GLOBAL_HIGH_SCORE'), u: notId, s: fc.constant('1') }),
      fc.record({ l: fc.constant('GLOBAL_HIGH_SCORE'), u: fc.constant(OK_USER), s: notInt64 }),
      fc.record({
        l: fc.constant('GLOBAL_HIGH_SCORE'),
        u: fc.constant(OK_USER),
        s: fc.constant('1'),
        x: notBase64,
      }),
    ),
  },
  {
    name: 'deleteLeaderboardEntry',
    query: 'mutation($i: ID!) { deleteLeaderboardEntry(id: $i) { success } }',
    vars: fc.record({ i: notId }),
  },
  {
    name: 'resetLeaderboard',
    query: 'mutation($a: String!) { resetLeaderboard(apiName: $a) { success } }',
    vars: fc.record({ a: notApiName }),
  },
  {
    name: 'upsertLeaderboard',
    query: 'mutation($a: String!) { upsertLeaderboard(input: { apiName: $a }) { apiName } }',
    vars: fc.record({ a: notApiName }),
  },
  {
    name: 'deleteLeaderboard',
    query: 'mutation($a: String!) { deleteLeaderboard(apiName: $a) { success } }',
    vars: fc.record({ a: notApiName }),
  },
  {
    name: 'consumeEntitlement',
    query: 'mutation($u: ID!, $s: String!) { consumeEntitlement(userId: $u, sku: $s) { success } }',
    vars: fc.oneof(
      fc.record({ u: notId, s: fc.constant('coins_500') }),
      fc.record({ u: fc.constant(OK_USER), s: notSku }),
    ),
  },
  {
    name: 'refundEntitlement',
    query:
      'mutation($u: ID!, $s: String!, $r: String!) { refundEntitlement(userId: $u, sku: $s, reason: $r) { success } }',
    vars: fc.oneof(
      fc.record({ u: notId, s: fc.constant('coins_500'), r: fc.constant('x') }),
      fc.record({ u: fc.constant(OK_USER), s: notSku, r: fc.constant('x') }),
      fc.record({ u: fc.constant(OK_USER), s: fc.constant('coins_500'), r: badReason }),
    ),
  },
  {
    name: 'cancelSubscription',
    query:
      'mutation($u: ID!, $s: String!) { cancelSubscription(userId: $u, sku: $s, reason: OTHER) { success } }',
    vars: fc.oneof(
      fc.record({ u: notId, s: fc.constant('rally_pass_annual') }),
      fc.record({ u: fc.constant(OK_USER), s: notSku }),
    ),
  },
  {
    name: 'extendSubscription',
    query:
      'mutation($u: ID!, $s: String!, $d: Int!) { extendSubscription(userId: $u, sku: $s, days: $d) { success } }',
    vars: fc.oneof(
      fc.record({ u: fc.constant(OK_USER), s: fc.constant('rally_pass_annual'), d: badDays }),
      fc.record({ u: notId, s: fc.constant('rally_pass_annual'), d: fc.constant(1) }),
    ),
  },
  {
    name: 'verifyUserNonce',
    query: 'mutation($u: ID!) { verifyUserNonce(userId: $u, nonce: "n") }',
    vars: fc.record({ u: notId }),
  },
];

const CODED = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'QUERY_TOO_EXPENSIVE',
  'NOT_FOUND',
]);

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
  // Warm the shared caches a valid parent field needs, so only argument handling is measured.
  await sg.gql(
    '{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { apiName } achievementDefinitions { apiName } }',
  );
});
afterAll(() => sg.close());

describe.each(CASES)('$name with bad arguments', ({ query, vars }) => {
  it('answers with a coded error and makes no upstream call', async () => {
    await fc.assert(
      fc.asyncProperty(vars, async (variables) => {
        const before = (await sg.emulator.counts()).total;
        const res = await sg.gql(query, variables);
        expect(res.status).toBeLessThan(500);
        expect(res.errors?.length, res.raw).toBeGreaterThan(0);
        for (const error of res.errors ?? []) {
          expect(CODED.has(String(error.extensions?.code)), res.raw).toBe(true);
        }
        expect((await sg.emulator.counts()).total - before, res.raw).toBe(0);
      }),
      { numRuns: 25 },
    );
  });
});

it('still answers normally after all of that', async () => {
  const res = await sg.gql(`{ user(id: "${OK_USER}") { alias } }`);
  expect(res.data).toEqual({ user: { alias: 'NovaDrift' } });
});
