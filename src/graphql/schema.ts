import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { enforceScopes, scopeRules, withoutSecurityDirectives } from './auth/enforce-scopes.ts';
import { resolvers } from './resolvers/index.ts';

/** The SDL contract, read from `schema.graphql` at the project root. */
export const typeDefs = parse(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

/**
 * The executable federated subgraph schema, with `@requiresScopes`/`@authenticated` enforced.
 * `securityDirectives: false` leaves them out of the SDL the gateway composes (for
 * `@apollo/gateway`, which refuses them); the subgraph enforces them either way.
 */
export function buildSchema(options: { securityDirectives?: boolean } = {}): GraphQLSchema {
  const served = options.securityDirectives === false ? withoutSecurityDirectives(typeDefs) : typeDefs;
  return enforceScopes(buildSubgraphSchema([{ typeDefs: served, resolvers }]), scopeRules(typeDefs));
}
