/**
 * The naive variant: a minimal Apollo subgraph over the same schema slice, written the way most
 * ad-hoc code is: each resolver calls the API with `fetch` for its own parent, no DataLoader, no
 * pool of its own, no batching (one `leaderboard_entries` call per player). It exists only to be
 * measured against; nothing in `src/` uses it.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { RequestCounter, argument, serveRunner } from '../lib/child-side.ts';

const api = argument('upstream');
const token = `OC|${argument('app-id')}|${argument('app-secret')}`;

interface Progress {
  is_unlocked: boolean;
  unlock_time?: number;
  count_progress?: string;
  definition: { api_name: string; achievement_type: string };
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`Horizon API answered ${res.status}`);
  return (await res.json()) as T;
}

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));
const resolvers = {
  Query: {
    users: (_root: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id })),
  },
  User: {
    achievements: async ({ id }: { id: string }) => {
      const fields = 'id,is_unlocked,unlock_time,count_progress,definition{api_name,achievement_type}';
      const body = await get<{ data: Progress[] }>(
        `/${id}/achievements?fields=${encodeURIComponent(fields)}`,
      );
      return body.data.map((row) => ({
        apiName: row.definition.api_name,
        isUnlocked: row.is_unlocked,
        unlockedAt:
          row.is_unlocked && row.unlock_time ? new Date(row.unlock_time * 1000).toISOString() : null,
        count: row.definition.achievement_type.toUpperCase() === 'COUNT' ? row.count_progress : null,
      }));
    },
    leaderboardEntry: async ({ id }: { id: string }, { leaderboard }: { leaderboard: string }) => {
      const query = new URLSearchParams({
        api_name: leaderboard,
        filter: 'USER_IDS',
        user_ids: JSON.stringify([id]),
        fields: 'rank,score',
      });
      const body = await get<{ data: { rank: number; score: string }[] }>(`/leaderboard_entries?${query}`);
      return body.data[0] ?? null;
    },
  },
};

const counter = new RequestCounter();
const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req, res }) => {
    counter.track(req, res);
    return {};
  },
});
serveRunner({ urls: { main: url.replace(/\/$/, '') } }, counter, () => server.stop());
