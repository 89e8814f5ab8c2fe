import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, APP_ID, BOB, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const write = (userId: string, form: Record<string, string>, bearer?: string) =>
  emu.call('POST', `/${userId}/achievements`, { form, bearer });

const progressOf = async (userId: string, apiName: string) => {
  const response = await emu.call('GET', `/${userId}/achievements`, {
    query: {
      api_names: JSON.stringify([apiName]),
      fields: 'count_progress,bitfield_progress,is_unlocked,unlock_time,definition{api_name,target}',
    },
  });
  return response.body.data[0];
};

describe('achievement progress writes', () => {
  it('adds counts rather than setting them', async () => {
    await write(ADA.id, { api_name: 'MILES', add_count: '25' });
    await write(ADA.id, { api_name: 'MILES', add_count: '5' });
    expect((await progressOf(ADA.id, 'MILES')).count_progress).toBe('40');
  });

  it('clamps a count at the int64 maximum', async () => {
    await write(ADA.id, { api_name: 'HUGE', add_count: '9223372036854775000' });
    const response = await write(ADA.id, { api_name: 'HUGE', add_count: '9223372036854775000' });
    expect(response.body.just_unlocked).toBe(true);
    expect((await progressOf(ADA.id, 'HUGE')).count_progress).toBe('9223372036854775807');
  });

  it('OR-merges bits and never clears one', async () => {
    await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '10011' });
    await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '00110' });
    await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '0' });
    const progress = await progressOf(BOB.id, 'CONTINENTS');
    expect(progress.bitfield_progress).toBe('1011100');
  });

  it('reports just_unlocked on the unlocking call only, and stamps unlock_time then', async () => {
    const before = Math.floor(Date.now() / 1000);
    const first = await write(ADA.id, { api_name: 'MILES', add_count: '90' });
    const second = await write(ADA.id, { api_name: 'MILES', add_count: '1' });
    expect(first.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      api_name: 'MILES',
      just_unlocked: true,
    });
    expect(second.body.just_unlocked).toBe(false);
    const progress = await progressOf(ADA.id, 'MILES');
    expect(progress).toMatchObject({ is_unlocked: true, definition: { api_name: 'MILES', target: '100' } });
    expect(progress.unlock_time).toBeGreaterThanOrEqual(before);
  });

  it('unlocks a bitfield once the number of set bits reaches the target', async () => {
    expect((await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '11' })).body.just_unlocked).toBe(false);
    expect((await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '0001' })).body.just_unlocked).toBe(true);
  });

  it('unlocks SIMPLE achievements (and any other type) with force_unlock', async () => {
    expect((await write(BOB.id, { api_name: 'FIRST_WIN', force_unlock: 'true' })).body.just_unlocked).toBe(
      true,
    );
    expect((await write(BOB.id, { api_name: 'FIRST_WIN', force_unlock: 'true' })).body.just_unlocked).toBe(
      false,
    );
    expect((await write(BOB.id, { api_name: 'MILES', force_unlock: 'true' })).body.just_unlocked).toBe(true);
  });

  it('rejects a progress parameter of the wrong type, an over-long bit string and unknown names', async () => {
    for (const form of <Record<string, string>[]>[
      { api_name: 'CONTINENTS', add_count: '1' },
      { api_name: 'MILES', add_bits: '1' },
      { api_name: 'CONTINENTS', add_bits: '10000001' },
      { api_name: 'CONTINENTS', add_bits: '12' },
      { api_name: 'NOPE', force_unlock: 'true' },
    ]) {
      const response = await write(ADA.id, form);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(100);
    }
    expect((await write(ADA.id, { api_name: 'MILES' })).body.error.message).toBe(
      '(#100) The parameter add_count is required',
    );
  });

  it('lets a user token write its own CLIENT_AUTHORITATIVE progress but not SERVER_AUTHORITATIVE', async () => {
    expect((await write(ADA.id, { api_name: 'CONTINENTS', add_bits: '1' }, ADA.token)).status).toBe(200);
    const server = await write(ADA.id, { api_name: 'MILES', add_count: '1' }, ADA.token);
    expect(server.status).toBe(403);
    expect(server.body.error.code).toBe(10);
    expect((await write(BOB.id, { api_name: 'CONTINENTS', add_bits: '1' }, ADA.token)).status).toBe(403);
  });

  it('removes all of a user progress with achievement_remove_all', async () => {
    await write(ADA.id, { api_name: 'FIRST_WIN', force_unlock: 'true' });
    const reset = await emu.call('POST', '/achievement_remove_all', { form: { user_id: ADA.id } });
    expect(reset.body).toEqual({ success: true });
    expect((await emu.call('GET', `/${ADA.id}/achievements`)).body.data).toEqual([]);
  });
});

describe('achievement definitions', () => {
  it('hides archived definitions unless include_archived is set with the app token', async () => {
    const names = async (query: Record<string, string>, bearer?: string) =>
      (
        await emu.call('GET', `/${APP_ID}/achievement_definitions`, {
          query: { fields: 'api_name', ...query },
          bearer,
        })
      ).body.data?.map((d: { api_name: string }) => d.api_name);
    expect(await names({})).not.toContain('OLD');
    expect(await names({ include_archived: 'true' })).toContain('OLD');
    expect(await names({}, ADA.token)).toHaveLength(4);
    const denied = await emu.call('GET', `/${APP_ID}/achievement_definitions`, {
      query: { include_archived: 'true' },
      bearer: ADA.token,
    });
    expect(denied.status).toBe(403);
  });

  it('upserts by api_name: creates, then updates the same id', async () => {
    const form = {
      api_name: 'LAPS',
      achievement_type: 'COUNT',
      achievement_write_policy: 'SERVER_AUTHORITATIVE',
      target: '10',
      title: 'Laps',
      description: 'Drive 10 laps',
    };
    const created = await emu.call('POST', `/${APP_ID}/achievement_definitions`, { form });
    const updated = await emu.call('POST', `/${APP_ID}/achievement_definitions`, {
      form: { api_name: 'LAPS', target: '20', is_archived: 'false' },
    });
    expect(updated.body).toEqual({ id: created.body.id });
    const read = await emu.call('GET', `/${APP_ID}/achievement_definitions`, {
      query: { api_names: '["LAPS"]', fields: 'target,title,achievement_write_policy' },
    });
    expect(read.body.data).toEqual([
      { id: created.body.id, target: '20', title: 'Laps', achievement_write_policy: 'SERVER_AUTHORITATIVE' },
    ]);
  });

  it('requires target for COUNT and bitfield_length for BITFIELD when creating', async () => {
    const base = { achievement_write_policy: 'CLIENT_AUTHORITATIVE', title: 't', description: 'd' };
    const count = await emu.call('POST', `/${APP_ID}/achievement_definitions`, {
      form: { ...base, api_name: 'C', achievement_type: 'COUNT' },
    });
    expect(count.body.error.message).toBe('(#100) The parameter target is required');
    const bits = await emu.call('POST', `/${APP_ID}/achievement_definitions`, {
      form: { ...base, api_name: 'B', achievement_type: 'BITFIELD', target: '2' },
    });
    expect(bits.body.error.message).toBe('(#100) The parameter bitfield_length is required');
  });
});
