import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/** An account of the test subgraph. */
export interface Account {
  id: string;
  name: string;
  email: string;
}

/** The accounts SDL, shared with `npm run compose`. */
export const accountsSdl = readFileSync(new URL('./accounts.graphql', import.meta.url), 'utf8');

/**
 * Starts the test-only accounts subgraph on a loopback port. It resolves `User` references from
 * the given accounts (unknown ids resolve to `null`).
 */
export async function startAccountsSubgraph(
  accounts: Account[],
): Promise<{ url: string; close(): Promise<void> }> {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(accountsSdl),
      resolvers: {
        Query: { accounts: () => accounts, me: () => accounts[0] ?? null },
        User: { __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null },
      },
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, close: () => server.stop() };
}
