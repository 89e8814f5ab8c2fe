import { LRUCache } from 'lru-cache';

/** A definite outcome, stored as data so that any store (memory, Redis) can keep it. */
export type StoredOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: { message: string; extensions: Record<string, unknown> } };

/** What a store knows of one idempotency key. */
export type IdempotencyEntry =
  /** The first attempt is running; `outcome` is there when it runs in this process. */
  | { state: 'in_flight'; fingerprint: string; outcome?: Promise<unknown> }
  /** The first attempt ended with a definite outcome: a repeat gets it again. */
  | { state: 'done'; fingerprint: string; result: StoredOutcome }
  /** The first attempt may or may not have been applied upstream: no repeat may write again. */
  | { state: 'in_doubt'; fingerprint: string };

/**
 * Where idempotency keys live. Keys arrive already scoped by caller and operation. In memory
 * here; a shared store (Redis) implements the same interface when several replicas must agree.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for a first attempt (then returns undefined), or returns what is known of it.
   * Atomic: of concurrent claims of one key, exactly one succeeds. Rejects with
   * `IdempotencyStoreUnavailableError` when the store cannot answer. A shared store may answer
   * `in_flight` without `outcome` (the attempt runs in another process); asking again later
   * tells how it ended.
   */
  claim(key: string, fingerprint: string, outcome: Promise<unknown>): Promise<IdempotencyEntry | undefined>;
  // complete, markInDoubt and release never reject: a shared store that cannot record them
  // leaves the claim to turn in doubt once its lease runs out (never free: no second write).
  /** The attempt ended with a definite outcome; remember it for the store's TTL. */
  complete(key: string, fingerprint: string, result: StoredOutcome): Promise<void>;
  /** The attempt may have been applied; remember that for the store's TTL. */
  markInDoubt(key: string, fingerprint: string): Promise<void>;
  /** The attempt was not applied: the key is free for a retry with it. */
  release(key: string): Promise<void>;
}

/**
 * A store that cannot answer (Redis unreachable): thrown by `claim`, so that a keyed write fails
 * closed, before any upstream call, with `IDEMPOTENCY_STORE_UNAVAILABLE`.
 */
export class IdempotencyStoreUnavailableError extends Error {
  override readonly name = 'IdempotencyStoreUnavailableError';
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
  readonly #entries: LRUCache<string, IdempotencyEntry>;

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
    this.#entries = new LRUCache({
      max: maxEntries,
      ttl: ttlMs,
      ttlResolution: 0,
      perf: now ? { now } : undefined,
    });
  }

  /** What is known of `key`, without claiming it. */
  get(key: string): IdempotencyEntry | undefined {
    // peek, not get: a repeat must not refresh the key's place, so eviction stays oldest-set first.
    return this.#entries.peek(key);
  }

  async claim(
    key: string,
    fingerprint: string,
    outcome: Promise<unknown>,
  ): Promise<IdempotencyEntry | undefined> {
    const known = this.get(key);
    if (known) return known;
    this.#entries.set(key, { state: 'in_flight', fingerprint, outcome });
    return undefined;
  }

  async complete(key: string, fingerprint: string, result: StoredOutcome): Promise<void> {
    // Setting a key again makes it the newest and restarts its TTL.
    this.#entries.set(key, { state: 'done', fingerprint, result });
  }

  async markInDoubt(key: string, fingerprint: string): Promise<void> {
    this.#entries.set(key, { state: 'in_doubt', fingerprint });
  }

  async release(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}
