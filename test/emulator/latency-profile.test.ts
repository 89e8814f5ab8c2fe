import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorModeFromEnv, startEmulator } from '../../src/emulator/index.ts';
import { profileDelayMs, REALISTIC_MS, ROUTE_KINDS } from '../../src/emulator/latency.ts';
import { ALL_ROUTES, ROUTES } from '../../src/shared/routes.ts';
import { APP_ID, testEmulator, type TestEmulator } from './helpers.ts';

describe('the realistic latency profile', () => {
  it('draws writes from 3–4 s and reads from 100–300 ms, per route', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect(profileDelayMs('realistic', ROUTES.leaderboardSubmitEntry, low)).toBe(3000);
    expect(profileDelayMs('realistic', ROUTES.leaderboardEntryDelete, high)).toBe(4000);
    expect(profileDelayMs('realistic', ROUTES.leaderboardEntries, low)).toBe(100);
    expect(profileDelayMs('realistic', ROUTES.userAchievementsRead, high)).toBe(300);
    // A path no endpoint serves is timed as a read.
    expect(profileDelayMs('realistic', undefined, low)).toBe(100);
    for (const route of ALL_ROUTES) expect(profileDelayMs('off', route)).toBe(0);
  });

  it('classifies every route, and only state-changing ones as writes', () => {
    expect(Object.keys(ROUTE_KINDS).sort()).toEqual([...ALL_ROUTES].sort());
    for (const route of ALL_ROUTES) {
      if (route.startsWith('GET ') && route !== ROUTES.consumeEntitlementGet)
        expect(ROUTE_KINDS[route]).toBe('read');
      if (route.startsWith('DELETE ')) expect(ROUTE_KINDS[route]).toBe('write');
    }
    expect(REALISTIC_MS).toEqual({ read: [100, 300], write: [3000, 4000] });
  });

  describe('over HTTP', () => {
    let emu: TestEmulator;
    beforeAll(async () => {
      emu = await testEmulator({ latencyProfile: 'realistic' });
    });
    afterAll(() => emu.close());

    it('delays a read by at least 100 ms', async () => {
      const started = performance.now();
      const response = await emu.call('GET', `/${APP_ID}/leaderboards`);
      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    });
  });

  it('refuses an unknown profile', async () => {
    // @ts-expect-error: not a profile
    await expect(startEmulator({ latencyProfile: 'slow' })).rejects.toThrow(/off, realistic/);
  });
});

describe('emulatorModeFromEnv', () => {
  it('reads EMULATOR_STRICT and EMULATOR_LATENCY_PROFILE, leaving unset ones out', () => {
    expect(emulatorModeFromEnv({})).toEqual({});
    expect(emulatorModeFromEnv({ EMULATOR_STRICT: 'true', EMULATOR_LATENCY_PROFILE: 'realistic' })).toEqual({
      strict: true,
      latencyProfile: 'realistic',
    });
    expect(emulatorModeFromEnv({ EMULATOR_STRICT: 'false', EMULATOR_LATENCY_PROFILE: '' })).toEqual({
      strict: false,
    });
  });

  it('names the variable for a value it does not know', () => {
    expect(() => emulatorModeFromEnv({ EMULATOR_STRICT: 'yes' })).toThrow(
      /EMULATOR_STRICT must be true or false/,
    );
    expect(() =>
      emulatorModeFromEnv({ HORIZON_EMULATOR_STRICT: 'true', EMULATOR_LATENCY_PROFILE: 'fast' }),
    ).toThrow(/EMULATOR_LATENCY_PROFILE must be one of off, realistic/);
  });
});
