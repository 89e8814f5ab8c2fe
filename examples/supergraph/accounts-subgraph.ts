import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/** Accounts of five players of the demo data (fixtures/README.md says who they are). */
const ACCOUNTS = [
  { id: '1000000000000001', name: 'Nova Drift' },
  { id: '1000000000000002', name: 'Apex Overflow' },
  { id: '1000000000000003', name: 'Player Three' },
  { id: '1000000000000005', name: 'Window Shopper' },
  { id: '1000000000000010', name: 'Coin Collector' },
];

/** Starts the example's accounts subgraph; unknown ids resolve to `null`. */
export async function startAccountsSubgraph(
  port: number,
  host: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const byId = new Map(ACCOUNTS.map((account) => [account.id, account]));
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(readFileSync(new URL('./accounts.graphql', import.meta.url), 'utf8')),
      resolvers: {
        Query: { accounts: () => ACCOUNTS },
        User: { __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null },
      },
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  return { url, stop: () => server.stop() };
}
