import type { HorizonClient } from '../horizon/index.ts';
import type { Logger } from '../logger.ts';
import type { Caller } from './auth/caller.ts';
import type { CallerResolver } from './auth/jwt-verifier.ts';
import type { IdempotencyStore } from './mutations/idempotency-store.ts';
import { createRequestLoaders, type LoaderHooks, type RequestLoaders } from './loaders/request-loaders.ts';
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
  /** Who is calling (from the forwarded JWT), for scope checks and audit lines. */
  caller: Caller;
  /** Where idempotency keys of non-idempotent writes are remembered. */
  idempotency: IdempotencyStore;
  /** The process logger (audit lines). */
  logger: Logger;
}

/** What lives as long as the server: the client, caches, batching settings, auth and stores. */
export interface ContextDependencies {
  horizon: HorizonClient;
  caches: SharedCaches;
  batchConcurrency: number;
  resolveCaller: CallerResolver;
  idempotency: IdempotencyStore;
  logger: Logger;
  /** Metrics callbacks of the per-request loaders (batch sizes, memo hits). */
  loaderHooks?: LoaderHooks;
}

/** Header the gateway forwards with the player's user access token. */
export const USER_TOKEN_HEADER = 'x-horizon-user-token';

export async function createContext(
  deps: ContextDependencies,
  headers: Record<string, string | string[] | undefined>,
): Promise<GraphQLContext> {
  const first = (name: string) => {
    const raw = headers[name];
    return (Array.isArray(raw) ? raw[0] : raw)?.trim() || undefined;
  };
  return {
    horizon: deps.horizon,
    caches: deps.caches,
    loaders: createRequestLoaders(deps.horizon, deps.batchConcurrency, deps.loaderHooks),
    userToken: first(USER_TOKEN_HEADER),
    caller: await deps.resolveCaller(first('authorization')),
    idempotency: deps.idempotency,
    logger: deps.logger,
  };
}
