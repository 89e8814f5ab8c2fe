import { describe, expect, it } from 'vitest';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { demoFixture, refusedProbes, sharedSubgraph } from '../helpers/harness.ts';

// Query.user, Query.users, User.alias / orgScopedId and Mutation.verifyUserNonce over real HTTP
// against the emulator serving the demo fixture.

const fixture = demoFixture();
const NOVA = '1000000000000001';
const APEX = '1000000000000002';
const ROOKIE = '1000000000000004';
const SHOPPER = '1000000000000005';
const UNKNOWN = '1999999999999999'; // well-formed, but no such user

const profile = (id: string) => {
  const user = fixture.users.find((u) => u.id === id);
  if (!user) throw new Error(`no user ${id} in the demo fixture`);
  return user;
};

// Each test sees the upstream calls it made; a test that writes first restores the fixture (reset).
const sg = sharedSubgraph();

interface UserData {
  id: string;
  alias?: string | null;
  orgScopedId?: string | null;
}

describe('Query.user and Query.users', () => {
  it('returns a user by id without any upstream call', async () => {
    const res = await sg.gql<{ user: UserData }>(`{ user(id: "${NOVA}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.user).toEqual({ id: NOVA });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('returns users in the order asked, repeating a repeated id, without any upstream call', async () => {
    const ids = [ROOKIE, NOVA, APEX, NOVA];
    const res = await sg.gql<{ users: UserData[] }>(`query($ids: [ID!]!) { users(ids: $ids) { id } }`, {
      ids,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.users.map((u) => u.id)).toEqual(ids);
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('returns an empty list for no ids', async () => {
    const res = await sg.gql<{ users: UserData[] }>(`{ users(ids: []) { id } }`);
    expect(res.data?.users).toEqual([]);
  });

  it.each([['abc'], ['-1'], ['12345678901234567890123'], [''], ['1000000000000001/achievements']])(
    'refuses the malformed id %j with BAD_USER_INPUT and no upstream call',
    async (id) => {
      const res = await sg.gql<{ user: UserData | null }>(`query($id: ID!) { user(id: $id) { id alias } }`, {
        id,
      });
      expect(res.data?.user).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.path).toEqual(['user']);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
      expect((await sg.emulator.counts()).total).toBe(0);
    },
  );

  it('refuses a list holding one malformed id with BAD_USER_INPUT naming it, and no upstream call', async () => {
    const res = await sg.gql(`query($ids: [ID!]!) { users(ids: $ids) { id alias } }`, {
      ids: [NOVA, 'not-an-id'],
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'ids[1]' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});

describe('User.alias and User.orgScopedId', () => {
  it('reads alias and org-scoped id from the profile, one GET /{user_id} per distinct user for both', async () => {
    const ids = [NOVA, APEX, SHOPPER, NOVA];
    const probes = refusedProbes(sg, READ_FIELDS.user);
    const res = await sg.gql<{ users: UserData[] }>(
      `query($ids: [ID!]!) { users(ids: $ids) { id alias orgScopedId } }`,
      { ids },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.users).toEqual(
      ids.map((id) => ({ id, alias: profile(id).alias, orgScopedId: profile(id).org_scoped_id })),
    );
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'GET /{user_id}': 3 + probes });
  });

  it('reports an unknown user on the profile field as NOT_FOUND, with the upstream details', async () => {
    const res = await sg.gql<{ user: UserData }>(`{ user(id: "${UNKNOWN}") { id alias } }`);
    expect(res.data?.user).toEqual({ id: UNKNOWN, alias: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['user', 'alias']);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      retryable: false,
      upstream: { status: 400, code: 100, subcode: 33, endpoint: 'GET /{user_id}' },
    });
  });
});

describe('Mutation.verifyUserNonce', () => {
  const nonces = fixture.nonces.filter((n) => n.user_id === NOVA);

  it('accepts a valid nonce once, then refuses it (single use)', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const nonce = nonces[0]!.nonce;
    const verify = `mutation($u: ID!, $n: String!) { verifyUserNonce(userId: $u, nonce: $n) }`;
    const first = await sg.gql<{ verifyUserNonce: boolean }>(verify, { u: NOVA, n: nonce });
    expect(first.errors).toBeUndefined();
    expect(first.data?.verifyUserNonce).toBe(true);
    const second = await sg.gql<{ verifyUserNonce: boolean }>(verify, { u: NOVA, n: nonce });
    expect(second.data?.verifyUserNonce).toBe(false);
    expect((await sg.emulator.counts()).byRoute).toEqual({ 'POST /user_nonce_validate': 2 });
  });

  it('answers false for a nonce issued to another user or made up, not an error', async () => {
    await sg.emulator.reset(); // writes: start from the fixture
    const verify = `mutation($u: ID!, $n: String!) { verifyUserNonce(userId: $u, nonce: $n) }`;
    const nonce = nonces[1]!.nonce;
    const other = await sg.gql<{ verifyUserNonce: boolean }>(verify, { u: APEX, n: nonce });
    expect(other.errors).toBeUndefined();
    expect(other.data?.verifyUserNonce).toBe(false);
    const made = await sg.gql<{ verifyUserNonce: boolean }>(verify, { u: NOVA, n: 'made-up-nonce' });
    expect(made.data?.verifyUserNonce).toBe(false);
    // The nonce was valid all along, for its own player, and the wrong claim did not use it up.
    const own = await sg.gql<{ verifyUserNonce: boolean }>(verify, { u: NOVA, n: nonce });
    expect(own.data?.verifyUserNonce).toBe(true);
  });

  it.each([
    ['a malformed user id', 'nope', 'nonce'],
    ['an empty nonce', NOVA, ''],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_what, userId, nonce) => {
    const res = await sg.gql(`mutation($u: ID!, $n: String!) { verifyUserNonce(userId: $u, nonce: $n) }`, {
      u: userId,
      n: nonce,
    });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.path).toEqual(['verifyUserNonce']);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sg.emulator.counts()).total).toBe(0);
  });
});
