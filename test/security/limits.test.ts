import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Query limits: refused operations cost zero upstream calls and say which limit they hit.

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(1000000000000001n + BigInt(i % 1200)));

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

async function refused(query: string, variables: Record<string, unknown>, pattern: RegExp) {
  const res = await sg.gql(query, variables);
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.message, res.raw).toMatch(pattern);
  expect((await sg.emulator.counts()).total).toBe(0);
  return res;
}

describe('upstream-call estimate', () => {
  it('refuses 500 players asking achievements before any call, naming the limit', async () => {
    // Once the route's optional fields are known to be served, the estimate is exactly one call per player.
    await sg.gql('{ user(id: "1000000000000001") { achievements { apiName } } }');
    await sg.emulator.checkpoint();
    const res = await refused(
      'query($ids: [ID!]!) { users(ids: $ids) { achievements { apiName } } }',
      { ids: ids(500) },
      /MAX_UPSTREAM_COST/,
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_EXPENSIVE',
      estimatedUpstreamCalls: 500,
      limit: 250,
    });
  });

  it('admits 100 players asking achievements and a leaderboard entry', async () => {
    const res = await sg.gql(
      'query($ids: [ID!]!) { users(ids: $ids) { achievements { apiName } leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }',
      { ids: ids(100) },
    );
    expect(res.errors).toBeUndefined();
    expect((await sg.emulator.counts()).total).toBe(101);
  });

  it('counts _entities representations', async () => {
    const representations = ids(300).map((id) => ({ __typename: 'User', id }));
    await refused(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { subscriptions { sku } } } }',
      { r: representations },
      /about 300 upstream calls/,
    );
  });

  it('counts players reached through leaderboard pages', async () => {
    await refused(
      '{ leaderboards { entries(first: 100) { edges { node { user { achievements { apiName } } } } } } }',
      {},
      /upstream calls/,
    );
  });
});

describe('graphql-armor limits', () => {
  it('refuses a query deeper than the limit', async () => {
    const deep =
      '{ leaderboard(apiName: "X") { entries { edges { node { leaderboard { entries { edges { node { leaderboard { entries { edges { node { user { achievements { definition { apiName } } } } } } } } } } } } } } } }';
    await refused(deep, {}, /depth/i);
  });

  it('admits the deepest legitimate shape: entries → user → achievements → definition', async () => {
    const res = await sg.gql(
      '{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(first: 2) { edges { node { user { achievements { definition { apiName } } leaderboardEntries { leaderboard { apiName } } } } } } } }',
    );
    expect(res.errors, res.raw).toBeUndefined();
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: leaderboards { apiName }`).join(' ');
    await refused(`{ ${aliases} }`, {}, /alias/i);
  });

  it('refuses a document with too many tokens', async () => {
    const fields = Array.from({ length: 3200 }, () => 'apiName').join(' ');
    await refused(`{ leaderboards { ${fields} } }`, {}, /token/i);
  });

  it('refuses too many directives', async () => {
    const directives = Array.from({ length: 40 }, () => '@include(if: true)').join(' ');
    await refused(`{ leaderboards { apiName ${directives} } }`, {}, /directive/i);
  });

  it('answers a malformed document with a 400 parse error', async () => {
    const res = await sg.gql('{ leaderboards { apiName ');
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('does not suggest field names to a prober', async () => {
    const res = await sg.gql('{ leaderboardz { apiName } }');
    expect(res.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });
});
