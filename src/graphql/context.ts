import type { Logger } from '../logger.ts';
import type { Caller } from './auth/caller.ts';
import type { CallerResolver } from './auth/jwt-verifier.ts';
import { DataSources, type DataSourceDependencies } from './data/index.ts';
import { OperationBudget } from './limits/operation-budget.ts';
import type { IdempotencyStore } from './mutations/idempotency-store.ts';
import type { PurchaseEventLog } from '../events/purchase-event-log.ts';

/** Everything a resolver may use. Created once per GraphQL request. */
export interface GraphQLContext {
  /** The operation's data sources, one per domain; the only way to upstream data. */
  data: DataSources;
  /** The player's user access token from `x-horizon-user-token`, for FRIENDS/VIEWER views. */
  userToken?: string;
  /** Who is calling (from the forwarded JWT), for scope checks and audit lines. */
  caller: Caller;
  /** Where idempotency keys of non-idempotent writes are remembered. */
  idempotency: IdempotencyStore;
  /** The process logger (audit lines). */
  logger: Logger;
  /** Purchase and subscription events from Meta's webhooks (one log per server). */
  purchaseEvents: PurchaseEventLog;
}

/** What lives as long as the server: the client, shared lists, limits, auth and stores. */
export interface ContextDependencies extends DataSourceDependencies {
  resolveCaller: CallerResolver;
  idempotency: IdempotencyStore;
  logger: Logger;
  purchaseEvents: PurchaseEventLog;
  /** Most upstream calls one operation may make (`MAX_UPSTREAM_COST`), enforced call by call. */
  maxUpstreamCalls: number;
  /** Deadline of one operation's upstream calls, ms (`REQUEST_DEADLINE_MS`). */
  deadlineMs?: number;
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
    data: new DataSources(deps, new OperationBudget(deps.maxUpstreamCalls, deps.deadlineMs)),
    userToken: first(USER_TOKEN_HEADER),
    caller: await deps.resolveCaller(first('authorization')),
    idempotency: deps.idempotency,
    logger: deps.logger,
    purchaseEvents: deps.purchaseEvents,
  };
}
