import type { HorizonClient } from '../horizon/index.ts';
import { createRequestLoaders, type RequestLoaders } from './loaders/request-loaders.ts';
import type { SharedCaches } from './loaders/shared-caches.ts';

/** Everything a resolver may use. Created once per GraphQL request. */
export interface GraphQLContext {
  /** The Horizon client (shared by all requests; it holds the connection pool). */
  horizon: HorizonClient;
  /** Per-request batching and deduplication. */
  loaders: RequestLoaders;
  /** Cross-request TTL caches for definitions, leaderboards and the catalog. */
  caches: SharedCaches;
  /** The player's user access token from `x-horizon-user-token`, for FRIENDS/VIEWER views. */
  userToken?: string;
}

/** What lives as long as the server: the client, the caches and the batching settings. */
export interface ContextDependencies {
  horizon: HorizonClient;
  caches: SharedCaches;
  batchConcurrency: number;
}

/** Header the gateway forwards with the player's user access token. */
export const USER_TOKEN_HEADER = 'x-horizon-user-token';

export function createContext(
  deps: ContextDependencies,
  headers: Record<string, string | string[] | undefined>,
): GraphQLContext {
  const raw = headers[USER_TOKEN_HEADER];
  const userToken = (Array.isArray(raw) ? raw[0] : raw)?.trim() || undefined;
  return {
    horizon: deps.horizon,
    caches: deps.caches,
    loaders: createRequestLoaders(deps.horizon, deps.batchConcurrency),
    userToken,
  };
}
