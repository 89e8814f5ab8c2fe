import { randomUUID } from 'node:crypto';
import {
  IdempotencyStoreUnavailableError,
  type IdempotencyEntry,
  type IdempotencyStore,
  type StoredOutcome,
} from '../graphql/mutations/idempotency-store.ts';
import type { Logger } from '../logger.ts';
import { redisScript, type RedisConnection } from './redis-connection.ts';

/** Options of `RedisIdempotencyStore`. */
export interface RedisIdempotencyStoreOptions {
  /** Prepended to every key, e.g. `horizon:app:123:idem:`. */
  keyPrefix: string;
  logger: Logger;
  /** How long a key is remembered after its last change, ms. Default 24 h. */
  ttlMs?: number;
  /**
   * How long an in-flight claim stays valid without being renewed, ms. Its owner renews it every
   * third of that while the write runs; a claim not renewed in time (its replica died) turns in
   * doubt. Default 6 000.
   */
  leaseMs?: number;
}

// A key is one hash: s (state), f (fingerprint), o (owner of an in-flight claim), u (its lease
// end, ms of Redis's clock), r (a done outcome, JSON). One key per record: Redis Cluster safe.
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Claims a free key, or answers what it holds. An in-flight claim whose lease ran out (its owner
 * died mid-call, or lost Redis for longer than the lease) turns in doubt here, never free: the
 * write may have reached Meta, so no one may send it again.
 */
const CLAIM = redisScript(`${NOW_MS}
local state = redis.call('HGET', KEYS[1], 's')
if state then
  if state == 'in_flight' and tonumber(redis.call('HGET', KEYS[1], 'u')) < now then
    redis.call('HSET', KEYS[1], 's', 'in_doubt')
    redis.call('HDEL', KEYS[1], 'o', 'u')
  end
  return redis.call('HMGET', KEYS[1], 's', 'f', 'o', 'r')
end
redis.call('HSET', KEYS[1], 's', 'in_flight', 'f', ARGV[1], 'o', ARGV[2], 'u', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return false
`);

/** Extends the lease of a claim that is still ours and still in flight. */
const RENEW = redisScript(`${NOW_MS}
if redis.call('HGET', KEYS[1], 'o') == ARGV[1] and redis.call('HGET', KEYS[1], 's') == 'in_flight' then
  redis.call('HSET', KEYS[1], 'u', now + tonumber(ARGV[2]))
  return 1
end
return 0
`);

/** Records how the attempt ended (what we know now replaces an in-doubt guess). */
const SETTLE = redisScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 's', ARGV[1], 'f', ARGV[2], 'r', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

/** Frees the key, if our claim still holds it (not once someone judged it in doubt). */
const RELEASE = redisScript(`
if redis.call('HGET', KEYS[1], 'o') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** A claim this process holds. */
interface OwnClaim {
  owner: string;
  outcome: Promise<unknown>;
  renewal: NodeJS.Timeout;
}

/**
 * Idempotency keys in Redis, shared by every replica: an atomic claim (a Lua script: the key is
 * set only if absent, with the request's fingerprint, the claim's owner and its lease), the
 * definite outcome kept for the TTL, leases renewed while the write runs. Unreachable Redis makes
 * `claim` reject with `IdempotencyStoreUnavailableError`; `complete`, `markInDoubt` and `release`
 * never reject (see `IdempotencyStore`).
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  readonly #claims = new Map<string, OwnClaim>();

  constructor(redis: RedisConnection, options: RedisIdempotencyStoreOptions) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#leaseMs = options.leaseMs ?? 6_000;
    for (const [name, value] of [
      ['ttlMs', this.#ttlMs],
      ['leaseMs', this.#leaseMs],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 3)
        throw new TypeError(`RedisIdempotencyStore: ${name} must be an integer >= 3, got ${value}`);
    }
  }

  async claim(
    key: string,
    fingerprint: string,
    outcome: Promise<unknown>,
  ): Promise<IdempotencyEntry | undefined> {
    const owner = `${this.#redis.replicaId}:${randomUUID()}`;
    let reply: unknown;
    try {
      reply = await this.#redis.run(
        CLAIM,
        [this.#prefix + key],
        [fingerprint, owner, String(this.#leaseMs), String(this.#ttlMs)],
      );
    } catch (error) {
      throw new IdempotencyStoreUnavailableError(
        `idempotency store unreachable: ${(error as Error).message}`,
      );
    }
    if (reply === null) {
      const renewal = setInterval(() => void this.#renew(key, owner), Math.floor(this.#leaseMs / 3));
      renewal.unref();
      this.#claims.set(key, { owner, outcome, renewal });
      return undefined;
    }
    return this.#entry(key, reply as (string | null)[]);
  }

  async complete(key: string, fingerprint: string, result: StoredOutcome): Promise<void> {
    await this.#settle(key, 'done', fingerprint, JSON.stringify(result));
  }

  async markInDoubt(key: string, fingerprint: string): Promise<void> {
    await this.#settle(key, 'in_doubt', fingerprint, '');
  }

  async release(key: string): Promise<void> {
    const claim = this.#stop(key);
    if (!claim) return;
    await this.#redis
      .run(RELEASE, [this.#prefix + key], [claim.owner])
      .catch((error: unknown) => this.#unrecorded(key, 'release', error));
  }

  /** Stops renewing every claim (shutdown): they turn in doubt unless settled. */
  close(): void {
    for (const key of [...this.#claims.keys()]) this.#stop(key);
  }

  #entry(key: string, [state, fingerprint, owner, result]: (string | null)[]): IdempotencyEntry {
    if (state === 'done')
      return { state, fingerprint: fingerprint!, result: JSON.parse(result!) as StoredOutcome };
    if (state === 'in_flight') {
      // Running here: a repeat on this replica shares its outcome instead of polling.
      const own = this.#claims.get(key);
      return own && own.owner === owner
        ? { state, fingerprint: fingerprint!, outcome: own.outcome }
        : { state, fingerprint: fingerprint! };
    }
    return { state: 'in_doubt', fingerprint: fingerprint! };
  }

  async #settle(key: string, state: 'done' | 'in_doubt', fingerprint: string, result: string): Promise<void> {
    this.#stop(key);
    await this.#redis
      .run(SETTLE, [this.#prefix + key], [state, fingerprint, result, String(this.#ttlMs)])
      .catch((error: unknown) => this.#unrecorded(key, state, error));
  }

  async #renew(key: string, owner: string): Promise<void> {
    // A failed renewal is retried at the next tick; if Redis stays away past the lease, the
    // claim turns in doubt, which is the safe answer.
    await this.#redis.run(RENEW, [this.#prefix + key], [owner, String(this.#leaseMs)]).catch(() => undefined);
  }

  #stop(key: string): OwnClaim | undefined {
    const claim = this.#claims.get(key);
    if (claim) clearInterval(claim.renewal);
    this.#claims.delete(key);
    return claim;
  }

  #unrecorded(key: string, what: string, error: unknown): void {
    this.#logger.warn(
      { idempotencyKeyHash: key.slice(0, 12), outcome: what, err: (error as Error)?.message },
      'idempotency outcome not recorded (Redis unreachable): a repeat of this key will answer IDEMPOTENCY_IN_DOUBT',
    );
  }
}
