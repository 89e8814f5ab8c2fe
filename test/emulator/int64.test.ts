import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../src/emulator/index.ts';
import { parseJson, stringifyJson } from '../../src/emulator/json.ts';
import { ADA, APP_ID, APP_TOKEN, smallFixture, testEmulator, type TestEmulator } from './helpers.ts';

const ABOVE_2_53 = '9007199254740993'; // 2^53 + 1: a double would read it as ...992
const INT64_MAX = '9223372036854775807';

function bigFixture(): Fixture {
  const fixture = smallFixture();
  fixture.achievement_definitions?.push({
    api_name: 'FAR',
    achievement_type: 'COUNT',
    achievement_write_policy: 'SERVER_AUTHORITATIVE',
    target: ABOVE_2_53,
  });
  return fixture;
}

describe.each([
  { mode: 'strings (default)', int64AsString: true, quote: '"' },
  { mode: 'numbers', int64AsString: false, quote: '' },
])('int64 values as $mode', ({ int64AsString, quote }) => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await testEmulator({ fixture: bigFixture(), int64AsString });
  });
  afterAll(() => emu.close());

  it('round-trips a score above 2^53 exactly, also with supplementary_metric', async () => {
    await emu.call('POST', '/leaderboard_submit_entry', {
      form: { api_name: 'HIGH', user_id: ADA.id, score: ABOVE_2_53, supplementary_metric: INT64_MAX },
    });
    const response = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'HIGH', limit: '1', fields: 'score,supplementary_metric{metric}' },
    });
    expect(response.text).toContain(`"score":${quote}${ABOVE_2_53}${quote}`);
    expect(response.text).toContain(`"metric":${quote}${INT64_MAX}${quote}`);
  });

  it('writes target, count_progress and entry_count in the chosen form, other numbers as numbers', async () => {
    await emu.call('POST', `/${ADA.id}/achievements`, {
      form: { api_name: 'FAR', add_count: '9007199254740992' },
    });
    const progress = await emu.call('GET', `/${ADA.id}/achievements`, {
      query: { api_names: '["FAR"]', fields: 'count_progress,target,definition{bitfield_length}' },
    });
    expect(progress.text).toContain(`"count_progress":${quote}9007199254740992${quote}`);
    expect(progress.text).toContain(`"target":${quote}${ABOVE_2_53}${quote}`);
    expect(progress.text).toContain('"bitfield_length":0');
    const leaderboards = await emu.call('GET', `/${APP_ID}/leaderboards`, {
      query: { api_name: 'FAST', fields: 'entry_count' },
    });
    expect(leaderboards.text).toContain(`"entry_count":${quote}1${quote}`);
  });

  it('reads an int64 above 2^53 from a JSON request body exactly', async () => {
    // Written by hand: JSON.stringify of a JS number would already have lost the last digit.
    const response = await fetch(`${emu.url}/leaderboard_submit_entry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"access_token":"${APP_TOKEN}","api_name":"FAST","user_id":"${ADA.id}","score":-${ABOVE_2_53}}`,
    });
    expect(await response.json()).toEqual({ success: true, did_update: true });
    const entries = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'FAST', fields: 'score' },
    });
    expect(entries.text).toContain(`"score":${quote}-${ABOVE_2_53}${quote}`);
  });
});

describe('the exact JSON reader and writer', () => {
  it('keep integers beyond 2^53 as bigint and write them back unchanged', () => {
    const text = `{"a":${ABOVE_2_53},"b":[1,2.5,-${INT64_MAX}],"c":"x","d":null,"e":true}`;
    const parsed = parseJson(text) as { a: bigint };
    expect(parsed.a).toBe(BigInt(ABOVE_2_53));
    expect(stringifyJson(parsed, { int64AsString: false })).toBe(text);
  });

  it('read duplicate keys and __proto__ like JSON.parse, and write holes and undefined like JSON.stringify', () => {
    expect(parseJson('{"a":1,"a":{"b":2}}')).toEqual({ a: { b: 2 } });
    const parsed = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    const holey: unknown[] = [];
    holey[1] = undefined;
    holey[3] = 1n;
    expect(stringifyJson({ list: holey, gone: undefined }, { int64AsString: true })).toBe(
      '{"list":[null,null,null,"1"]}',
    );
  });

  it('reject malformed JSON with the offset of the problem', () => {
    expect(() => parseJson('{"a":1,}')).toThrow(/offset 7/);
    expect(() => parseJson('[1 2]')).toThrow(SyntaxError);
  });
});
