import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADA, BOB, testEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await testEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await emu.control('POST', 'reset');
});

describe('user lookup', () => {
  it('returns the selected fields of a user, by app-scoped or org-scoped id', async () => {
    const fields = 'id,alias,org_scoped_id,display_name,profile_url';
    const byId = await emu.call('GET', `/${ADA.id}`, { query: { fields } });
    expect(byId.body).toEqual({
      id: ADA.id,
      alias: 'ada',
      org_scoped_id: ADA.orgScopedId,
      display_name: 'Ada L.',
      profile_url: 'https://example.test/ada.png',
    });
    const byOrgId = await emu.call('GET', `/${ADA.orgScopedId}`, { query: { fields: 'alias' } });
    expect(byOrgId.body).toEqual({ id: ADA.id, alias: 'ada' });
  });

  it('returns only the id without fields, and 400 subcode 33 for an unknown id', async () => {
    expect((await emu.call('GET', `/${BOB.id}`)).body).toEqual({ id: BOB.id });
    const unknown = await emu.call('GET', '/424242');
    expect(unknown.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('answers /me for a user token, and refuses it for the app token', async () => {
    expect((await emu.call('GET', '/me', { query: { fields: 'id,alias' }, bearer: ADA.token })).body).toEqual(
      {
        id: ADA.id,
        alias: 'ada',
      },
    );
    expect((await emu.call('GET', '/me')).status).toBe(400);
  });
});

describe('user_nonce_validate', () => {
  const validate = (form: Record<string, string>) => emu.call('POST', '/user_nonce_validate', { form });

  it('accepts a nonce once, then answers {"is_valid":false}', async () => {
    expect((await validate({ user_id: ADA.id, nonce: 'nonce-ada-1' })).body).toEqual({ is_valid: true });
    const reused = await validate({ user_id: ADA.id, nonce: 'nonce-ada-1' });
    expect(reused.status).toBe(200);
    expect(reused.body).toEqual({ is_valid: false });
  });

  it('answers {"is_valid":false} for an unknown nonce or another user', async () => {
    expect((await validate({ user_id: ADA.id, nonce: 'made-up' })).body).toEqual({ is_valid: false });
    expect((await validate({ user_id: BOB.id, nonce: 'nonce-ada-1' })).body).toEqual({ is_valid: false });
    // A failed check by someone else does not use the nonce up.
    expect((await validate({ user_id: ADA.id, nonce: 'nonce-ada-1' })).body).toEqual({ is_valid: true });
  });

  it('takes query-only and JSON-body parameters, as community clients send them', async () => {
    const viaJson = await emu.call('POST', '/user_nonce_validate', {
      json: { user_id: ADA.id, nonce: 'nonce-ada-1' },
    });
    expect(viaJson.body).toEqual({ is_valid: true });
    await emu.control('POST', 'reset');
    const viaQuery = await emu.call('POST', '/user_nonce_validate', {
      query: { user_id: ADA.id, nonce: 'nonce-ada-1' },
    });
    expect(viaQuery.body).toEqual({ is_valid: true });
  });

  it('is reserved to the app token', async () => {
    const response = await emu.call('POST', '/user_nonce_validate', {
      form: { user_id: ADA.id, nonce: 'nonce-ada-1' },
      bearer: ADA.token,
    });
    expect(response.status).toBe(403);
  });
});
