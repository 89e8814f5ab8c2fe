import {
  SlidingWindowBudget,
  type Admission,
  type BudgetHooks,
  type RateLimit,
  type UpstreamAdmission,
} from '../horizon/index.ts';
import { redisScript, type RedisConnection } from './redis-connection.ts';

/**
 * The sliding window as one atomic step on a sorted set of admitted start times (microseconds of
 * Redis's own clock, so replicas' clocks never matter): drop the starts older than the window,
 * admit when fewer than the limit remain, else answer when the oldest leaves the window.
 * One key, so it runs on a Redis Cluster too; TIME in a script needs effect replication, the
 * default since Redis 5 (and in Valkey).
 */
const SLIDE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1]) * 1000
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {1, limit - used - 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.ceil((tonumber(oldest[2]) + window - now) / 1000)}
`);

/**
 * One upstream budget for every replica of an app: `limit.calls` in any interval of
 * `limit.windowMs`, kept in Redis under `key`. While Redis cannot answer, each replica falls back
 * to the same budget of its own (so a fleet of R replicas may spend up to R times the budget
 * during a Redis outage; Meta's own throttling still answers RATE_LIMITED beyond its limits).
 */
export class RedisSlidingWindowBudget implements UpstreamAdmission {
  readonly #redis: RedisConnection;
  readonly #key: string;
  readonly #limit: RateLimit;
  readonly #fallback: SlidingWindowBudget;
  readonly #hooks: BudgetHooks;
  #sequence = 0;

  constructor(redis: RedisConnection, key: string, limit: RateLimit, hooks: BudgetHooks = {}) {
    this.#redis = redis;
    this.#key = key;
    this.#limit = limit;
    this.#hooks = hooks;
    this.#fallback = new SlidingWindowBudget(limit, { hooks });
  }

  async admit(): Promise<Admission> {
    if (!this.#redis.available) return this.#fallback.decide();
    let reply: unknown;
    try {
      const member = `${this.#redis.replicaId}:${++this.#sequence}`;
      reply = await this.#redis.run(
        SLIDE,
        [this.#key],
        [String(this.#limit.windowMs), String(this.#limit.calls), member],
      );
    } catch {
      return this.#fallback.decide();
    }
    const [admitted, value] = reply as [number, number];
    const admission: Admission = admitted
      ? { admitted: true, remaining: value }
      : { admitted: false, remaining: 0, retryAfterMs: Math.max(1, value) };
    this.#hooks.onDecision?.(admission.admitted, admission.remaining);
    return admission;
  }
}
