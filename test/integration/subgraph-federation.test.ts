import { describe, expect, it } from 'vitest';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { demoFixture, guessed, refusedProbes, sharedSubgraph } from '../helpers/harness.ts';

// The subgraph as a gateway sees it: `_service { sdl }` and `_entities` for every entity type,
// over real HTTP. Resolving a User reference costs nothing; the others come from the caches.

const fixture = demoFixture();
const NOVA = '1000000000000001';

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

type Representation = { __typename: string } & Record<string, unknown>;
type Entity = Record<string, unknown> | null;

async function entities(representations: Representation[], selection: string) {
  return sg.gql<{ _entities: Entity[] }>(
    `query($r: [_Any!]!) { _entities(representations: $r) { __typename ${selection} } }`,
    { r: representations },
  );
}

describe('_service', () => {
  it('publishes the Federation v2 SDL with @link and the @key of every entity', async () => {
    const res = await sg.gql<{ _service: { sdl: string } }>(`{ _service { sdl } }`);
    expect(res.errors).toBeUndefined();
    const sdl = res.data?._service.sdl ?? '';
    expect(sdl).toMatch(/@link\(\s*url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type AchievementDefinition\s+@key\(fields: "apiName"\)/);
    expect(sdl).toMatch(/type Product\s+@key\(fields: "sku"\)/);
    expect(sdl).toMatch(/type Leaderboard\s+@key\(fields: "apiName"\)/);
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('_entities for User', () => {
  it('resolves 100 User representations selecting only id with zero upstream calls, in order', async () => {
    // Shuffled, with repeats, and ids the fixture does not know: the key is all a User needs.
    const ids = Array.from({ length: 100 }, (_, i) => fixture.users[(i * 37) % 150]!.id!);
    ids[10] = ids[3]!;
    ids[99] = '1999999999999999';
    const res = await entities(
      ids.map((id) => ({ __typename: 'User', id })),
      '... on User { id }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities).toEqual(ids.map((id) => ({ __typename: 'User', id })));
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('batches fields of User references like any list of players', async () => {
    const players = fixture.users.slice(0, 20).map((u) => u.id!);
    const probes = {
      profile: refusedProbes(sg, READ_FIELDS.user),
      entries: refusedProbes(sg, READ_FIELDS.leaderboardEntries),
    };
    const res = await entities(
      players.map((id) => ({ __typename: 'User', id })),
      '... on User { id alias leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((e) => e?.alias)).toEqual(fixture.users.slice(0, 20).map((u) => u.alias));
    expect((await sg.emulator.counts()).byRoute).toEqual({
      'GET /{user_id}': 20 + probes.profile,
      'GET /leaderboard_entries': 1 + probes.entries,
    });
  });

  it('refuses a User representation whose id is not a Horizon id, with BAD_USER_INPUT and no upstream call', async () => {
    const res = await entities(
      [
        { __typename: 'User', id: NOVA },
        { __typename: 'User', id: 'me' },
      ],
      '... on User { id entitlements { sku } }',
    );
    expect(res.data?._entities[0]).toMatchObject({ id: NOVA });
    expect(res.data?._entities[1]).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['_entities', 1]);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'GET /{app_id}/viewer_purchases': 1 });
  });
});

describe('_entities for AchievementDefinition, Product and Leaderboard', () => {
  it('resolves AchievementDefinition references from the definitions cache; an unknown api name is null', async () => {
    const res = await entities(
      [
        { __typename: 'AchievementDefinition', apiName: 'LIFETIME_DISTANCE_METERS' },
        { __typename: 'AchievementDefinition', apiName: 'NO_SUCH_ACHIEVEMENT' },
        { __typename: 'AchievementDefinition', apiName: 'BETA_PIONEER' },
      ],
      '... on AchievementDefinition { apiName title type target isArchived }',
    );
    expect(res.errors).toBeUndefined();
    const def = (name: string) => fixture.achievement_definitions.find((d) => d.api_name === name)!;
    expect(res.data?._entities).toEqual([
      {
        __typename: 'AchievementDefinition',
        apiName: 'LIFETIME_DISTANCE_METERS',
        title: def('LIFETIME_DISTANCE_METERS').title,
        type: 'COUNT',
        target: '9007199254740993',
        isArchived: false,
      },
      null,
      {
        __typename: 'AchievementDefinition',
        apiName: 'BETA_PIONEER',
        title: def('BETA_PIONEER').title,
        type: 'SIMPLE',
        target: '0',
        isArchived: true,
      },
    ]);
    expect((await sg.emulator.counts()).byRoute['GET /{app_id}/achievement_definitions']).toBeLessThanOrEqual(
      1,
    );
  });

  it('resolves Product references from the catalog; an unknown sku is null', async () => {
    const res = await entities(
      [
        { __typename: 'Product', sku: 'rally_pass_annual' },
        { __typename: 'Product', sku: 'no_such_sku' },
        { __typename: 'Product', sku: 'coins_500' },
      ],
      '... on Product { sku name type price { amountInHundredths } }',
    );
    expect(res.errors).toBeUndefined();
    const product = (sku: string) => fixture.products.find((p) => p.sku === sku)!;
    expect(res.data?._entities).toEqual([
      {
        __typename: 'Product',
        sku: 'rally_pass_annual',
        name: product('rally_pass_annual').name,
        type: 'SUBSCRIPTION',
        price: { amountInHundredths: product('rally_pass_annual').price!.amount_in_hundredths },
      },
      null,
      {
        __typename: 'Product',
        sku: 'coins_500',
        name: product('coins_500').name,
        // A guess (strict mode refuses it); a subscription is known by its billing plans anyway.
        type: guessed(sg, 'CONSUMABLE'),
        price: { amountInHundredths: product('coins_500').price!.amount_in_hundredths },
      },
    ]);
  });

  it('resolves Leaderboard references with their entries; an unknown api name is null', async () => {
    const res = await entities(
      [
        { __typename: 'Leaderboard', apiName: 'NO_SUCH_BOARD' },
        { __typename: 'Leaderboard', apiName: 'GLOBAL_HIGH_SCORE' },
      ],
      '... on Leaderboard { apiName sortOrder entries(first: 2) { edges { node { rank score user { id } } } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities).toEqual([
      null,
      {
        __typename: 'Leaderboard',
        apiName: 'GLOBAL_HIGH_SCORE',
        sortOrder: 'HIGHER_IS_BETTER',
        entries: {
          edges: [
            { node: { rank: 1, score: '9007199254740995', user: { id: '1000000000000002' } } },
            { node: { rank: 2, score: expect.any(String), user: { id: NOVA } } },
          ],
        },
      },
    ]);
  });

  it('keeps the order of mixed representations of every entity type', async () => {
    const representations: Representation[] = [
      { __typename: 'Product', sku: 'coins_500' },
      { __typename: 'User', id: NOVA },
      { __typename: 'Leaderboard', apiName: 'DRIFT_MASTERS' },
      { __typename: 'AchievementDefinition', apiName: 'FIRST_LAP' },
      { __typename: 'User', id: '1000000000000002' },
    ];
    const res = await entities(
      representations,
      `... on Product { sku } ... on User { id } ... on Leaderboard { apiName } ... on AchievementDefinition { apiName }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities).toEqual(representations);
  });
});
