import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { enforceScopes } from './auth/enforce-scopes.ts';
import { resolvers } from './resolvers/index.ts';

/** The SDL contract, read from `schema.graphql` at the project root. */
export const typeDefs = parse(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

/** The executable federated subgraph schema, with `@requiresScopes`/`@authenticated` enforced. */
export function buildSchema(): GraphQLSchema {
  return enforceScopes(buildSubgraphSchema([{ typeDefs, resolvers }]));
}
