import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { KnownSizes } from '../data/cost.ts';
import { queryTooExpensive } from '../errors.ts';
import { resolvers } from '../resolvers/index.ts';
import { estimateUpstreamCalls } from './upstream-cost.ts';

/** Limits applied to every operation before it runs (see the README's limits table). */
export interface QueryLimits {
  /** Most upstream calls an operation may be estimated to cause (`MAX_UPSTREAM_COST`). */
  maxUpstreamCost: number;
  /** Deepest selection (`MAX_QUERY_DEPTH`). */
  maxDepth: number;
  /** Most aliases (`MAX_ALIASES`). */
  maxAliases: number;
  /** Most tokens in the document (`MAX_QUERY_TOKENS`). */
  maxTokens: number;
  /** Most directives (`MAX_DIRECTIVES`). */
  maxDirectives: number;
  /** Deadline of one operation's upstream calls (`REQUEST_DEADLINE_MS`). Default 20 000. */
  deadlineMs?: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxUpstreamCost: 250,
  maxDepth: 15,
  maxAliases: 30,
  maxTokens: 3000,
  maxDirectives: 30,
  deadlineMs: 20_000,
};

/**
 * graphql-armor's depth, alias and directive limits (its generic cost limit is replaced by our
 * estimate of upstream calls, which is what an operation really costs here), graphql-js's own
 * token limit while parsing (so an oversized or malformed document is a 400 parse error, where
 * armor's token plugin turns every syntax error into a 500), and a plugin that refuses an
 * operation whose estimate exceeds the limit before any resolver runs.
 */
export function queryLimits(
  limits: QueryLimits,
  knownSizes: () => Partial<KnownSizes> = () => ({}),
): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  });
  const { plugins, validationRules } = armor.protect();
  return {
    plugins: [...(plugins as ApolloServerPlugin[]), upstreamCostPlugin(limits.maxUpstreamCost, knownSizes)],
    validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

/**
 * Refuses, before any resolver runs, an operation whose estimate (`upstream-cost.ts`) exceeds the
 * limit: HTTP 400, QUERY_TOO_EXPENSIVE, zero upstream calls. What runs is then held to the same
 * limit call by call (`OperationBudget`).
 */
function upstreamCostPlugin(limit: number, knownSizes: () => Partial<KnownSizes>): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const estimate = estimateUpstreamCalls({
            schema,
            resolvers,
            document,
            operation,
            variables: request.variables,
            sizes: knownSizes(),
          });
          if (estimate > limit) {
            throw queryTooExpensive(
              `Query refused: it could make about ${estimate} upstream calls to Meta, more than the limit of ${limit} (MAX_UPSTREAM_COST). Ask for fewer players or fields per request.`,
              { estimatedUpstreamCalls: estimate, limit, http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}
