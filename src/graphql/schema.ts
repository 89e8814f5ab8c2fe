import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers/index.ts';

/** The SDL contract, read from `schema.graphql` at the project root. */
export const typeDefs = parse(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

/** The executable federated subgraph schema. */
export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
