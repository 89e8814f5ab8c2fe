import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, APP_ID, APP_TOKEN, testEmulator, type TestEmulator } from './helpers.ts';

// Misuse: malformed requests get a Graph error (never a crash, a hang or a 500).

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());

const raw = (path: string, init: RequestInit) =>
  fetch(`${emu.url}${path}`, { ...init, headers: { authorization: `Bearer ${APP_TOKEN}`, ...init.headers } });

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: number; message: string } }).error;

describe('malformed requests', () => {
  it('answers an unparseable JSON body with code 100', async () => {
    const response = await raw('/user_nonce_validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"nonce": ',
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(100);
  });

  it('answers a JSON body that is not an object with code 100', async () => {
    const response = await raw('/user_nonce_validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '["nonce"]',
    });
    expect((await errorOf(response)).message).toContain('must be an object');
  });

  it('answers a multipart body without its boundary with code 100', async () => {
    const response = await raw('/user_nonce_validate', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'garbage',
    });
    expect(response.status).toBe(400);
  });

  it('refuses a body above 8 MiB with 413', async () => {
    const response = await raw('/user_nonce_validate', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `nonce=${'x'.repeat(8 * 1024 * 1024)}`,
    }).catch(() => undefined);
    // The server answers before reading the rest; a client may see the answer or a closed socket.
    if (response) expect(response.status).toBe(413);
    expect((await emu.call('GET', `/${ADA.id}`)).status).toBe(200);
  });

  it('answers an unsupported method on a known path with code 100', async () => {
    const response = await emu.call('PUT', '/leaderboard_entries');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(response.body.error.message).toMatch(/^Unsupported put request/);
  });

  it('answers bad percent-encoding in the path with code 2500', async () => {
    const response = await raw('/%E0%A4%A/achievements', { method: 'GET' });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(2500);
  });

  it('rejects api_names that are not a JSON array, and limits that are not positive', async () => {
    const names = await emu.call('GET', `/${APP_ID}/achievement_definitions`, {
      query: { api_names: 'MILES' },
    });
    expect(names.body.error.message).toContain('JSON array');
    const zero = await emu.call('GET', `/${APP_ID}/leaderboards`, { query: { limit: '0' } });
    expect(zero.body.error.code).toBe(100);
  });

  it('rejects an int64 parameter out of range or with a fraction', async () => {
    for (const score of ['9223372036854775808', '1.5', '1e3']) {
      const response = await emu.call('POST', '/leaderboard_submit_entry', {
        form: { api_name: 'HIGH', user_id: ADA.id, score },
      });
      expect(response.body.error.message).toBe('(#100) Param score must be a 64-bit integer');
    }
  });

  it('does not let a path starting with // change the host of paging links', async () => {
    const response = await raw('//evil.example/leaderboard_entries?api_name=HIGH&limit=1', { method: 'GET' });
    // `//evil.example/...` is not a path the API serves, and nothing in the answer points elsewhere.
    expect(await response.text()).not.toContain('http://evil.example');
  });
});
