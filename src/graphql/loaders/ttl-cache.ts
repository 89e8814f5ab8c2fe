/**
 * A small cache for data that changes rarely and is the same for every caller (achievement
 * definitions, leaderboard metadata, the catalog). It stores the promise, so concurrent requests
 * share one upstream call; a failed load is not kept. `ttlMs = 0` keeps nothing once a load has
 * settled, but callers that ask while it is in flight still share it (no N+1 within a request).
 */
export class TtlCache<V> {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: Promise<V>; expires: number; settled: boolean }>();

  constructor(ttlMs: number, now: () => number = Date.now) {
    if (!Number.isInteger(ttlMs) || ttlMs < 0)
      throw new TypeError(`TtlCache: ttlMs must be an integer >= 0, got ${ttlMs}`);
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The cached value for `key`, or the result of `load()` (cached for the TTL when it succeeds). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && (!hit.settled || hit.expires > this.#now())) return hit.value;
    const value = load();
    const entry = { value, expires: this.#now() + this.#ttlMs, settled: false };
    this.#entries.set(key, entry);
    const settle = (keep: boolean) => {
      entry.settled = true;
      if (!keep && this.#entries.get(key) === entry) this.#entries.delete(key);
    };
    value.then(
      () => settle(this.#ttlMs > 0),
      () => settle(false),
    );
    return value;
  }

  /** Forgets `key` (or everything), e.g. after one of our mutations changed the data. */
  invalidate(key?: string): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
