import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, APP_ID, APP_TOKEN, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

const definitions = `/${APP_ID}/achievement_definitions`;

describe('access tokens', () => {
  it('answers a missing token with the real 400 code-190 body and a random fbtrace_id', async () => {
    const first = await emu.call('GET', definitions, { bearer: null });
    const second = await emu.call('GET', definitions, { bearer: null });
    expect(first.status).toBe(400);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.body).toEqual({
      error: {
        message: 'Invalid OAuth 2.0 Access Token',
        type: 'OCApiException',
        code: 190,
        error_data: {},
        fbtrace_id: expect.stringMatching(/^[\w-]{16,}$/),
      },
    });
    expect(second.body.error.fbtrace_id).not.toBe(first.body.error.fbtrace_id);
  });

  it('rejects an unknown user token and an app token with a wrong (rotated) secret', async () => {
    for (const token of ['FRLnot-a-user', `OC|${APP_ID}|old-secret`, `OC|999|test-app-secret`]) {
      const response = await emu.call('GET', definitions, { bearer: token });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(190);
    }
  });

  it('answers a refused app token with the captured "Error validating application" body', async () => {
    const response = await emu.call('GET', definitions, { bearer: `OC|${APP_ID}|old-secret` });
    expect(response.body).toEqual({
      error: {
        message: 'Error validating application',
        type: 'OAuthException',
        code: 190,
        fbtrace_id: expect.stringMatching(/^[\w-]{16,}$/),
      },
    });
    const user = await emu.call('GET', definitions, { bearer: 'FRLnot-a-user' });
    expect(user.body.error).toMatchObject({
      message: 'Invalid OAuth 2.0 Access Token',
      type: 'OCApiException',
    });
  });

  it('accepts the token as a query parameter, a form field, a JSON field or a Bearer header', async () => {
    const viaQuery = await emu.call('GET', definitions, { bearer: null, query: { access_token: APP_TOKEN } });
    const viaHeader = await emu.call('GET', definitions);
    const viaForm = await emu.call('POST', '/achievement_remove_all', {
      bearer: null,
      form: { access_token: APP_TOKEN, user_id: ADA.id },
    });
    const viaJson = await emu.call('POST', '/achievement_remove_all', {
      bearer: null,
      json: { access_token: APP_TOKEN, user_id: ADA.id },
    });
    expect([viaQuery.status, viaHeader.status, viaForm.status, viaJson.status]).toEqual([200, 200, 200, 200]);
  });

  it('prefers the Bearer header over the access_token parameter', async () => {
    const goodHeader = await emu.call('GET', definitions, { query: { access_token: 'garbage' } });
    expect(goodHeader.status).toBe(200);
    const badHeader = await emu.call('GET', definitions, {
      bearer: 'garbage',
      query: { access_token: APP_TOKEN },
    });
    expect(badHeader.body.error.code).toBe(190);
  });

  it('answers a user token on an app-only endpoint with 403 code 10', async () => {
    const response = await emu.call('POST', '/achievement_remove_all', {
      bearer: ADA.token,
      form: { user_id: ADA.id },
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 10, type: 'OCApiException' });
  });
});

describe('parameter and object errors', () => {
  it('names a missing required parameter', async () => {
    const response = await emu.call('POST', '/achievement_remove_all', { form: {} });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 100,
      message: '(#100) The parameter user_id is required',
    });
  });

  it('answers an invalid parameter value with code 100', async () => {
    const response = await emu.call('GET', '/leaderboard_entries', {
      query: { api_name: 'HIGH', limit: 'ten' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(100);
    expect(response.body.error.message).toContain('limit');
  });

  it('answers an unknown object id with code 100 subcode 33, worded like Graph', async () => {
    const response = await emu.call('GET', '/999999/achievements');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 100,
      error_subcode: 33,
      message:
        "Unsupported get request. Object with ID '999999' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
    });
  });

  it('treats an app id in the path that is not the app as an unknown object', async () => {
    const response = await emu.call('GET', '/12345/achievement_definitions');
    expect(response.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('answers a path no endpoint serves with code 2500', async () => {
    const response = await emu.call('GET', `/${ADA.id}/friends_of_friends`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 2500,
      message: 'Unknown path components: /friends_of_friends',
    });
  });

  it('accepts POST parameters in the query string and a trailing slash, as the docs show', async () => {
    const response = await emu.call('POST', '/leaderboard_submit_entry/', {
      query: { api_name: 'HIGH', score: '1', user_id: ADA.id },
    });
    expect(response.body).toEqual({ success: true, did_update: false });
  });

  it('accepts multipart bodies and ignores uploaded files', async () => {
    const response = await emu.call('POST', definitions, {
      multipart: {
        api_name: 'WITH_ICON',
        achievement_type: 'simple',
        achievement_write_policy: 'CLIENT_AUTHORITATIVE',
        title: 'Icon',
        description: 'Has an icon',
        unlocked_image_file: new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }),
      },
    });
    expect(response.status).toBe(200);
    expect(response.body.id).toMatch(/^\d+$/);
  });
});
