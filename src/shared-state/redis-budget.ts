import {
  SlidingWindowBudget,
  type Admission,
  type BudgetHooks,
  type RateLimit,
  type UpstreamAdmission,
} from '../horizon/index.ts';
import { redisScript, type RedisConnection } from './redis-connection.ts';

/**
 * The sliding window as one atomic step on a sorted set scored in microseconds of Redis's own
 * clock (replicas' clocks never matter). A member is an attempt: scored `now + hold` while in
 * flight (a placeholder end, so the slot of a replica that died mid-call frees by itself), then
 * its real end (RELEASE). Members that ended a window ago are dropped; an attempt is admitted when
 * fewer than the limit remain, else the answer is when the oldest end leaves the window (at most
 * a window). One key, so it runs on a Redis Cluster too; TIME in a script needs effect
 * replication, the default since Redis 5 (and in Valkey).
 */
const NOW_US = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])`;

const ADMIT = redisScript(`${NOW_US}
local window = tonumber(ARGV[1]) * 1000
local limit = tonumber(ARGV[2])
local hold = tonumber(ARGV[4]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[1] + ARGV[4])
  return {1, limit - used - 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.min(math.ceil((tonumber(oldest[2]) + window - now) / 1000), tonumber(ARGV[1]))}
`);

const RELEASE = redisScript(`${NOW_US}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
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

  /**
   * `holdMs`: how long an attempt keeps its slot when its end is never reported (its replica
   * died); default 60 000, above any upstream timeout.
   */
  constructor(
    redis: RedisConnection,
    key: string,
    limit: RateLimit,
    hooks: BudgetHooks = {},
    readonly holdMs = 60_000,
  ) {
    this.#redis = redis;
    this.#key = key;
    this.#limit = limit;
    this.#hooks = hooks;
    this.#fallback = new SlidingWindowBudget(limit, { hooks });
  }

  async admit(): Promise<Admission> {
    if (!this.#redis.available) return this.#fallback.decide();
    let reply: unknown;
    const member = `${this.#redis.replicaId}:${++this.#sequence}`;
    try {
      reply = await this.#redis.run(
        ADMIT,
        [this.#key],
        [String(this.#limit.windowMs), String(this.#limit.calls), member, String(this.holdMs)],
      );
    } catch {
      return this.#fallback.decide();
    }
    const [admitted, value] = reply as [number, number];
    const admission: Admission = admitted
      ? { admitted: true, remaining: value, release: this.#releaser(member) }
      : { admitted: false, remaining: 0, retryAfterMs: Math.max(1, value) };
    this.#hooks.onDecision?.(admission.admitted, admission.remaining);
    return admission;
  }

  #releaser(member: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Not awaited: the attempt is over. If Redis misses it, the slot frees after holdMs.
      this.#redis.run(RELEASE, [this.#key], [member]).catch(() => undefined);
    };
  }
}
