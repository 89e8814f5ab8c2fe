import fc from 'fast-check';
import { Kind, isObjectType, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/graphql/limits/query-limits.ts';
import { estimateUpstreamCalls } from '../../src/graphql/limits/upstream-cost.ts';
import { resolvers } from '../../src/graphql/resolvers/index.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import type { ReadFields } from '../../src/shared/read-fields.ts';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import { demoFixture, subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { purchaseEvent } from '../helpers/purchase-events.ts';

// Property: for random operations over every field of the schema, the calls the subgraph really
// makes upstream (counted by the emulator) never exceed the guard's estimate. The server runs
// with limits high enough that nothing is refused or cut, so an under-estimate cannot hide.

const fixture = demoFixture();
const schema = buildSchema();
const q = (s: string) => JSON.stringify(s);

const userId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...fixture.users.slice(0, 30).map((u) => u.id!)) },
  { weight: 1, arbitrary: fc.constant('9000000000000001') },
);
const userIds = fc.array(userId, { minLength: 1, maxLength: 4 });
const board = fc.constantFrom(...fixture.leaderboards.map((l) => l.api_name!), 'NOPE_BOARD');
const achievement = fc.constantFrom(...fixture.achievement_definitions.map((a) => a.api_name!), 'NOPE_ACH');
const sku = fc.constantFrom(...fixture.products.map((p) => p.sku!), 'nope_sku');
const ids = (list: string[]) => `[${list.map(q).join(',')}]`;
const optional = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: '' });

type FieldGen = (depth: number) => fc.Arbitrary<string>;

/** The selection of `type`: one to three of its fields, deeper ones only while depth remains. */
function select(type: string, depth: number): fc.Arbitrary<string> {
  const fields = Object.values(FIELDS[type]!);
  return fc
    .array(fc.oneof(...fields.map((field) => field(depth))), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.map((part, i) => `f${i}: ${part}`).join(' '));
}

/** A field with a selection below it; a scalar stand-in once the depth is used up. */
const child =
  (type: string, head: (depth: number) => fc.Arbitrary<string> | string) =>
  (depth: number): fc.Arbitrary<string> => {
    if (depth <= 0) return fc.constant('__typename');
    const h = head(depth);
    return fc
      .tuple(typeof h === 'string' ? fc.constant(h) : h, select(type, depth - 1))
      .map(([field, sel]) => `${field} { ${sel} }`);
  };
const scalar = (name: string) => () => fc.constant(name);
const scalars = (...names: string[]) => Object.fromEntries(names.map((n) => [n, scalar(n)]));

const entriesArgs = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 1, max: 3 }).map((n) => `(first: ${n})`),
  fc
    .tuple(userIds, fc.integer({ min: 1, max: 3 }))
    .map(([list, n]) => `(first: ${n}, filter: USER_IDS, userIds: ${ids(list)})`),
  userId.map((id) => `(first: 3, around: ${q(id)})`),
  fc.constantFrom(
    '(first: 2, filter: FRIENDS)',
    '(first: 2, filter: VIEWER)',
    '(first: 2, filter: VIEWER_OR_TOP)',
  ),
);

const entity = fc.oneof(
  userId.map((id) => ({ __typename: 'User', id })),
  sku.map((s) => ({ __typename: 'Product', sku: s })),
  board.map((b) => ({ __typename: 'Leaderboard', apiName: b })),
  achievement.map((a) => ({ __typename: 'AchievementDefinition', apiName: a })),
);
const literal = (rep: Record<string, string>) =>
  `{${Object.entries(rep)
    .map(([k, v]) => `${k}: ${q(v)}`)
    .join(', ')}}`;

const reason = '"probe"';
const dry = fc.constantFrom('', ', dryRun: true');

/** Every field of every object type, each with a generator of its use. */
const FIELDS: Record<string, Record<string, FieldGen>> = {
  Query: {
    user: child('User', () => userId.map((id) => `user(id: ${q(id)})`)),
    users: child('User', () => userIds.map((list) => `users(ids: ${ids(list)})`)),
    achievementDefinitions: child('AchievementDefinition', () =>
      fc
        .tuple(
          optional(fc.array(achievement, { maxLength: 3 }).map((a) => `apiNames: ${ids(a)}`)),
          fc.boolean(),
        )
        .map(([names, archived]) => `achievementDefinitions(${names} includeArchived: ${archived})`),
    ),
    leaderboard: child('Leaderboard', () => board.map((b) => `leaderboard(apiName: ${q(b)})`)),
    leaderboards: child('Leaderboard', () => 'leaderboards'),
    products: child('Product', () => 'products'),
    purchaseEvents: child('PurchaseEventConnection', () =>
      fc
        .tuple(fc.integer({ min: 1, max: 4 }), optional(userId.map((u) => `userId: ${q(u)}`)))
        .map(([n, user]) => `purchaseEvents(first: ${n} ${user})`),
    ),
    _entities: (depth) =>
      fc
        .tuple(
          fc.array(entity, { minLength: 1, maxLength: 4 }),
          select('User', depth - 1),
          select('Product', depth - 1),
          select('Leaderboard', depth - 1),
          select('AchievementDefinition', depth - 1),
        )
        .map(
          ([reps, u, p, l, a]) =>
            `_entities(representations: [${reps.map(literal).join(', ')}]) { ... on User { ${u} } ... on Product { ${p} } ... on Leaderboard { ${l} } ... on AchievementDefinition { ${a} } }`,
        ),
    _service: () => fc.constant('_service { sdl }'),
  },
  Mutation: {
    unlockAchievement: child('AchievementUpdate', () =>
      fc.tuple(userId, achievement).map(([u, a]) => `unlockAchievement(userId: ${q(u)}, apiName: ${q(a)})`),
    ),
    addAchievementCount: child('AchievementUpdate', () =>
      fc
        .tuple(userId, achievement)
        .map(([u, a]) => `addAchievementCount(userId: ${q(u)}, apiName: ${q(a)}, count: "1")`),
    ),
    addAchievementBits: child('AchievementUpdate', () =>
      fc
        .tuple(userId, achievement)
        .map(([u, a]) => `addAchievementBits(userId: ${q(u)}, apiName: ${q(a)}, bits: "1")`),
    ),
    resetAchievements: child('MutationResult', () =>
      fc.tuple(userId, dry).map(([u, d]) => `resetAchievements(userId: ${q(u)}, reason: ${reason}${d})`),
    ),
    upsertAchievementDefinition: child('AchievementDefinition', () =>
      fc
        .constantFrom('PROBE_A', 'PROBE_B')
        .map(
          (a) =>
            `upsertAchievementDefinition(input: { apiName: ${q(a)}, type: SIMPLE, writePolicy: SERVER_AUTHORITATIVE, title: "t", description: "d" })`,
        ),
    ),
    submitLeaderboardScore: child('LeaderboardSubmitResult', () =>
      fc
        .tuple(board, userId)
        .map(([b, u]) => `submitLeaderboardScore(leaderboard: ${q(b)}, userId: ${q(u)}, score: "5")`),
    ),
    deleteLeaderboardEntry: child('MutationResult', () =>
      dry.map((d) => `deleteLeaderboardEntry(id: "9000000000000777", reason: ${reason}${d})`),
    ),
    resetLeaderboard: child('MutationResult', () =>
      fc.tuple(board, dry).map(([b, d]) => `resetLeaderboard(apiName: ${q(b)}, reason: ${reason}${d})`),
    ),
    upsertLeaderboard: child('Leaderboard', () =>
      fc
        .constantFrom('PROBE_BOARD_A', 'PROBE_BOARD_B')
        .map(
          (b) =>
            `upsertLeaderboard(input: { apiName: ${q(b)}, sortOrder: HIGHER_IS_BETTER, entryWritePolicy: SERVER_AUTHORITATIVE })`,
        ),
    ),
    deleteLeaderboard: child('MutationResult', () =>
      fc
        .tuple(fc.constantFrom('PROBE_BOARD_A', 'PROBE_BOARD_B', 'NOPE_BOARD'), dry)
        .map(([b, d]) => `deleteLeaderboard(apiName: ${q(b)}, reason: ${reason}${d})`),
    ),
    consumeEntitlement: child('MutationResult', () =>
      fc.tuple(userId, sku).map(([u, s]) => `consumeEntitlement(userId: ${q(u)}, sku: ${q(s)})`),
    ),
    refundEntitlement: child('MutationResult', () =>
      fc
        .tuple(userId, sku, dry)
        .map(
          ([u, s, d]) => `refundEntitlement(userId: ${q(u)}, sku: ${q(s)}, reason: "customer_support"${d})`,
        ),
    ),
    cancelSubscription: child('MutationResult', () =>
      fc
        .tuple(userId, sku)
        .map(([u, s]) => `cancelSubscription(userId: ${q(u)}, sku: ${q(s)}, reason: OTHER)`),
    ),
    extendSubscription: child('MutationResult', () =>
      fc.tuple(userId, sku).map(([u, s]) => `extendSubscription(userId: ${q(u)}, sku: ${q(s)}, days: 3)`),
    ),
    verifyUserNonce: () =>
      fc
        .tuple(userId, fc.constantFrom('n0nce', 'x'))
        .map(([u, n]) => `verifyUserNonce(userId: ${q(u)}, nonce: ${q(n)})`),
  },
  User: {
    ...scalars('id', 'alias', 'orgScopedId', 'entitlements { sku }', 'subscriptions { sku }'),
    achievements: child('AchievementProgress', () =>
      optional(fc.array(achievement, { maxLength: 2 }).map((a) => `(apiNames: ${ids(a)})`)).map(
        (args) => `achievements${args}`,
      ),
    ),
    entitlements: child('Entitlement', () => 'entitlements'),
    hasEntitlement: () => optional(sku.map((s) => `(sku: ${q(s)})`)).map((args) => `hasEntitlement${args}`),
    subscriptions: child('PlatformSubscription', () => 'subscriptions'),
    leaderboardEntry: child('LeaderboardEntry', () =>
      board.map((b) => `leaderboardEntry(leaderboard: ${q(b)})`),
    ),
    leaderboardEntries: child('LeaderboardEntry', () => 'leaderboardEntries'),
    purchaseEvents: child('PurchaseEventConnection', () =>
      fc.integer({ min: 1, max: 3 }).map((n) => `purchaseEvents(first: ${n})`),
    ),
  },
  AchievementDefinition: scalars(
    'apiName',
    'type',
    'writePolicy',
    'target',
    'bitfieldLength',
    'title',
    'description',
    'unlockedDescriptionOverride',
    'isArchived',
    'isSecret',
    'lockedImageUri',
    'unlockedImageUri',
  ),
  AchievementProgress: {
    ...scalars('apiName', 'isUnlocked', 'unlockedAt', 'count', 'bitfield', 'progress'),
    definition: child('AchievementDefinition', () => 'definition'),
  },
  AchievementUpdate: {
    ...scalars('apiName', 'justUnlocked'),
    progress: child('AchievementProgress', () => 'progress'),
  },
  Entitlement: {
    ...scalars('id', 'sku', 'grantedAt', 'expiresAt'),
    product: child('Product', () => 'product'),
  },
  Product: {
    ...scalars('sku', 'name', 'description', 'type'),
    price: child('Price', () => 'price'),
  },
  Price: scalars('currency', 'amountInHundredths', 'formatted'),
  PlatformSubscription: {
    ...scalars(
      'id',
      'sku',
      'isActive',
      'isTrial',
      'trialType',
      'periodStart',
      'periodEnd',
      'nextRenewalAt',
      'cancelledAt',
    ),
    currentPriceTerm: child('SubscriptionPriceTerm', () => 'currentPriceTerm'),
    nextPriceTerm: child('SubscriptionPriceTerm', () => 'nextPriceTerm'),
  },
  SubscriptionPriceTerm: scalars('term', 'currency', 'price'),
  Leaderboard: {
    ...scalars(
      'id',
      'apiName',
      'title',
      'sortOrder',
      'entryWritePolicy',
      'entryCount',
      'earliestAllowedEntryAt',
      'latestAllowedEntryAt',
      'scoreType',
    ),
    entries: child('LeaderboardEntryConnection', () => entriesArgs.map((args) => `entries${args}`)),
  },
  LeaderboardEntryConnection: {
    totalCount: scalar('totalCount'),
    edges: child('LeaderboardEntryEdge', () => 'edges'),
    pageInfo: child('PageInfo', () => 'pageInfo'),
  },
  LeaderboardEntryEdge: {
    cursor: scalar('cursor'),
    node: child('LeaderboardEntry', () => 'node'),
  },
  PageInfo: scalars('hasNextPage', 'endCursor'),
  LeaderboardEntry: {
    ...scalars('id', 'rank', 'score', 'timestamp', 'extraDataBase64', 'supplementaryMetric'),
    user: child('User', () => 'user'),
    leaderboard: child('Leaderboard', () => 'leaderboard'),
  },
  LeaderboardSubmitResult: {
    didUpdate: scalar('didUpdate'),
    entry: child('LeaderboardEntry', () => 'entry'),
  },
  MutationResult: scalars('success', 'dryRun', 'message'),
  PurchaseEventConnection: {
    edges: child('PurchaseEventEdge', () => 'edges'),
    pageInfo: child('PageInfo', () => 'pageInfo'),
  },
  PurchaseEventEdge: {
    cursor: scalar('cursor'),
    node: child('PurchaseEvent', () => 'node'),
  },
  PurchaseEvent: {
    ...scalars(
      'id',
      'type',
      'occurredAt',
      'receivedAt',
      'sku',
      'reportingId',
      'developerPayload',
      'subscriptionId',
      'test',
    ),
    user: child('User', () => 'user'),
  },
  // Subscriptions run over WebSocket, not in this HTTP property; their estimate is per event.
  Subscription: { purchaseEvents: child('PurchaseEvent', () => 'purchaseEvents') },
};
// `...scalars()` entries above that carry a selection are placeholders overwritten by the real generator.
delete FIELDS.User!['entitlements { sku }'];
delete FIELDS.User!['subscriptions { sku }'];

const DEPTH = 4;
const headers = { 'x-horizon-user-token': fixture.users[0]!.access_token! };

// Events of fixture players (and one without a player), so that fields below an event reach upstream.
const purchaseEvents = new InMemoryPurchaseEventLog();

let sg: SubgraphHandle;
beforeAll(async () => {
  await purchaseEvents.append(
    [...fixture.users.slice(0, 4).map((u) => u.id!), null, '9000000000000001'].map((id) =>
      purchaseEvent({ userId: id }),
    ),
  );
  sg = await subgraph({
    cacheTtlMs: 0,
    server: {
      purchaseEvents,
      limits: { ...DEFAULT_LIMITS, maxUpstreamCost: 1_000_000, maxAliases: 10_000, maxDepth: 100 },
      securityDirectives: true,
    },
  });
});
afterAll(() => sg.close());

/** Runs `query`; returns what it made upstream and what the guard estimated. */
async function measure(query: string, leaderboards: number) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  const sizes = { leaderboards, unsettledFields: (read: ReadFields) => sg.horizon.unsettledFields(read) };
  const estimate = estimateUpstreamCalls({ schema, resolvers, document, operation, variables: {}, sizes });
  await sg.emulator.checkpoint();
  const res = await sg.gql(query, {}, headers);
  expect(res.status, res.raw).toBeLessThan(500);
  expect(res.errors?.filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ?? [], res.raw).toEqual(
    [],
  );
  return { made: (await sg.emulator.counts()).total, estimate };
}

describe('the upstream-call estimate is an upper bound', () => {
  it('has a generator for every field of every object type', () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type.name === '_Service') continue;
      const missing = Object.keys(type.getFields()).filter((field) => !FIELDS[type.name]?.[field]);
      expect(missing, type.name).toEqual([]);
    }
  });

  it('for random queries (caches off, so every shared list is read again)', async () => {
    await fc.assert(
      fc.asyncProperty(select('Query', DEPTH), async (selection) => {
        const { made, estimate } = await measure(`query { ${selection} }`, fixture.leaderboards.length);
        expect(made, selection).toBeLessThanOrEqual(estimate);
      }),
      { numRuns: 80 },
    );
  });

  it('for random mutations with their payloads', async () => {
    await fc.assert(
      fc.asyncProperty(select('Mutation', DEPTH), async (selection) => {
        // Mutations may create up to two leaderboards of their own.
        const { made, estimate } = await measure(
          `mutation { ${selection} }`,
          fixture.leaderboards.length + 2,
        );
        expect(made, selection).toBeLessThanOrEqual(estimate);
      }),
      { numRuns: 40 },
    );
    await sg.emulator.reset();
  });
});
