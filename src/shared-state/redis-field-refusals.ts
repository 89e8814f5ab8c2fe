import type { SharedFieldRefusals } from '../horizon/index.ts';
import type { RouteTemplate } from '../shared/routes.ts';
import { redisScript, type RedisConnection } from './redis-connection.ts';

/** Milliseconds of Redis's own clock: replicas' clocks never matter. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Sets member → end of its TTL; the hash lives as long as its longest member. */
const RECORD = redisScript(`${NOW_MS}
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], now + ttl)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`);

/** Members that start with ARGV[1], each with the time it has left; ended ones are dropped. */
const LOAD = redisScript(`${NOW_MS}
local all = redis.call('HGETALL', KEYS[1])
local found = {}
for i = 1, #all, 2 do
  local left = tonumber(all[i + 1]) - now
  if left <= 0 then
    redis.call('HDEL', KEYS[1], all[i])
  elseif string.sub(all[i], 1, #ARGV[1]) == ARGV[1] then
    table.insert(found, all[i])
    table.insert(found, left)
  end
end
return found
`);

const SEPARATOR = '\u0000';

/**
 * Refused optional fields of every replica of an app, in one Redis hash under `key`: member
 * `route NUL field`, value the end of its TTL on Redis's clock. While Redis cannot answer, each
 * replica keeps its own refusals (a refused field then costs one refused call per replica).
 */
export class RedisFieldRefusals implements SharedFieldRefusals {
  readonly #redis: RedisConnection;
  readonly #key: string;

  constructor(redis: RedisConnection, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async load(route: RouteTemplate): Promise<{ field: string; remainingMs: number }[]> {
    if (!this.#redis.available) return [];
    let reply: unknown;
    try {
      reply = await this.#redis.run(LOAD, [this.#key], [`${route}${SEPARATOR}`]);
    } catch {
      return [];
    }
    const flat = Array.isArray(reply) ? reply : [];
    const found: { field: string; remainingMs: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      found.push({ field: String(flat[i]).slice(route.length + 1), remainingMs: Number(flat[i + 1]) });
    }
    return found;
  }

  record(route: RouteTemplate, field: string, ttlMs: number): void {
    if (!this.#redis.available) return;
    this.#redis
      .run(RECORD, [this.#key], [`${route}${SEPARATOR}${field}`, String(Math.round(ttlMs))])
      .catch(() => undefined);
  }
}
