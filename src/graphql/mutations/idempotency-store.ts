import { LRUCache } from 'lru-cache';

/** What a store remembers for one idempotency key. */
export interface IdempotencyRecord {
  /** Fingerprint of the mutation and its arguments (without the key). */
  fingerprint: string;
  /** The first call's outcome; shared by concurrent repeats while it runs. */
  outcome: Promise<unknown>;
}

/**
 * Where idempotency keys live. In-memory now; a shared store (Redis, a database) can implement the
 * same interface when several replicas must agree.
 */
export interface IdempotencyStore {
  /** The record for `key`, if it is still remembered. */
  get(key: string): IdempotencyRecord | undefined;
  /** Remembers `record` under `key` for the store's TTL. */
  set(key: string, record: IdempotencyRecord): void;
}

/** Options of `InMemoryIdempotencyStore`. */
export interface InMemoryIdempotencyStoreOptions {
  /** How long a key is remembered after it was set, in ms (an entry exactly ttlMs old is kept). Default 24 h. */
  ttlMs?: number;
  /** How many keys are remembered at most; the oldest is evicted first. Default 100,000. */
  maxEntries?: number;
  /** The clock for the TTL, in ms (never 0, e.g. a test clock). Default a monotonic clock. */
  now?: () => number;
}

/** In-memory store with a TTL and a cap on entries (oldest evicted first), on `lru-cache`. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #records: LRUCache<string, IdempotencyRecord>;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    const { ttlMs = 24 * 60 * 60 * 1000, maxEntries = 100_000, now } = options;
    // lru-cache reads a ttl of 0 as "forever", so a TTL must be given as a positive integer.
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
      throw new TypeError(`InMemoryIdempotencyStore: ttlMs must be an integer >= 1, got ${ttlMs}`);
    }
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`InMemoryIdempotencyStore: maxEntries must be an integer >= 1, got ${maxEntries}`);
    }
    // ttlResolution 0: read the clock on every lookup instead of caching it behind a timer.
    this.#records = new LRUCache({
      max: maxEntries,
      ttl: ttlMs,
      ttlResolution: 0,
      perf: now ? { now } : undefined,
    });
  }

  get(key: string): IdempotencyRecord | undefined {
    // peek, not get: a repeat must not refresh the key's place, so eviction stays oldest-set first.
    return this.#records.peek(key);
  }

  set(key: string, record: IdempotencyRecord): void {
    // Setting a key again makes it the newest and restarts its TTL.
    this.#records.set(key, record);
  }
}
