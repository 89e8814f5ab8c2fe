import { describe, expect, it } from 'vitest';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import {
  demoFixture,
  expectUnnamedProgress,
  progressNamed,
  refusedProbes,
  sharedSubgraph,
  subgraph,
  type GqlResponse,
} from '../helpers/harness.ts';

// Achievement definitions, players' progress and every achievement mutation, over real HTTP
// against the emulator serving the demo fixture. Expected values come from the fixture.
// In strict mode upstream does not name progress rows (it refuses `definition{…}`, a guess), so
// every read of a player's progress fails with a reason there; writes still apply.

const fixture = demoFixture();
const NOVA = '1000000000000001'; // every achievement unlocked except LIFETIME_DISTANCE_METERS
const LENA = '1000000000000003'; // LIFETIME_DISTANCE_METERS 3 short of its target above 2^53
const ROOKIE = '1000000000000004'; // no achievements at all
const SUPPORT = '1000000000000009'; // WIN_10_RACES force-unlocked at a count of 4
const RELIC = '1000000000000012'; // RELIC_HUNTER 11110111, one bit short
const UNKNOWN = '1999999999999999';

const definitions = new Map(fixture.achievement_definitions.map((d) => [d.api_name, d]));
const definition = (apiName: string) => {
  const d = definitions.get(apiName);
  if (!d) throw new Error(`no definition ${apiName} in the demo fixture`);
  return d;
};
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

interface Progress {
  apiName: string;
  isUnlocked: boolean;
  unlockedAt: string | null;
  count: string | null;
  bitfield: string | null;
  progress: number | null;
}

/** What `User.achievements` must say for a player, computed from the fixture (archived ones are hidden). */
function expectedProgress(userId: string): Progress[] {
  return fixture.achievement_progress
    .filter((p) => p.user_id === userId && !definition(p.api_name).is_archived)
    .map((p) => {
      const d = definition(p.api_name);
      const target = Number(d.target ?? 0);
      const bits = (p.bitfield_progress ?? '').padEnd(d.bitfield_length ?? 0, '0');
      const ones = [...bits].filter((b) => b === '1').length;
      const ratio =
        d.achievement_type === 'SIMPLE'
          ? 0
          : d.achievement_type === 'COUNT'
            ? Math.min(1, Number(p.count_progress ?? 0) / target)
            : Math.min(1, ones / target);
      return {
        apiName: p.api_name,
        isUnlocked: p.is_unlocked ?? false,
        unlockedAt: p.is_unlocked ? iso(p.unlock_time ?? 0) : null,
        count: d.achievement_type === 'COUNT' ? String(p.count_progress ?? 0) : null,
        bitfield: d.achievement_type === 'BITFIELD' ? bits : null,
        progress: p.is_unlocked ? 1 : ratio,
      };
    })
    .sort((a, b) => a.apiName.localeCompare(b.apiName));
}

const PROGRESS = 'apiName isUnlocked unlockedAt count bitfield progress';
const byName = (rows: Progress[]) => [...rows].sort((a, b) => a.apiName.localeCompare(b.apiName));

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

/**
 * Whether `res` holds the progress at `path` (lenient mode, no error), or else, in strict mode,
 * the one error unnamed progress gives there.
 */
function progressServed(res: Pick<GqlResponse, 'errors' | 'raw'>, path: (string | number)[]): boolean {
  if (progressNamed(sg)) {
    expect(res.errors, res.raw).toBeUndefined();
    return true;
  }
  expectUnnamedProgress(res, [path]);
  return false;
}

/** Reads the definitions once so the cache is warm, then zeroes the emulator's counters. */
async function warmDefinitions(): Promise<void> {
  const res = await sg.gql(`{ achievementDefinitions(includeArchived: true) { apiName } }`);
  expect(res.errors).toBeUndefined();
  await sg.emulator.checkpoint();
}

describe('Query.achievementDefinitions', () => {
  interface Definition {
    apiName: string;
    type: string;
    writePolicy: string;
    target: string;
    bitfieldLength: number;
    title: string;
    description: string;
    unlockedDescriptionOverride: string | null;
    isArchived: boolean;
    isSecret: boolean;
    lockedImageUri: string | null;
    unlockedImageUri: string | null;
  }
  const ALL_FIELDS = `apiName type writePolicy target bitfieldLength title description
    unlockedDescriptionOverride isArchived isSecret lockedImageUri unlockedImageUri`;

  it('lists every definition with all its fields as the fixture defines them, archived ones on request', async () => {
    const res = await sg.gql<{ achievementDefinitions: Definition[] }>(
      `{ achievementDefinitions(includeArchived: true) { ${ALL_FIELDS} } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = fixture.achievement_definitions.map((d) => ({
      apiName: d.api_name,
      type: d.achievement_type,
      writePolicy: d.achievement_write_policy,
      target: String(d.target ?? 0),
      bitfieldLength: d.bitfield_length ?? 0,
      title: d.title,
      description: d.description,
      unlockedDescriptionOverride: d.unlocked_description_override ?? null,
      isArchived: d.is_archived ?? false,
      isSecret: d.is_secret ?? false,
      lockedImageUri: d.locked_image_uri ?? null,
      unlockedImageUri: d.unlocked_image_uri ?? null,
    }));
    expect(res.data?.achievementDefinitions).toEqual(expected);
  });

  it('keeps a target above 2^53 exact, as a decimal string', async () => {
    const res = await sg.gql<{ achievementDefinitions: { target: string }[] }>(
      `{ achievementDefinitions(apiNames: ["LIFETIME_DISTANCE_METERS"]) { target } }`,
    );
    expect(res.data?.achievementDefinitions).toEqual([{ target: '9007199254740993' }]);
  });

  it('leaves archived definitions out by default', async () => {
    const res = await sg.gql<{ achievementDefinitions: { apiName: string }[] }>(
      `{ achievementDefinitions { apiName } }`,
    );
    const active = fixture.achievement_definitions.filter((d) => !d.is_archived).map((d) => d.api_name);
    expect(active.length).toBeLessThan(fixture.achievement_definitions.length);
    expect(res.data?.achievementDefinitions.map((d) => d.apiName)).toEqual(active);
  });

  it('filters by api names, exact and case-sensitive', async () => {
    const res = await sg.gql<{ achievementDefinitions: { apiName: string }[] }>(
      `{ achievementDefinitions(apiNames: ["WORLD_TOUR", "first_lap", "BETA_PIONEER", "FIRST_LAP"]) { apiName } }`,
    );
    expect(res.data?.achievementDefinitions.map((d) => d.apiName).sort()).toEqual([
      'FIRST_LAP',
      'WORLD_TOUR',
    ]);
  });

  it('refuses a malformed api name with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`{ achievementDefinitions(apiNames: ["FIRST_LAP", "no spaces!"]) { apiName } }`);
    expect(res.data?.achievementDefinitions).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'apiNames[1]' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('User.achievements', () => {
  it.each([
    ['the showcase player', NOVA],
    ['a player one count short of a target above 2^53', LENA],
    ['a player force-unlocked below a COUNT target', SUPPORT],
    ['a player one bit short on two BITFIELD achievements', RELIC],
  ])('returns the progress of %s exactly as the fixture holds it', async (_who, userId) => {
    const res = await sg.gql<{ user: { achievements: Progress[] } }>(
      `{ user(id: "${userId}") { achievements { ${PROGRESS} } } }`,
    );
    const expected = expectedProgress(userId);
    expect(expected.length).toBeGreaterThan(0);
    if (!progressServed(res, ['user', 'achievements'])) return expect(res.data?.user.achievements).toBeNull();
    expect(byName(res.data?.user.achievements ?? [])).toEqual(expected);
  });

  it('computes progress from counts and bits: 7 of 8 bits is 0.875, a force unlock is 1', async () => {
    const res = await sg.gql<{ a: { achievements: Progress[] }; b: { achievements: Progress[] } }>(
      `{ a: user(id: "${RELIC}") { achievements(apiNames: ["RELIC_HUNTER", "WORLD_TOUR"]) { apiName progress } }
         b: user(id: "${SUPPORT}") { achievements(apiNames: ["WIN_10_RACES"]) { apiName count progress } } }`,
    );
    if (!progressNamed(sg)) {
      expectUnnamedProgress(res, [
        ['a', 'achievements'],
        ['b', 'achievements'],
      ]);
      return expect(res.data).toEqual({ a: { achievements: null }, b: { achievements: null } });
    }
    expect(res.errors, res.raw).toBeUndefined();
    expect(byName(res.data?.a.achievements ?? [])).toEqual([
      { apiName: 'RELIC_HUNTER', progress: 0.875 },
      { apiName: 'WORLD_TOUR', progress: 0.9 },
    ]);
    expect(res.data?.b.achievements).toEqual([{ apiName: 'WIN_10_RACES', count: '4', progress: 1 }]);
  });

  it('returns only the achievements named by apiNames', async () => {
    const res = await sg.gql<{ user: { achievements: { apiName: string }[] } }>(
      `{ user(id: "${NOVA}") { achievements(apiNames: ["FIRST_LAP", "WORLD_TOUR", "BETA_PIONEER"]) { apiName } } }`,
    );
    if (!progressServed(res, ['user', 'achievements'])) return expect(res.data?.user.achievements).toBeNull();
    expect(res.data?.user.achievements.map((a) => a.apiName).sort()).toEqual(['FIRST_LAP', 'WORLD_TOUR']);
  });

  it('returns an empty list for a player who has touched no achievement', async () => {
    const res = await sg.gql<{ user: { achievements: Progress[] } }>(
      `{ user(id: "${ROOKIE}") { achievements { apiName } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.user.achievements).toEqual([]);
  });

  it('joins each progress row to its definition from the cache', async () => {
    const res = await sg.gql<{
      user: {
        achievements: { apiName: string; definition: { apiName: string; title: string; type: string } }[];
      };
    }>(`{ user(id: "${NOVA}") { achievements { apiName definition { apiName title type } } } }`);
    if (!progressServed(res, ['user', 'achievements'])) return expect(res.data?.user.achievements).toBeNull();
    const rows = res.data?.user.achievements ?? [];
    expect(rows.length).toBe(expectedProgress(NOVA).length);
    for (const row of rows) {
      expect(row.definition).toEqual({
        apiName: row.apiName,
        title: definition(row.apiName).title,
        type: definition(row.apiName).achievement_type,
      });
    }
  });

  it('reports an unknown player as NOT_FOUND on the achievements field only', async () => {
    const res = await sg.gql<{ user: { id: string; achievements: Progress[] | null } }>(
      `{ user(id: "${UNKNOWN}") { id achievements { apiName } } }`,
    );
    expect(res.data?.user).toEqual({ id: UNKNOWN, achievements: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['user', 'achievements']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstream: { status: 400, code: 100, subcode: 33, endpoint: 'GET /{user_id}/achievements' },
    });
  });

  it('refuses a malformed apiNames entry with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`{ user(id: "${NOVA}") { achievements(apiNames: ["a b"]) { apiName } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

interface Update {
  apiName: string;
  justUnlocked: boolean;
  progress: Progress | null;
}
const UPDATE = `apiName justUnlocked progress { ${PROGRESS} }`;

describe('Mutation.unlockAchievement', () => {
  it('unlocks once: justUnlocked is true the first time and false after, progress reads back unlocked', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const unlock = `mutation { unlockAchievement(userId: "${ROOKIE}", apiName: "CLEAN_RACER") { ${UPDATE} } }`;
    const first = await sg.gql<{ unlockAchievement: Update }>(unlock);
    expect(first.data?.unlockAchievement).toMatchObject({ apiName: 'CLEAN_RACER', justUnlocked: true });
    if (progressServed(first, ['unlockAchievement', 'progress'])) {
      expect(first.data?.unlockAchievement.progress).toEqual({
        apiName: 'CLEAN_RACER',
        isUnlocked: true,
        unlockedAt: expect.any(String),
        count: null,
        bitfield: null,
        progress: 1,
      });
      expect(Date.parse(first.data?.unlockAchievement.progress?.unlockedAt ?? '')).toBeGreaterThan(
        Date.now() - 60_000,
      );
    } else expect(first.data?.unlockAchievement.progress).toBeNull();
    const second = await sg.gql<{ unlockAchievement: Update }>(unlock);
    expect(second.data?.unlockAchievement.justUnlocked).toBe(false);
  });

  it('costs one write and one progress read once the definitions are cached', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    await warmDefinitions();
    const probes = refusedProbes(sg, READ_FIELDS.userAchievements);
    await sg.gql(`mutation { unlockAchievement(userId: "${ROOKIE}", apiName: "FIRST_LAP") { ${UPDATE} } }`);
    expect((await sg.emulator.counts()).byRoute).toEqual({
      'POST /{user_id}/achievements': 1,
      'GET /{user_id}/achievements': 1 + probes,
    });
  });

  it('answers NOT_FOUND for an achievement the app does not define, without writing', async () => {
    const res = await sg.gql(
      `mutation { unlockAchievement(userId: "${NOVA}", apiName: "NO_SUCH_THING") { apiName } }`,
    );
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.path).toEqual(['unlockAchievement']);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBeUndefined();
  });

  it.each([
    ['a malformed user id', 'x1', 'FIRST_LAP'],
    ['a malformed api name', NOVA, 'FIRST LAP'],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, userId, apiName) => {
    const res = await sg.gql(
      `mutation($u: ID!, $a: String!) { unlockAchievement(userId: $u, apiName: $a) { apiName } }`,
      {
        u: userId,
        a: apiName,
      },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.addAchievementCount', () => {
  const add = `mutation($u: ID!, $a: String!, $c: Int64!) { addAchievementCount(userId: $u, apiName: $a, count: $c) { ${UPDATE} } }`;

  it('adds 3 to a count of 9007199254740990 exactly, unlocking the target 9007199254740993', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ addAchievementCount: Update }>(add, {
      u: LENA,
      a: 'LIFETIME_DISTANCE_METERS',
      c: '3',
    });
    expect(res.data?.addAchievementCount.justUnlocked).toBe(true);
    if (!progressServed(res, ['addAchievementCount', 'progress']))
      return expect(res.data?.addAchievementCount.progress).toBeNull();
    expect(res.data?.addAchievementCount.progress).toMatchObject({
      isUnlocked: true,
      count: '9007199254740993',
      progress: 1,
    });
  });

  it('adds below the target without unlocking, and progress shows the new ratio', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const before = fixture.achievement_progress.find(
      (p) => p.user_id === LENA && p.api_name === 'WIN_10_RACES',
    );
    expect(before?.is_unlocked).toBe(false);
    const res = await sg.gql<{ addAchievementCount: Update }>(add, { u: LENA, a: 'WIN_10_RACES', c: 1 });
    const count = Number(before?.count_progress) + 1;
    expect(count).toBeLessThan(10);
    expect(res.data?.addAchievementCount.justUnlocked).toBe(false);
    if (!progressServed(res, ['addAchievementCount', 'progress']))
      return expect(res.data?.addAchievementCount.progress).toBeNull();
    expect(res.data?.addAchievementCount.progress).toMatchObject({
      isUnlocked: false,
      count: String(count),
      progress: count / 10,
    });
  });

  it.each([
    ['zero', '0'],
    ['a negative count', '-5'],
    ['a count above int64', '9223372036854775808'],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, count) => {
    const res = await sg.gql(add, { u: LENA, a: 'WIN_10_RACES', c: count });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('refuses a count on a non-COUNT achievement with BAD_USER_INPUT, without writing', async () => {
    await warmDefinitions();
    const res = await sg.gql(add, { u: LENA, a: 'FIRST_LAP', c: '1' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'apiName' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.addAchievementBits', () => {
  const add = `mutation($u: ID!, $a: String!, $b: String!) { addAchievementBits(userId: $u, apiName: $a, bits: $b) { ${UPDATE} } }`;

  it('OR-merges the missing bit and unlocks RELIC_HUNTER', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ addAchievementBits: Update }>(add, {
      u: RELIC,
      a: 'RELIC_HUNTER',
      b: '00001000',
    });
    expect(res.data?.addAchievementBits.justUnlocked).toBe(true);
    if (!progressServed(res, ['addAchievementBits', 'progress']))
      return expect(res.data?.addAchievementBits.progress).toBeNull();
    expect(res.data?.addAchievementBits.progress).toMatchObject({
      isUnlocked: true,
      bitfield: '11111111',
      progress: 1,
    });
  });

  it('never clears bits: zeros leave set bits set', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ addAchievementBits: Update }>(add, {
      u: RELIC,
      a: 'WORLD_TOUR',
      b: '100000000000',
    });
    expect(res.data?.addAchievementBits.justUnlocked).toBe(false);
    if (!progressServed(res, ['addAchievementBits', 'progress']))
      return expect(res.data?.addAchievementBits.progress).toBeNull();
    expect(res.data?.addAchievementBits.progress).toMatchObject({
      bitfield: '111111011100',
      isUnlocked: false,
    });
  });

  it.each([
    ['characters other than 0 and 1', '0012'],
    ['more bits than the achievement has', '000000001'],
    ['an empty string', ''],
    ['no bit set (nothing to write)', '00000000'],
  ])('refuses bits with %s with BAD_USER_INPUT and no upstream call', async (_what, bits) => {
    await warmDefinitions();
    const res = await sg.gql(add, { u: RELIC, a: 'RELIC_HUNTER', b: bits });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'bits' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('refuses bits that are not 0/1 before any upstream call, even with a cold definitions cache', async () => {
    const cold = await subgraph({ upstream: sg.emulator });
    try {
      const res = await cold.gql(add, { u: RELIC, a: 'RELIC_HUNTER', b: '01x' });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'bits' });
      expect((await sg.emulator.counts()).total).toBe(0);
    } finally {
      await cold.close();
    }
  });

  it('refuses bits on a non-BITFIELD achievement with BAD_USER_INPUT, without writing', async () => {
    await warmDefinitions();
    const res = await sg.gql(add, { u: RELIC, a: 'WIN_10_RACES', b: '1' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('Mutation.resetAchievements', () => {
  it('removes all of a player’s progress', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const res = await sg.gql<{ resetAchievements: { success: boolean } }>(
      `mutation { resetAchievements(userId: "${NOVA}") { success } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.resetAchievements).toEqual({ success: true });
    const after = await sg.gql<{ user: { achievements: Progress[] } }>(
      `{ user(id: "${NOVA}") { achievements { apiName } } }`,
    );
    expect(after.data?.user.achievements).toEqual([]);
  });

  it('refuses a malformed user id with BAD_USER_INPUT and no upstream call', async () => {
    const res = await sg.gql(`mutation { resetAchievements(userId: "me") { success } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('answers NOT_FOUND for an unknown user, found by the progress read, without removing anything', async () => {
    const res = await sg.gql(`mutation { resetAchievements(userId: "${UNKNOWN}") { success } }`);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstream: { status: 400, code: 100, subcode: 33, endpoint: 'GET /{user_id}/achievements' },
    });
    expect((await sg.emulator.counts()).byRoute['POST /achievement_remove_all']).toBeUndefined();
  });
});

describe('Mutation.upsertAchievementDefinition', () => {
  const upsert = `mutation($i: AchievementDefinitionInput!) { upsertAchievementDefinition(input: $i) {
    apiName type writePolicy target bitfieldLength title description isArchived isSecret } }`;

  it('creates a definition that the very next definitions read shows (the cache is refreshed)', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    await sg.gql(`{ achievementDefinitions { apiName } }`); // cache the old list
    const res = await sg.gql<{ upsertAchievementDefinition: Record<string, unknown> }>(upsert, {
      i: {
        apiName: 'NIGHT_RIDER',
        type: 'BITFIELD',
        writePolicy: 'SERVER_AUTHORITATIVE',
        target: '3',
        bitfieldLength: 6,
        title: 'Night Rider',
        description: 'Race at night on 3 tracks.',
        isSecret: true,
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.upsertAchievementDefinition).toEqual({
      apiName: 'NIGHT_RIDER',
      type: 'BITFIELD',
      writePolicy: 'SERVER_AUTHORITATIVE',
      target: '3',
      bitfieldLength: 6,
      title: 'Night Rider',
      description: 'Race at night on 3 tracks.',
      isArchived: false,
      isSecret: true,
    });
    const list = await sg.gql<{ achievementDefinitions: { apiName: string }[] }>(
      `{ achievementDefinitions(apiNames: ["NIGHT_RIDER"]) { apiName } }`,
    );
    expect(list.data?.achievementDefinitions).toEqual([{ apiName: 'NIGHT_RIDER' }]);
  });

  it('updates an existing definition in place, visible at once', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    await sg.gql(`{ achievementDefinitions { apiName title } }`);
    const res = await sg.gql<{ upsertAchievementDefinition: { title: string; isArchived: boolean } }>(
      upsert,
      {
        i: {
          apiName: 'PHOTO_FINISH',
          type: 'SIMPLE',
          writePolicy: 'CLIENT_AUTHORITATIVE',
          title: 'Photo Finish (retired)',
          description: 'No longer obtainable.',
          isArchived: true,
        },
      },
    );
    expect(res.data?.upsertAchievementDefinition).toMatchObject({
      title: 'Photo Finish (retired)',
      isArchived: true,
    });
    const list = await sg.gql<{ achievementDefinitions: { apiName: string }[] }>(
      `{ achievementDefinitions { apiName } }`,
    );
    expect(list.data?.achievementDefinitions.map((d) => d.apiName)).not.toContain('PHOTO_FINISH');
  });

  it.each([
    ['a COUNT without target', { type: 'COUNT' }],
    ['a BITFIELD without bitfieldLength', { type: 'BITFIELD', target: '2' }],
    ['a malformed api name', { apiName: 'has space' }],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, change) => {
    const res = await sg.gql(upsert, {
      i: {
        apiName: 'X_NEW',
        type: 'SIMPLE',
        writePolicy: 'SERVER_AUTHORITATIVE',
        title: 't',
        description: 'd',
        ...change,
      },
    });
    expect(res.data?.upsertAchievementDefinition).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('returns null with BAD_REQUEST when upstream refuses the change (type of an existing achievement)', async () => {
    const res = await sg.gql(upsert, {
      i: {
        apiName: 'FIRST_LAP',
        type: 'COUNT',
        target: '5',
        writePolicy: 'CLIENT_AUTHORITATIVE',
        title: 'Lights Out',
        description: 'x',
      },
    });
    expect(res.data?.upsertAchievementDefinition).toBeNull();
    expect(res.errors?.[0]?.path).toEqual(['upsertAchievementDefinition']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      retryable: false,
      upstream: { status: 400, code: 100, endpoint: 'POST /{app_id}/achievement_definitions' },
    });
  });
});
