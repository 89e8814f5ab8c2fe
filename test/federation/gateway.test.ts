import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../src/emulator/index.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import {
  expectUnnamedProgress,
  progressNamed,
  refusedProbes,
  subgraph,
  type SubgraphHandle,
} from '../helpers/harness.ts';
import { transcript } from '../helpers/planted-secret.ts';
import { startAccountsSubgraph, type Account } from './accounts-subgraph.ts';

// A real supergraph on loopback: @apollo/gateway composes our subgraph (upstream: the emulator)
// with a small accounts subgraph, and every query goes through the gateway over HTTP. Against the
// strict emulator, a route's first read also pays its refused guesses, and players' progress fails
// with a reason (upstream does not name the rows).

const ROUTER_SECRET = 'router-secret-for-tests-0123456789';
const fixture = loadFixture(new URL('../../fixtures/demo.json', import.meta.url).pathname);
const accounts: Account[] = fixture.users.slice(0, 100).map((u, i) => ({
  id: u.id!,
  name: `Player ${i + 1}`,
  email: `player${i + 1}@example.test`,
}));
const novaToken = fixture.users[0]!.access_token!;

let horizon: SubgraphHandle;
let accountsServer: { url: string; close(): Promise<void> };
let gatewayServer: ApolloServer;
let gatewayUrl: string;

beforeAll(async () => {
  // @apollo/gateway refuses supergraphs with `for: SECURITY` features, so the subgraph serves its
  // SDL without @requiresScopes/@authenticated here (it still enforces them itself).
  horizon = await subgraph({ routerSecret: ROUTER_SECRET, server: { securityDirectives: false } });
  accountsServer = await startAccountsSubgraph(accounts);
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'horizon', url: `${horizon.url}/graphql` },
        { name: 'accounts', url: accountsServer.url },
      ],
      introspectionHeaders: { 'router-authorization': ROUTER_SECRET },
    }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ userToken?: string }>({
        url,
        willSendRequest({ request, context }) {
          request.http?.headers.set('router-authorization', ROUTER_SECRET);
          if (context.userToken) request.http?.headers.set('x-horizon-user-token', context.userToken);
        },
      }),
  });
  gatewayServer = new ApolloServer({ gateway });
  ({ url: gatewayUrl } = await startStandaloneServer(gatewayServer, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ userToken: req.headers['x-horizon-user-token'] as string | undefined }),
  }));
});

afterAll(async () => {
  await gatewayServer?.stop();
  await accountsServer?.close();
  await horizon?.close();
});

beforeEach(async () => {
  await horizon.emulator.reset();
});

interface GatewayResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

async function gateway(query: string, headers: Record<string, string> = {}): Promise<GatewayResponse> {
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const raw = await res.text();
  transcript.push(raw);
  return JSON.parse(raw) as GatewayResponse;
}

function rankOf(userId: string, board: string): number | null {
  const entries = fixture.leaderboard_entries!.filter((e) => e.api_name === board);
  const sign =
    fixture.leaderboards!.find((b) => b.api_name === board)!.sort_order === 'HIGHER_IS_BETTER' ? -1 : 1;
  const sorted = [...entries].sort((a, b) => {
    const d = BigInt(a.score) - BigInt(b.score);
    if (d !== 0n) return sign * (d > 0n ? 1 : -1);
    const m = BigInt(a.supplementary_metric ?? 0) - BigInt(b.supplementary_metric ?? 0);
    if (m !== 0n) return sign * (m > 0n ? 1 : -1);
    return (a.timestamp ?? 0) - (b.timestamp ?? 0);
  });
  const index = sorted.findIndex((e) => e.user_id === userId);
  return index < 0 ? null : index + 1;
}

describe('through a real gateway', () => {
  it('starts in accounts and reaches our fields through _entities with the minimum upstream calls', async () => {
    const probes = {
      achievements: refusedProbes(horizon, READ_FIELDS.userAchievements),
      entries: refusedProbes(horizon, READ_FIELDS.leaderboardEntries),
    };
    const res = await gateway(`{
      accounts { id name achievements { apiName isUnlocked } leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank score } }
    }`);
    // Archived achievements keep progress upstream but are hidden from progress reads.
    const archived = new Set(
      fixture.achievement_definitions!.filter((d) => d.is_archived).map((d) => d.api_name),
    );
    const progressOf = (id: string) =>
      fixture.achievement_progress!.filter((p) => p.user_id === id && !archived.has(p.api_name));
    if (progressNamed(horizon)) expect(res.errors).toBeUndefined();
    else
      expectUnnamedProgress(
        { errors: res.errors, raw: JSON.stringify(res) },
        accounts.flatMap((a, i) => (progressOf(a.id).length > 0 ? [['accounts', i, 'achievements']] : [])),
      );
    const rows = res.data!.accounts as {
      id: string;
      name: string;
      achievements: { apiName: string; isUnlocked: boolean }[] | null;
      leaderboardEntry: { rank: number; score: string } | null;
    }[];
    expect(rows).toHaveLength(100);
    for (const row of rows.slice(0, 20)) {
      const progress = progressOf(row.id);
      if (progressNamed(horizon) || progress.length === 0)
        expect(row.achievements?.map((a) => a.apiName).sort()).toEqual(
          progress.map((p) => p.api_name).sort(),
        );
      else expect(row.achievements).toBeNull();
      expect(row.leaderboardEntry?.rank ?? null).toBe(rankOf(row.id, 'GLOBAL_HIGH_SCORE'));
    }
    const counts = await horizon.emulator.counts();
    expect(counts.byRoute['GET /{user_id}/achievements']).toBe(100 + probes.achievements);
    expect(counts.byRoute['GET /leaderboard_entries']).toBe(1 + probes.entries);
    expect(counts.total).toBe(101 + probes.achievements + probes.entries);
  });

  it('keeps the order of 100 entity representations', async () => {
    const probes = refusedProbes(horizon, READ_FIELDS.leaderboardEntries);
    const res = await gateway(
      '{ accounts { id leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { user { id } } } }',
    );
    const rows = res.data!.accounts as { id: string; leaderboardEntry: { user: { id: string } } | null }[];
    expect(rows.map((r) => r.id)).toEqual(accounts.map((a) => a.id));
    for (const row of rows) if (row.leaderboardEntry) expect(row.leaderboardEntry.user.id).toBe(row.id);
    expect((await horizon.emulator.counts()).total).toBe(1 + probes);
  });

  it('starts in our subgraph and reaches accounts fields', async () => {
    const res = await gateway(`{
      leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(first: 5) { edges { node { rank user { id alias name } } } } }
    }`);
    expect(res.errors).toBeUndefined();
    const edges = (
      res.data!.leaderboard as {
        entries: { edges: { node: { rank: number; user: Record<string, string | null> } }[] };
      }
    ).entries.edges;
    expect(edges.map((e) => e.node.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const { node } of edges) {
      const account = accounts.find((a) => a.id === node.user.id);
      expect(node.user.name).toBe(account?.name ?? null);
      expect(node.user.alias).toBe(fixture.users.find((u) => u.id === node.user.id)!.alias);
    }
  });

  it('forwards the player token for FRIENDS views', async () => {
    const res = await gateway(
      '{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(filter: FRIENDS, first: 50) { edges { node { user { id name } } } } } }',
      { 'x-horizon-user-token': novaToken },
    );
    expect(res.errors).toBeUndefined();
    const ids = (
      res.data!.leaderboard as { entries: { edges: { node: { user: { id: string } } }[] } }
    ).entries.edges.map((e) => e.node.user.id);
    const friends = fixture.users[0]!.friends ?? [];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect([fixture.users[0]!.id, ...friends]).toContain(id);
  });

  it('runs every mutation family', async () => {
    const res = await gateway(`mutation {
      unlock: unlockAchievement(userId: "1000000000000004", apiName: "FIRST_LAP") { justUnlocked }
      definition: upsertAchievementDefinition(input: { apiName: "GATEWAY_TEST", type: SIMPLE, writePolicy: SERVER_AUTHORITATIVE, title: "t", description: "d" }) { apiName type }
      score: submitLeaderboardScore(leaderboard: "GLOBAL_HIGH_SCORE", userId: "1000000000000004", score: "9007199254740993") { didUpdate entry { score } }
      consume: consumeEntitlement(userId: "1000000000000010", sku: "coins_500") { success }
      extend: extendSubscription(userId: "1000000000000001", sku: "rally_pass_annual", days: 3) { success }
      nonce: verifyUserNonce(userId: "1000000000000001", nonce: "${fixture.nonces!.find((n) => n.user_id === '1000000000000001')!.nonce}")
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      unlock: { justUnlocked: true },
      definition: { apiName: 'GATEWAY_TEST', type: 'SIMPLE' },
      score: { didUpdate: true, entry: { score: '9007199254740993' } },
      consume: { success: true },
      extend: { success: true },
      nonce: true,
    });
  });

  it('shows one user’s upstream failure as a partial result with our error code intact', async () => {
    await horizon.emulator.fault({ route: 'GET /{app_id}/viewer_purchases', status: 503, times: 1 });
    const res = await gateway('{ accounts { id name entitlements { sku } } }');
    const rows = res.data!.accounts as { name: string; entitlements: unknown[] | null }[];
    expect(rows.filter((r) => r.entitlements === null)).toHaveLength(1);
    expect(rows.every((r) => r.name)).toBe(true);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      upstream: { status: 503, endpoint: 'GET /{app_id}/viewer_purchases' },
    });
    expect(res.errors![0]!.path).toEqual(['accounts', expect.any(Number), 'entitlements']);
  });
});
