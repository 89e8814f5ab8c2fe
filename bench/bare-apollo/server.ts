/**
 * The bare Apollo variant, the reference of the CPU target (decisions.md, "Targets"): Apollo
 * Server 5 + `@apollo/subgraph` + DataLoader answering the same query with the same 21 upstream
 * calls, and nothing else: no JWT or router secret, no limits, no observability, no resilience,
 * Apollo's defaults. One DataLoader per request for achievements (one call per player) and one
 * per leaderboard for entries (one `USER_IDS` call for all the players of a tick). The upstream
 * calls, their `fields` and the pool size are the floor's and the passthrough's (`lib/upstream.ts`).
 * Nothing in `src/` uses it.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import { RequestCounter, argument, serveRunner } from '../lib/child-side.ts';
import { DirectUpstream, toAchievement, toEntry, type Row } from '../lib/upstream.ts';

const upstream = new DirectUpstream(
  argument('upstream'),
  { id: argument('app-id'), secret: argument('app-secret') },
  Number(argument('connections')),
);

interface Context {
  achievements: DataLoader<string, Row[]>;
  entries: (leaderboard: string) => DataLoader<string, Row | null>;
}

function context(): Context {
  const boards = new Map<string, DataLoader<string, Row | null>>();
  return {
    achievements: new DataLoader((ids) => Promise.all(ids.map((id) => upstream.achievements(id)))),
    entries(leaderboard) {
      let loader = boards.get(leaderboard);
      if (!loader) {
        loader = new DataLoader(
          async (ids) => {
            const byUser = new Map<string, Row>();
            for (const row of await upstream.entries(ids, leaderboard)) {
              const user = row.user as Row | undefined;
              if (typeof user?.id === 'string') byUser.set(user.id, row);
            }
            return ids.map((id) => byUser.get(id) ?? null);
          },
          { maxBatchSize: 100 },
        );
        boards.set(leaderboard, loader);
      }
      return loader;
    },
  };
}

// The same schema slice as the naive variant: the part of schema.graphql the query touches.
const typeDefs = parse(readFileSync(new URL('../naive/schema.graphql', import.meta.url), 'utf8'));
const resolvers = {
  Query: {
    users: (_root: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id })),
  },
  User: {
    achievements: async ({ id }: { id: string }, _args: unknown, ctx: Context) =>
      (await ctx.achievements.load(id)).map(toAchievement),
    leaderboardEntry: async (
      { id }: { id: string },
      { leaderboard }: { leaderboard: string },
      ctx: Context,
    ) => {
      const row = await ctx.entries(leaderboard).load(id);
      return row ? toEntry(row) : null;
    },
  },
};

const counter = new RequestCounter();
const server = new ApolloServer<Context>({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req, res }) => {
    counter.track(req, res);
    return context();
  },
});
serveRunner({ urls: { main: url.replace(/\/$/, '') } }, counter, async () => {
  await server.stop();
  await upstream.close();
});
