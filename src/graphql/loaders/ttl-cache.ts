/**
 * A small cache for data that changes rarely and is the same for every caller (achievement
 * definitions, leaderboard metadata, the catalog). It stores the promise, so concurrent requests
 * share one upstream call; a failed load is not kept. `ttlMs = 0` disables caching.
 */
export class TtlCache<V> {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: Promise<V>; expires: number }>();

  constructor(ttlMs: number, now: () => number = Date.now) {
    if (!Number.isInteger(ttlMs) || ttlMs < 0)
      throw new TypeError(`TtlCache: ttlMs must be an integer >= 0, got ${ttlMs}`);
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The cached value for `key`, or the result of `load()` (cached for the TTL when it succeeds). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.#now()) return hit.value;
    const value = load();
    if (this.#ttlMs > 0) {
      const entry = { value, expires: this.#now() + this.#ttlMs };
      this.#entries.set(key, entry);
      value.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
    }
    return value;
  }

  /** Forgets `key` (or everything), e.g. after one of our mutations changed the data. */
  invalidate(key?: string): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
