import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Access control: the gateway forwards the caller's JWT in `authorization`; the subgraph checks
// the scopes that schema.graphql's @requiresScopes names, before any upstream call.

const KEY = 'test-hs256-shared-key-of-at-least-32-chars!';
const OTHER_KEY = 'another-hs256-key-that-is-not-the-right-one!!';
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'horizon-subgraph';

async function token(
  scope: string,
  options: { key?: string; expiresIn?: string | number; issuer?: string } = {},
) {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('support-agent-7')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.key ?? KEY));
}

/** Every mutation with valid demo arguments and the scope it needs. */
const MUTATIONS: { name: string; scope: string; query: string }[] = [
  {
    name: 'unlockAchievement',
    scope: 'horizon:achievements:write',
    query:
      'mutation { unlockAchievement(userId: "1000000000000004", apiName: "FIRST_LAP") { justUnlocked } }',
  },
  {
    name: 'addAchievementCount',
    scope: 'horizon:achievements:write',
    query:
      'mutation { addAchievementCount(userId: "1000000000000004", apiName: "WIN_10_RACES", count: "1") { justUnlocked } }',
  },
  {
    name: 'addAchievementBits',
    scope: 'horizon:achievements:write',
    query:
      'mutation { addAchievementBits(userId: "1000000000000004", apiName: "RELIC_HUNTER", bits: "1") { justUnlocked } }',
  },
  {
    name: 'resetAchievements',
    scope: 'horizon:achievements:write',
    query: 'mutation { resetAchievements(userId: "1000000000000004") { success } }',
  },
  {
    name: 'upsertAchievementDefinition',
    scope: 'horizon:admin',
    query:
      'mutation { upsertAchievementDefinition(input: { apiName: "AUTH_TEST", type: SIMPLE, writePolicy: SERVER_AUTHORITATIVE, title: "t", description: "d" }) { apiName } }',
  },
  {
    name: 'submitLeaderboardScore',
    scope: 'horizon:leaderboards:write',
    query:
      'mutation { submitLeaderboardScore(leaderboard: "GLOBAL_HIGH_SCORE", userId: "1000000000000004", score: "5") { didUpdate } }',
  },
  {
    name: 'deleteLeaderboardEntry',
    scope: 'horizon:leaderboards:write',
    query: 'mutation { deleteLeaderboardEntry(id: "1", dryRun: true) { success } }',
  },
  {
    name: 'resetLeaderboard',
    scope: 'horizon:admin',
    query: 'mutation { resetLeaderboard(apiName: "DRIFT_MASTERS") { success } }',
  },
  {
    name: 'upsertLeaderboard',
    scope: 'horizon:admin',
    query:
      'mutation { upsertLeaderboard(input: { apiName: "AUTH_BOARD", sortOrder: HIGHER_IS_BETTER, entryWritePolicy: SERVER_AUTHORITATIVE }) { apiName } }',
  },
  {
    name: 'deleteLeaderboard',
    scope: 'horizon:admin',
    query: 'mutation { deleteLeaderboard(apiName: "DRIFT_MASTERS") { success } }',
  },
  {
    name: 'consumeEntitlement',
    scope: 'horizon:purchases:write',
    query: 'mutation { consumeEntitlement(userId: "1000000000000010", sku: "coins_500") { success } }',
  },
  {
    name: 'refundEntitlement',
    scope: 'horizon:purchases:write',
    query:
      'mutation { refundEntitlement(userId: "1000000000000010", sku: "track_pack_alpine", reason: "customer_support") { success } }',
  },
  {
    name: 'cancelSubscription',
    scope: 'horizon:purchases:write',
    query:
      'mutation { cancelSubscription(userId: "1000000000000001", sku: "rally_pass_annual", reason: OTHER) { success } }',
  },
  {
    name: 'extendSubscription',
    scope: 'horizon:purchases:write',
    query:
      'mutation { extendSubscription(userId: "1000000000000001", sku: "rally_pass_annual", days: 1) { success } }',
  },
];

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({
    server: { resolveCaller: jwtCallerResolver({ jwtSecret: KEY, issuer: ISSUER, audience: AUDIENCE }) },
  });
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

async function refusedWithoutCalls(query: string, headers: Record<string, string>, code: string) {
  const res = await sg.gql(query, {}, headers);
  expect(res.errors?.[0]?.extensions?.code, res.raw).toBe(code);
  expect((await sg.emulator.counts()).total).toBe(0);
}

describe.each(MUTATIONS)('$name', ({ scope, query }) => {
  it('is refused without a token, with no upstream call', async () => {
    await refusedWithoutCalls(query, {}, 'UNAUTHENTICATED');
  });

  it('is refused with a token signed by another key', async () => {
    await refusedWithoutCalls(
      query,
      { authorization: `Bearer ${await token(scope, { key: OTHER_KEY })}` },
      'UNAUTHENTICATED',
    );
  });

  it('is refused with an expired token', async () => {
    const expired = await token(scope, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await refusedWithoutCalls(query, { authorization: `Bearer ${expired}` }, 'UNAUTHENTICATED');
  });

  it('is refused without its scope', async () => {
    const others = MUTATIONS.map((m) => m.scope).filter((s) => s !== scope);
    await refusedWithoutCalls(
      query,
      { authorization: `Bearer ${await token([...new Set(others)].join(' '))}` },
      'FORBIDDEN',
    );
  });

  it('works with its scope', async () => {
    const res = await sg.gql(query, {}, { authorization: `Bearer ${await token(scope)}` });
    expect(res.errors, res.raw).toBeUndefined();
  });
});

describe('reads and other token checks', () => {
  it('requires horizon:purchases:read for entitlement reads and leaves other fields alone', async () => {
    const query = '{ user(id: "1000000000000001") { alias hasEntitlement } }';
    const anonymous = await sg.gql(query);
    expect(anonymous.data?.user).toEqual({ alias: 'NovaDrift', hasEntitlement: null });
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((await sg.emulator.counts()).byRoute['POST /{app_id}/verify_entitlement']).toBeUndefined();
    const reader = await sg.gql(
      query,
      {},
      { authorization: `Bearer ${await token('horizon:purchases:read')}` },
    );
    expect(reader.errors).toBeUndefined();
    expect(reader.data?.user).toEqual({ alias: 'NovaDrift', hasEntitlement: true });
  });

  it('stops accepting a verified token once it expires, even while remembered', async () => {
    const query = '{ user(id: "1000000000000001") { hasEntitlement } }';
    const shortLived = await token('horizon:purchases:read', {
      expiresIn: Math.floor(Date.now() / 1000) + 2,
    });
    expect((await sg.gql(query, {}, { authorization: `Bearer ${shortLived}` })).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const late = await sg.gql(query, {}, { authorization: `Bearer ${shortLived}` });
    expect(late.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts scopes from an scp array', async () => {
    const jwt = await new SignJWT({ scp: ['horizon:purchases:read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(KEY));
    const res = await sg.gql(
      '{ user(id: "1000000000000001") { hasEntitlement } }',
      {},
      { authorization: `Bearer ${jwt}` },
    );
    expect(res.errors).toBeUndefined();
  });

  it('refuses a token from another issuer', async () => {
    const res = await sg.gql(
      '{ user(id: "1000000000000001") { hasEntitlement } }',
      {},
      { authorization: `Bearer ${await token('horizon:purchases:read', { issuer: 'https://evil.test' })}` },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toMatch(/claim iss/);
  });

  it('requires an authenticated caller for verifyUserNonce', async () => {
    await refusedWithoutCalls(
      'mutation { verifyUserNonce(userId: "1000000000000001", nonce: "x") }',
      {},
      'UNAUTHENTICATED',
    );
  });
});

describe('RS256 keys from a JWKS URL', () => {
  let jwks: Server;
  let rs: SubgraphHandle;
  let sign: (scope: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    rs = await subgraph({ server: { resolveCaller: jwtCallerResolver({ jwksUrl: url }) } });
    sign = (scope) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setExpirationTime('5m')
        .sign(privateKey);
  });
  afterAll(async () => {
    await rs.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('verifies a token signed with a key of the set', async () => {
    const res = await rs.gql(
      'mutation { unlockAchievement(userId: "1000000000000004", apiName: "FIRST_LAP") { justUnlocked } }',
      {},
      { authorization: `Bearer ${await sign('horizon:achievements:write')}` },
    );
    expect(res.errors, res.raw).toBeUndefined();
  });

  it('refuses an HS256 token when keys come from a JWKS', async () => {
    const res = await rs.gql(
      'mutation { unlockAchievement(userId: "1000000000000004", apiName: "FIRST_LAP") { justUnlocked } }',
      {},
      { authorization: `Bearer ${await token('horizon:achievements:write')}` },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
