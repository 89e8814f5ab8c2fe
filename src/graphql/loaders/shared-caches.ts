import type { AchievementDefinition, CatalogItem, HorizonClient, Leaderboard } from '../../horizon/index.ts';
import { getAchievementDefinitions, getAvailablePurchases, getLeaderboards } from '../../horizon/index.ts';
import { TtlCache } from './ttl-cache.ts';

/** Optional callback for metrics; it must be cheap and must not throw. */
export interface SharedCacheHooks {
  /** A lookup in one of the caches was served from it (hit) or went upstream (miss). */
  onLookup?(cache: 'definitions' | 'leaderboards' | 'catalog', hit: boolean): void;
}

/**
 * Data cached across requests, keyed by name. All three are app-wide and change only through
 * the dashboard or our own mutations (which invalidate them).
 */
export class SharedCaches {
  readonly #definitions: TtlCache<Map<string, AchievementDefinition>>;
  readonly #leaderboards: TtlCache<Map<string, Leaderboard>>;
  readonly #catalog: TtlCache<Map<string, CatalogItem>>;
  readonly #hooks: SharedCacheHooks;

  constructor(ttlMs: number, hooks: SharedCacheHooks = {}) {
    this.#hooks = hooks;
    this.#definitions = new TtlCache(ttlMs);
    this.#leaderboards = new TtlCache(ttlMs);
    this.#catalog = new TtlCache(ttlMs);
  }

  /** Every achievement definition, archived ones included, by `api_name`. */
  definitions(client: HorizonClient): Promise<Map<string, AchievementDefinition>> {
    return this.#lookup('definitions', this.#definitions, async () => {
      const list = await getAchievementDefinitions(client, { includeArchived: true });
      return new Map(list.map((d) => [d.apiName, d]));
    });
  }

  /** Every leaderboard of the app, by `api_name`. */
  leaderboards(client: HorizonClient): Promise<Map<string, Leaderboard>> {
    return this.#lookup('leaderboards', this.#leaderboards, async () => {
      const list = await getLeaderboards(client);
      return new Map(list.flatMap((l) => (l.apiName ? [[l.apiName, l] as const] : [])));
    });
  }

  /** The app's catalog, by sku. */
  catalog(client: HorizonClient): Promise<Map<string, CatalogItem>> {
    return this.#lookup('catalog', this.#catalog, async () => {
      const list = await getAvailablePurchases(client);
      return new Map(list.map((item) => [item.sku, item]));
    });
  }

  /** The definition named `apiName`; the cache is refreshed once when it does not have it. */
  definition(client: HorizonClient, apiName: string): Promise<AchievementDefinition | undefined> {
    return findFresh(
      apiName,
      () => this.definitions(client),
      () => this.invalidateDefinitions(),
    );
  }

  /** The leaderboard named `apiName`; the cache is refreshed once when it does not have it. */
  leaderboard(client: HorizonClient, apiName: string): Promise<Leaderboard | undefined> {
    return findFresh(
      apiName,
      () => this.leaderboards(client),
      () => this.invalidateLeaderboards(),
    );
  }

  invalidateDefinitions(): void {
    this.#definitions.invalidate();
  }

  invalidateLeaderboards(): void {
    this.#leaderboards.invalidate();
  }

  /** `cache.get('all', load)`, telling the hook whether `load` had to run. */
  #lookup<V>(
    name: 'definitions' | 'leaderboards' | 'catalog',
    cache: TtlCache<V>,
    load: () => Promise<V>,
  ): Promise<V> {
    let missed = false;
    const value = cache.get('all', () => {
      missed = true;
      return load();
    });
    this.#hooks.onLookup?.(name, !missed);
    return value;
  }
}

/**
 * `key` from a cached map, reading it once more when missing: something created since the cache
 * was filled (in the dashboard, or by another replica) is found without waiting for the TTL.
 */
async function findFresh<V>(
  key: string,
  read: () => Promise<Map<string, V>>,
  invalidate: () => void,
): Promise<V | undefined> {
  const cached = await read();
  if (cached.has(key)) return cached.get(key);
  invalidate();
  return (await read()).get(key);
}
