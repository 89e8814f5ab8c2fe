import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { encodeCursor } from '../../src/graphql/data/leaderboard-cursor.ts';
import { demoFixture, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Bounds at the edges: cursors bound to the view that issued them and to its size, and callers'
// tokens bound in time. Every refusal is BAD_USER_INPUT / UNAUTHENTICATED with no upstream call.

const fixture = demoFixture();
const BOARD = fixture.leaderboards[0]!.api_name!;
const players = fixture.users.slice(0, 3).map((u) => u.id!);
const KEY = 'test-hs256-shared-key-of-at-least-32-chars!';

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({ server: { resolveCaller: jwtCallerResolver({ jwtSecret: KEY }) } });
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.checkpoint());

/** A token for `scope`, with the given claims in seconds (undefined leaves a claim out). */
function token(scope: unknown, claims: { iat?: number; exp?: number }, scopeClaim = 'scope') {
  const jwt = new SignJWT({ [scopeClaim]: scope }).setProtectedHeader({ alg: 'HS256' }).setSubject('agent');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(KEY));
}
const now = () => Math.floor(Date.now() / 1000);
const READ = `{ user(id: "${players[0]}") { subscriptions { sku } } }`;

async function entriesAfter(after: string, userIds?: string[]) {
  const filter = userIds ? `, filter: USER_IDS, userIds: ${JSON.stringify(userIds)}` : '';
  const res = await sg.gql(
    `{ leaderboard(apiName: "${BOARD}") { entries(first: 2, after: ${JSON.stringify(after)}${filter}) { edges { cursor } } } }`,
    {},
    { authorization: `Bearer ${await token('horizon:purchases:read', { iat: now(), exp: now() + 300 })}` },
  );
  return res;
}

describe('leaderboard cursors', () => {
  it('refuses a forged position that is not a safe integer, before any entries call', async () => {
    const forged = Buffer.from(JSON.stringify({ v: 1, b: BOARD, f: 'NONE', p: 1e300 })).toString('base64url');
    const res = await entriesAfter(forged);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect((await sg.emulator.counts()).byRoute['GET /leaderboard_entries']).toBeUndefined();
  });

  it('refuses a position past the largest offset upstream accepts', async () => {
    const res = await entriesAfter(encodeCursor({ board: BOARD, view: 'NONE', position: 2 ** 31 }));
    expect(res.errors?.[0]?.message).toMatch(/past the end/);
    expect((await sg.emulator.counts()).byRoute['GET /leaderboard_entries']).toBeUndefined();
  });

  it('binds a USER_IDS cursor to its list of players and to the list’s length', async () => {
    const issued = encodeCursor({ board: BOARD, view: 'USER_IDS', position: 0, userIds: players });
    const reordered = await entriesAfter(issued, [...players].reverse());
    expect(reordered.errors).toBeUndefined();
    const otherList = await entriesAfter(issued, players.slice(0, 2));
    expect(otherList.errors?.[0]?.message).toMatch(/another leaderboard, filter or list of userIds/);
    const past = await entriesAfter(
      encodeCursor({ board: BOARD, view: 'USER_IDS', position: 3, userIds: players }),
      players,
    );
    expect(past.errors?.[0]?.message).toMatch(/past the end/);
    expect((await sg.emulator.counts()).byRoute['GET /leaderboard_entries']).toBe(1);
  });
});

describe('callers’ tokens', () => {
  const asCaller = async (jwt: string) => sg.gql(READ, {}, { authorization: `Bearer ${jwt}` });

  it('refuses a token without exp', async () => {
    const res = await asCaller(await token('horizon:purchases:read', { iat: now() }));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('refuses a token issued in the future (iat in 2100)', async () => {
    const res = await asCaller(await token('horizon:purchases:read', { iat: 4102444800, exp: 4102445000 }));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token that claims a life longer than AUTH_MAX_TOKEN_AGE_SECONDS (default 1 h)', async () => {
    const withIat = await asCaller(await token('horizon:purchases:read', { iat: now(), exp: now() + 7200 }));
    expect(withIat.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const withoutIat = await asCaller(await token('horizon:purchases:read', { exp: now() + 86_400 * 365 }));
    expect(withoutIat.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('accepts an ordinary token, and scopes in scp as a string or in scope as an array', async () => {
    const claims = { iat: now(), exp: now() + 600 };
    for (const jwt of [
      await token('horizon:purchases:read', claims),
      await token('horizon:purchases:read other', claims, 'scp'),
      await token(['horizon:purchases:read'], claims),
    ]) {
      const res = await asCaller(jwt);
      expect(res.errors, res.raw).toBeUndefined();
    }
  });
});
