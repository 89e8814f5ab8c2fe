import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import type { PurchaseEvent } from '../../src/events/purchase-event-log.ts';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { callerToken, JWT_KEY, purchaseEvent } from '../helpers/purchase-events.ts';

// Query.purchaseEvents and User.purchaseEvents over real HTTP, on a log the test fills directly
// (what the webhook intake would have recorded): newest first, Relay paging, filters, scopes, and
// no upstream call.

const ALICE = '1000000000000001';
const BOB = '1000000000000002';
const log = new InMemoryPurchaseEventLog();
let sg: SubgraphHandle;
let reader: Record<string, string>;
let recorded: PurchaseEvent[];
/** When the second half of the events was received. */
let laterHalf: string;

interface Page {
  edges: {
    cursor: string;
    node: { id: string; type: string; sku: string | null; user: { id: string } | null };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PAGE = `
  query Page($first: Int, $after: String, $userId: ID, $types: [PurchaseEventType!], $since: DateTime) {
    purchaseEvents(first: $first, after: $after, userId: $userId, types: $types, since: $since) {
      edges { cursor node { id type sku user { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

async function page(variables: Record<string, unknown>, headers = reader) {
  const res = await sg.gql<{ purchaseEvents: Page }>(PAGE, variables, headers);
  expect(res.errors, res.raw).toBeUndefined();
  return res.data!.purchaseEvents;
}

beforeAll(async () => {
  sg = await subgraph({
    server: { purchaseEvents: log, resolveCaller: jwtCallerResolver({ jwtSecret: JWT_KEY }) },
  });
  reader = { authorization: `Bearer ${await callerToken('horizon:purchases:read')}` };
  const first = await log.append([
    purchaseEvent({ sku: 'e0', userId: ALICE, receivedAt: '2026-06-02T10:00:00.000Z' }),
    purchaseEvent({ sku: 'e1', userId: BOB, receivedAt: '2026-06-02T10:00:01.000Z' }),
    purchaseEvent({ sku: 'e2', userId: ALICE, type: 'REFUNDED', receivedAt: '2026-06-02T10:00:02.000Z' }),
  ]);
  laterHalf = '2026-06-02T11:00:00.000Z';
  const second = await log.append([
    purchaseEvent({ sku: 'e3', userId: null, test: true, receivedAt: laterHalf }),
    purchaseEvent({ sku: 'e4', userId: ALICE, type: 'SUBSCRIPTION_STARTED', receivedAt: laterHalf }),
    purchaseEvent({ sku: 'e5', userId: BOB, type: 'UNKNOWN', receivedAt: laterHalf }),
  ]);
  recorded = [...first, ...second];
});

afterAll(() => sg?.close());

describe('Query.purchaseEvents', () => {
  it('pages through the history newest first, each edge cursor being the event id, without an upstream call', async () => {
    await sg.emulator.checkpoint();
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page({ first: 4, after });
      pages += 1;
      for (const edge of p.edges) expect(edge.cursor).toBe(edge.node.id);
      seen.push(...p.edges.map((e) => e.node.sku!));
      if (!p.pageInfo.hasNextPage) break;
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      after = p.pageInfo.endCursor;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(['e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('returns every field as recorded, a player-less event with a null user', async () => {
    const res = await sg.gql<{ purchaseEvents: { edges: { node: Record<string, unknown> }[] } }>(
      `{ purchaseEvents(first: 3) { edges { node {
          id type occurredAt receivedAt user { id } sku reportingId developerPayload subscriptionId test } } } }`,
      {},
      reader,
    );
    expect(res.errors, res.raw).toBeUndefined();
    const [e5, e4, e3] = res.data!.purchaseEvents.edges.map((e) => e.node);
    expect(e3).toEqual({
      id: recorded[3]!.id,
      type: 'PURCHASED',
      occurredAt: '2026-06-02T10:15:19.000Z',
      receivedAt: laterHalf,
      user: null,
      sku: 'e3',
      reportingId: recorded[3]!.reportingId,
      developerPayload: '{"order":"A-1"}',
      subscriptionId: null,
      test: true,
    });
    expect(e4).toMatchObject({ type: 'SUBSCRIPTION_STARTED', user: { id: ALICE }, test: false });
    expect(e5).toMatchObject({ type: 'UNKNOWN', user: { id: BOB } });
  });

  it('filters by player, by types and by receipt time, and pages within the filter', async () => {
    const alice = await page({ userId: ALICE });
    expect(alice.edges.map((e) => e.node.sku)).toEqual(['e4', 'e2', 'e0']);
    const aliceFirst = await page({ userId: ALICE, first: 2 });
    expect(aliceFirst.edges.map((e) => e.node.sku)).toEqual(['e4', 'e2']);
    expect(aliceFirst.pageInfo.hasNextPage).toBe(true);
    const aliceRest = await page({ userId: ALICE, first: 2, after: aliceFirst.pageInfo.endCursor });
    expect(aliceRest.edges.map((e) => e.node.sku)).toEqual(['e0']);
    expect(aliceRest.pageInfo.hasNextPage).toBe(false);

    const money = await page({ types: ['REFUNDED', 'UNKNOWN'] });
    expect(money.edges.map((e) => e.node.sku)).toEqual(['e5', 'e2']);
    expect((await page({ types: [] })).edges).toHaveLength(6);

    const recent = await page({ since: laterHalf });
    expect(recent.edges.map((e) => e.node.sku)).toEqual(['e5', 'e4', 'e3']);
    const bobRecentPurchases = await page({ userId: BOB, since: laterHalf, types: ['PURCHASED'] });
    expect(bobRecentPurchases.edges).toEqual([]);
    expect(bobRecentPurchases.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('refuses a page size out of range, a cursor that is not one and a malformed player id, with BAD_USER_INPUT', async () => {
    for (const [variables, argument] of [
      [{ first: 0 }, 'first'],
      [{ first: 101 }, 'first'],
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
      [{ userId: 'alice' }, 'userId'],
    ] as const) {
      const res = await sg.gql(PAGE, variables, reader);
      expect(res.data?.purchaseEvents, res.raw).toBeNull();
      expect(res.errors?.[0]?.extensions, res.raw).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });
});

describe('User.purchaseEvents', () => {
  it("pages through one player's events, also for players reached through an entity reference", async () => {
    const res = await sg.gql<{ user: { purchaseEvents: Page }; _entities: { purchaseEvents: Page }[] }>(
      `query($after: String) {
        user(id: "${ALICE}") { purchaseEvents(first: 2) { edges { cursor node { id type sku user { id } } } pageInfo { hasNextPage endCursor } } }
        _entities(representations: [{ __typename: "User", id: "${BOB}" }]) {
          ... on User { purchaseEvents(after: $after) { edges { cursor node { id type sku user { id } } } pageInfo { hasNextPage endCursor } } }
        }
      }`,
      { after: recorded[5]!.id },
      reader,
    );
    expect(res.errors, res.raw).toBeUndefined();
    const alice = res.data!.user.purchaseEvents;
    expect(alice.edges.map((e) => e.node.sku)).toEqual(['e4', 'e2']);
    expect(alice.pageInfo.hasNextPage).toBe(true);
    expect(alice.edges.every((e) => e.node.user?.id === ALICE)).toBe(true);
    const bob = res.data!._entities[0]!.purchaseEvents;
    expect(bob.edges.map((e) => e.node.sku)).toEqual(['e1']);
    expect(bob.pageInfo.hasNextPage).toBe(false);
  });
});

describe('access', () => {
  it('needs horizon:purchases:read on both fields: FORBIDDEN with another scope, UNAUTHENTICATED without a token', async () => {
    const other = { authorization: `Bearer ${await callerToken('horizon:achievements:write')}` };
    const query = `{ purchaseEvents { edges { cursor } } user(id: "${ALICE}") { purchaseEvents { edges { cursor } } } }`;
    const forbidden = await sg.gql(query, {}, other);
    expect(forbidden.data, forbidden.raw).toEqual({ purchaseEvents: null, user: { purchaseEvents: null } });
    expect(forbidden.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['purchaseEvents'], 'FORBIDDEN'],
      [['user', 'purchaseEvents'], 'FORBIDDEN'],
    ]);
    const anonymous = await sg.gql(query);
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(anonymous.raw).not.toContain('e5');
  });
});

describe('the upstream-cost guard', () => {
  it('counts the history as free, but what each event selects below it as many times as the page is long', async () => {
    const cheap = await sg.gql(
      `{ purchaseEvents(first: 100) { edges { node { sku user { id } } } } }`,
      {},
      reader,
    );
    expect(cheap.errors, cheap.raw).toBeUndefined();
    // 100 events, each asking three per-player reads of its player (profile, purchases, subscriptions).
    const costly = await sg.gql(
      `{ purchaseEvents(first: 100) { edges { node { user { alias entitlements { sku } subscriptions { sku } } } } } }`,
      {},
      reader,
    );
    expect(costly.errors?.[0]?.extensions?.code, costly.raw).toBe('QUERY_TOO_EXPENSIVE');
    expect(costly.errors?.[0]?.extensions?.estimatedUpstreamCalls).toBeGreaterThanOrEqual(300);
    // The same selection on a page of 10 fits (10 events × 3 reads).
    const fits = await sg.gql(
      `{ purchaseEvents(first: 10) { edges { node { user { alias entitlements { sku } subscriptions { sku } } } } } }`,
      {},
      reader,
    );
    expect(
      fits.errors?.filter((e) => e.extensions?.code === 'QUERY_TOO_EXPENSIVE'),
      fits.raw,
    ).toBeUndefined();
  });
});
