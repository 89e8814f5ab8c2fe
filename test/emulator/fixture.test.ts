import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_FIXTURE_PATH, loadFixture, startEmulator, type Fixture } from '../../src/emulator/index.ts';
import { smallFixture } from './helpers.ts';

const EXACT = new URL('./fixtures/exact-int64.json', import.meta.url).pathname;

/** The error message `startEmulator` rejects a changed small fixture with. */
async function problemWith(change: (fixture: Fixture) => void): Promise<string> {
  const fixture = smallFixture();
  change(fixture);
  const error = await startEmulator({ fixture }).then(
    async (emulator) => {
      await emulator.close();
      throw new Error('expected the fixture to be rejected');
    },
    (rejection: Error) => rejection,
  );
  return error.message;
}

describe('fixture validation', () => {
  it('names the path of a malformed value', async () => {
    expect(await problemWith((f) => (f.users[3]!.id = 'dee'))).toContain(
      'users[3].id: must be a numeric string',
    );
    expect(
      await problemWith((f) => (f.leaderboards![1]!.sort_order = 'SIDEWAYS' as 'HIGHER_IS_BETTER')),
    ).toContain('leaderboards[1].sort_order');
  });

  it('names the path of a broken reference', async () => {
    expect(await problemWith((f) => (f.purchases![2]!.sku = 'ghost'))).toContain(
      'purchases[2].sku: unknown product sku ghost',
    );
    expect(await problemWith((f) => (f.leaderboard_entries![0]!.api_name = 'GONE'))).toContain(
      'leaderboard_entries[0].api_name: unknown leaderboard api_name GONE',
    );
    expect(await problemWith((f) => f.users[0]!.friends!.push('999'))).toContain(
      'users[0].friends[1]: unknown user id 999',
    );
    expect(await problemWith((f) => (f.nonces![0]!.user_id = '999'))).toContain('nonces[0].user_id');
  });

  it('refuses duplicate ids and a second entry for the same user', async () => {
    expect(await problemWith((f) => (f.purchases![1]!.id = '301'))).toContain(
      'purchases[1].id: duplicates the id of purchases[0].id',
    );
    expect(
      await problemWith((f) => f.leaderboard_entries!.push({ api_name: 'HIGH', user_id: '201', score: 1 })),
    ).toContain('leaderboard_entries[4].user_id');
  });

  it('asks for a string when an int64 JSON number has lost precision', async () => {
    expect(await problemWith((f) => (f.leaderboard_entries![0]!.score = 2 ** 60))).toContain(
      'leaderboard_entries[0].score: is above 2^53 as a JSON number; write it as a decimal string',
    );
  });

  it('requires target on COUNT achievements', async () => {
    expect(await problemWith((f) => delete f.achievement_definitions![1]!.target)).toContain(
      'achievement_definitions[1].target: is required for COUNT achievements',
    );
  });
});

describe('loadFixture', () => {
  it('reads big JSON numbers exactly and fills in absent lists', () => {
    const fixture = loadFixture(EXACT);
    expect(fixture.achievement_definitions[0]!.target).toBe(9007199254740993n);
    expect(fixture.leaderboard_entries[0]!.score).toBe(9223372036854775807n);
    expect(fixture.purchases).toEqual([]);
  });

  it('names the file and the offset of a JSON syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-fixture-'));
    const path = join(dir, 'broken.json');
    try {
      writeFileSync(path, '{"app": {"id": "1", "secret": "s"}, "users": [,]}');
      expect(() => loadFixture(path)).toThrow(`Invalid fixture ${path}: Invalid JSON at offset 46`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('serves a fixture file given by path, with generated numeric ids', async () => {
    const emulator = await startEmulator({ fixture: EXACT });
    try {
      expect(emulator.app).toEqual({ id: '77', secret: 'file-secret' });
      const response = await fetch(`${emulator.url}/leaderboard_entries?api_name=TOP&fields=score`, {
        headers: { authorization: 'Bearer OC|77|file-secret' },
      });
      expect(await response.text()).toMatch(/^\{"data":\[\{"id":"\d{16}","score":"9223372036854775807"\}\]/);
    } finally {
      await emulator.close();
    }
  });

  it('accepts the demo fixture', () => {
    const demo = loadFixture(DEMO_FIXTURE_PATH);
    expect(demo.users.length).toBeGreaterThan(0);
    expect(demo.app.id).toMatch(/^\d+$/);
  });
});
