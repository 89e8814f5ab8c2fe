import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_ROUTES, ROUTES } from '../../src/shared/routes.ts';
import { ADA, APP_ID, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const readAchievements = () => emu.call('GET', `/${ADA.id}/achievements`);
const fault = async (spec: Record<string, unknown>) => {
  const response = await emu.control('POST', 'faults', spec);
  expect(response.status).toBe(200);
};

describe('request counters', () => {
  it('count API calls by route template, GET verify/consume apart from POST, errors included', async () => {
    await readAchievements();
    await readAchievements();
    await emu.call('GET', `/${APP_ID}/verify_entitlement`, { query: { user_id: ADA.id } });
    await emu.call('POST', `/${APP_ID}/verify_entitlement`, { form: { user_id: ADA.id } });
    await emu.call('GET', '/me', { bearer: 'bad-token' });
    const counts = await emu.control('GET', 'requests');
    expect(counts.body).toEqual({
      total: 5,
      byRoute: {
        [ROUTES.userAchievementsRead]: 2,
        [ROUTES.verifyEntitlementGet]: 1,
        [ROUTES.verifyEntitlement]: 1,
        [ROUTES.me]: 1,
      },
    });
    // Every key is one of the shared route templates.
    for (const route of Object.keys(counts.body.byRoute)) expect(ALL_ROUTES).toContain(route);
  });

  it('do not count control calls', async () => {
    await emu.control('GET', 'requests');
    expect((await emu.control('GET', 'requests')).body).toEqual({ total: 0, byRoute: {} });
  });
});

describe('reset', () => {
  it('zeroes counters, clears pending faults and reloads the fixture', async () => {
    await emu.call('POST', '/achievement_remove_all', { form: { user_id: ADA.id } });
    await fault({ route: ROUTES.userAchievementsRead, status: 500 });
    expect((await emu.control('POST', 'reset')).body).toEqual({ success: true });
    expect((await emu.control('GET', 'requests')).body.total).toBe(0);
    const progress = await readAchievements();
    expect(progress.status).toBe(200);
    expect(progress.body.data).toHaveLength(1);
  });
});

describe('fault injection', () => {
  it('answers with the given status and body, then recovers', async () => {
    const body = { error: { message: 'Custom', type: 'OCApiException', code: 1, fbtrace_id: 'x' } };
    await fault({ route: ROUTES.userAchievementsRead, status: 400, body });
    const failed = await readAchievements();
    expect(failed.status).toBe(400);
    expect(failed.body).toEqual(body);
    expect((await readAchievements()).status).toBe(200);
  });

  it('defaults a 5xx body to the transient code-2 Graph error and a 429 to code 4', async () => {
    await fault({ route: ROUTES.userAchievementsRead, status: 503, headers: { 'Retry-After': '1' } });
    const unavailable = await readAchievements();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(unavailable.body.error).toMatchObject({
      code: 2,
      type: 'OAuthException',
      is_transient: true,
      message: 'An unexpected error has occurred. Please retry your request later.',
      fbtrace_id: expect.any(String),
    });
    await fault({ route: ROUTES.userAchievementsRead, status: 429 });
    const limited = await readAchievements();
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 4, message: 'Application request limit reached' });
  });

  it('sends a string body as-is, to simulate a malformed answer', async () => {
    await fault({ route: ROUTES.userAchievementsRead, status: 200, body: '{"data":[{"id":' });
    const response = await readAchievements();
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"data":[{"id":');
  });

  it('fails only the next `times` matching calls and leaves other routes alone', async () => {
    await fault({ route: ROUTES.userAchievementsRead, status: 500, times: 2 });
    expect((await emu.call('GET', `/${APP_ID}/achievement_definitions`)).status).toBe(200);
    expect((await readAchievements()).status).toBe(500);
    expect((await readAchievements()).status).toBe(500);
    expect((await readAchievements()).status).toBe(200);
    expect((await emu.control('GET', 'requests')).body.byRoute[ROUTES.userAchievementsRead]).toBe(3);
  });

  it('stalls for delayMs and then answers normally when no status is given', async () => {
    await fault({ route: ROUTES.userAchievementsRead, delayMs: 300 });
    const started = performance.now();
    const response = await readAchievements();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(response.status).toBe(200);
  });

  it('destroys the socket without an answer when reset is true', async () => {
    await fault({ route: ROUTES.userAchievementsRead, reset: true });
    await expect(readAchievements()).rejects.toThrow();
    expect((await readAchievements()).status).toBe(200);
  });

  it('throttles with throttle: true (429 code 4 in the default mode), keeping given headers', async () => {
    await fault({ route: ROUTES.userAchievementsRead, throttle: true, headers: { 'Retry-After': '2' } });
    const limited = await readAchievements();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.body.error).toMatchObject({
      code: 4,
      type: 'OAuthException',
      is_transient: true,
      message: 'Application request limit reached',
    });
    expect((await readAchievements()).status).toBe(200);
  });

  it('refuses a throttle with its own status or body', async () => {
    for (const extra of [{ status: 503 }, { body: { error: {} } }]) {
      const response = await emu.control('POST', 'faults', {
        route: ROUTES.userAchievementsRead,
        throttle: true,
        ...extra,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain('throttle: true picks its own status and body');
    }
  });

  it('refuses an unknown route or an empty fault with 400', async () => {
    const unknown = await emu.control('POST', 'faults', { route: 'GET /nope', status: 500 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('unknown route');
    expect((await emu.control('POST', 'faults', { route: ROUTES.me })).status).toBe(400);
    expect((await emu.control('POST', 'faults', 'not json')).status).toBe(400);
  });
});

describe('latency option', () => {
  it('delays every API response but not control calls', async () => {
    const slow = await testEmulator({ latencyMs: 200 });
    try {
      let started = performance.now();
      expect((await slow.call('GET', `/${ADA.id}/achievements`)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      started = performance.now();
      await slow.control('GET', 'requests');
      expect(performance.now() - started).toBeLessThan(150);
    } finally {
      await slow.close();
    }
  });

  it('does not keep close() waiting for a stalled request', async () => {
    const slow = await testEmulator({ latencyMs: 10_000 });
    const pending = slow.call('GET', `/${ADA.id}/achievements`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await slow.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
