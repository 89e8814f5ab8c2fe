/**
 * State that replicas of the subgraph share through Redis (`REDIS_URL`): idempotency keys, the
 * upstream call budget, and invalidations of the shared lists. Each piece implements an interface
 * that also has an in-process implementation, used when there is no Redis.
 */
import type { SharedListName } from '../graphql/data/cost.ts';
import type { BudgetHooks, RateLimit, UpstreamAdmission } from '../horizon/index.ts';
import type { Logger } from '../logger.ts';
import { RedisSlidingWindowBudget } from './redis-budget.ts';
import { RedisConnection } from './redis-connection.ts';
import { RedisCoolDownChannel } from './redis-cool-down.ts';
import { RedisFieldRefusals } from './redis-field-refusals.ts';
import { RedisIdempotencyStore } from './redis-idempotency-store.ts';
import { RedisListInvalidation } from './redis-list-invalidation.ts';
import { RedisPurchaseEventLog } from './redis-purchase-event-log.ts';

export { RedisConnection } from './redis-connection.ts';
export { RedisSlidingWindowBudget } from './redis-budget.ts';
export { RedisIdempotencyStore } from './redis-idempotency-store.ts';
export { RedisListInvalidation } from './redis-list-invalidation.ts';
export { RedisCoolDownChannel } from './redis-cool-down.ts';
export { RedisFieldRefusals } from './redis-field-refusals.ts';
export { RedisPurchaseEventLog } from './redis-purchase-event-log.ts';

/** Options of `createRedisSharedState`. */
export interface RedisSharedStateOptions {
  /** `redis://` or `rediss://` URL (`REDIS_URL`). */
  url: string;
  /** Prefix of every key and channel (`REDIS_KEY_PREFIX`); the app id follows it. */
  keyPrefix: string;
  /** The Meta app whose state this is: keys of different apps never meet. */
  appId: string;
  logger: Logger;
  /** For metrics. */
  onInvalidationReceived?(list: SharedListName | 'all'): void;
  /** How long an in-flight idempotency claim lives without renewal, ms. Default 6 000. */
  idempotencyLeaseMs?: number;
  /** Purchase events: the stream's bound (`HORIZON_EVENTS_MAX`) and the dedupe TTL, s (`HORIZON_WEBHOOK_DEDUPE_TTL_S`). */
  purchaseEvents: { max: number; dedupeTtlSeconds: number };
}

/** What a server needs of the shared state. */
export interface SharedState {
  idempotency: RedisIdempotencyStore;
  invalidation: RedisListInvalidation;
  /** Pauses after Meta throttled the app, told to and heard from the other replicas. */
  coolDown: RedisCoolDownChannel;
  /** Optional upstream fields Meta refused, known to every replica. */
  fieldRefusals: RedisFieldRefusals;
  /** Purchase events: the fleet's log, and the dedupe of webhook deliveries. */
  purchaseEvents: RedisPurchaseEventLog;
  /** The app's budget on Redis (with a per-replica fallback while Redis is away). */
  budget(limit: RateLimit, hooks?: BudgetHooks): UpstreamAdmission;
  /** Whether Redis answers commands now (readiness, metrics). */
  readonly available: boolean;
  /** Whether invalidations from other replicas arrive now (metrics). */
  readonly invalidationsLive: boolean;
  close(): Promise<void>;
}

/**
 * Connects (in the background: a replica serves without Redis) and builds every shared piece for
 * one app. Keys: `{prefix}app:{appId}:idem:{scoped key hash}` (a hash per key),
 * `{prefix}app:{appId}:budget` (a sorted set), `{prefix}app:{appId}:refused-fields` (a hash),
 * `{prefix}app:{appId}:events` (the purchase events stream),
 * `{prefix}app:{appId}:webhook:seen:{delivery key}` (webhook dedupe); channels
 * `{prefix}app:{appId}:invalidate`, `{prefix}app:{appId}:events:live` and
 * `{prefix}app:{appId}:cool-down` (throttling pauses).
 */
export function createRedisSharedState(options: RedisSharedStateOptions): SharedState {
  const redis = new RedisConnection({ url: options.url, logger: options.logger });
  const base = `${options.keyPrefix}app:${options.appId}:`;
  const idempotency = new RedisIdempotencyStore(redis, {
    keyPrefix: `${base}idem:`,
    logger: options.logger,
    leaseMs: options.idempotencyLeaseMs,
  });
  const invalidation = new RedisListInvalidation(redis, `${base}invalidate`, options.logger, {
    onReceived: options.onInvalidationReceived,
  });
  const purchaseEvents = new RedisPurchaseEventLog(redis, {
    streamKey: `${base}events`,
    dedupeKeyPrefix: `${base}webhook:seen:`,
    channel: `${base}events:live`,
    ...options.purchaseEvents,
    logger: options.logger,
  });
  const coolDown = new RedisCoolDownChannel(redis, `${base}cool-down`, options.logger);
  const fieldRefusals = new RedisFieldRefusals(redis, `${base}refused-fields`);
  redis.start();
  return {
    idempotency,
    invalidation,
    coolDown,
    fieldRefusals,
    purchaseEvents,
    budget: (limit, hooks) => new RedisSlidingWindowBudget(redis, `${base}budget`, limit, hooks),
    get available() {
      return redis.available;
    },
    get invalidationsLive() {
      return invalidation.live;
    },
    close: async () => {
      idempotency.close();
      await redis.close();
    },
  };
}
