import { LRUCache } from 'lru-cache';
import type { HorizonTransport } from '../../horizon/index.ts';
import type { SharedListName } from '../data/cost.ts';
import { mapFailure } from '../errors.ts';

/** Optional callback for metrics; it must be cheap and must not throw. */
export interface SharedListHooks {
  /** An operation's first read of a list was served from the cache (hit) or went upstream (miss). */
  onLookup?(list: SharedListName, hit: boolean): void;
}

/**
 * How replicas tell each other that a list changed (Redis pub/sub across replicas; nothing in one
 * process). Delivery is best effort: a replica that misses a message serves the list until its TTL.
 */
export interface ListInvalidation {
  /** Tells the other replicas that `list` changed; must not throw. */
  publish(list: SharedListName): void;
  /**
   * Calls `drop` for each list another replica changed, and with `all` when messages may have been
   * missed (the subscription was lost and is back).
   */
  subscribe(drop: (list: SharedListName | 'all') => void): void;
}

/** Most names remembered as unknown per list. */
const MAX_UNKNOWN_NAMES = 10_000;
/** Least time between two refreshes of a list caused by a name it did not have. */
const MAX_REFRESH_INTERVAL_MS = 5_000;

/**
 * An app-wide list (achievement definitions, leaderboards, the catalog) read from upstream and
 * shared by every request for `ttlMs`, by name. Built on `lru-cache`: a load is single-flight
 * (concurrent readers share one upstream call), and a failed load is not kept. With `ttlMs = 0`
 * nothing is kept across operations; one operation still reads a list at most once (`ListReader`).
 *
 * A name the list does not have may be new (created in the dashboard, or by another replica), so
 * the list is refreshed once, but at most once per `min(ttlMs, 5 s)` across all callers; a name
 * still missing is remembered as unknown for the TTL, so repeated asks for names that do not
 * exist never reach upstream. A refresh replaces the list only when it succeeds: a miss never
 * empties the cache for other callers.
 */
export class SharedList<V> {
  readonly name: SharedListName;
  readonly #lists: LRUCache<'all', Map<string, V>, HorizonTransport>;
  readonly #unknown: LRUCache<string, true> | undefined;
  readonly #refreshIntervalMs: number;
  readonly #hooks: SharedListHooks;
  readonly #onInvalidate?: (list: SharedListName) => void;
  #loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    name: SharedListName,
    load: (transport: HorizonTransport) => Promise<Map<string, V>>,
    options: {
      ttlMs: number;
      hooks?: SharedListHooks;
      /** Least time between two refreshes for missing names. Default `min(ttlMs, 5 s)`. */
      refreshIntervalMs?: number;
      /** Told after `invalidate()` (our own write changed the list), e.g. to tell other replicas. */
      onInvalidate?: (list: SharedListName) => void;
    },
  ) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 0)
      throw new TypeError(`SharedList: ttlMs must be an integer >= 0, got ${options.ttlMs}`);
    this.name = name;
    this.#hooks = options.hooks ?? {};
    this.#onInvalidate = options.onInvalidate;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? Math.min(options.ttlMs, MAX_REFRESH_INTERVAL_MS);
    this.#lists = new LRUCache({
      max: 1,
      // lru-cache reads ttl 0 as "forever": 1 ms keeps a list just for the readers of its load.
      ttl: Math.max(options.ttlMs, 1),
      fetchMethod: async (_key, _stale, { context }) => {
        this.#loadedAt = Date.now();
        return load(context);
      },
    });
    this.#unknown =
      options.ttlMs > 0 ? new LRUCache({ max: MAX_UNKNOWN_NAMES, ttl: options.ttlMs }) : undefined;
  }

  /** The list, from the cache or (cold, expired) loaded through `transport`. */
  async read(transport: HorizonTransport): Promise<Map<string, V>> {
    const status: LRUCache.Status<'all', Map<string, V>, HorizonTransport> = {};
    const list = this.#lists.fetch('all', { context: transport, status });
    this.#hooks.onLookup?.(this.name, status.fetch === 'hit' || status.fetch === 'inflight');
    return (await list) ?? new Map();
  }

  /**
   * Reads the list again unless that was done less than the refresh interval ago (then, or when
   * the refresh fails, the cached list is the answer). Returns undefined when it did not refresh.
   */
  refresh(transport: HorizonTransport): Promise<Map<string, V>> | undefined {
    if (Date.now() - this.#loadedAt < this.#refreshIntervalMs) return undefined;
    return this.#lists
      .fetch('all', { context: transport, forceRefresh: true, allowStaleOnFetchRejection: true })
      .then((list) => list ?? this.read(transport));
  }

  /** True when `name` was looked for and not found within the TTL. */
  isUnknown(name: string): boolean {
    return this.#unknown?.has(name) ?? false;
  }

  rememberUnknown(name: string): void {
    this.#unknown?.set(name, true);
  }

  /** How many names the cached list holds, without reading it; undefined when not cached. */
  size(): number | undefined {
    return this.#lists.peek('all')?.size;
  }

  /** Forgets the list and the unknown names after one of our writes changed them, here and on other replicas. */
  invalidate(): void {
    this.forget();
    this.#onInvalidate?.(this.name);
  }

  /** Forgets the list and the unknown names in this process only (another replica changed them). */
  forget(): void {
    this.#lists.clear();
    this.#unknown?.clear();
    this.#loadedAt = Number.NEGATIVE_INFINITY;
  }
}

/**
 * One operation's view of a shared list: it reads the list at most once and refreshes it at most
 * once (never both), which is the "at most one call per operation" the cost guard counts.
 */
export class ListReader<V> {
  readonly #shared: SharedList<V>;
  readonly #transport: HorizonTransport;
  #list: Promise<Map<string, V>> | undefined;
  #mayRefresh = true;

  constructor(shared: SharedList<V>, transport: HorizonTransport) {
    this.#shared = shared;
    this.#transport = transport;
  }

  /** The whole list; a failed read rejects with the caller's error (`mapFailure`). */
  all(): Promise<Map<string, V>> {
    if (!this.#list) {
      // Not cached: this read is a load, and a list loaded by this operation is not refreshed.
      if (this.#shared.size() === undefined) this.#mayRefresh = false;
      this.#list = mapFailure(this.#shared.read(this.#transport));
    }
    return this.#list;
  }

  /** The entry named `name`, or undefined when upstream does not know it (see `SharedList`). */
  async find(name: string): Promise<V | undefined> {
    const list = await this.all();
    if (list.has(name) || this.#shared.isUnknown(name)) return list.get(name);
    if (this.#mayRefresh) {
      this.#mayRefresh = false;
      const refreshed = this.#shared.refresh(this.#transport);
      if (refreshed) this.#list = mapFailure(refreshed);
    }
    // The latest read of this operation: a refresh started here or by a concurrent lookup.
    const latest = await this.#list!;
    if (!latest.has(name)) this.#shared.rememberUnknown(name);
    return latest.get(name);
  }

  /** Forgets the shared list (after a write changed it); the next read in this operation loads it. */
  invalidate(): void {
    this.#shared.invalidate();
    this.#list = undefined;
    this.#mayRefresh = true;
  }
}
