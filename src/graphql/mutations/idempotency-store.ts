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

/** In-memory store with a TTL and a cap on entries (oldest evicted first). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { record: IdempotencyRecord; expires: number }>();

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get(key: string): IdempotencyRecord | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.record;
  }

  set(key: string, record: IdempotencyRecord): void {
    this.#entries.delete(key);
    this.#entries.set(key, { record, expires: this.#now() + this.#ttlMs });
    // Maps iterate in insertion order, so the first key is the oldest.
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
