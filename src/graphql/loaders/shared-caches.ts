import type { AchievementDefinition, CatalogItem, HorizonClient, Leaderboard } from '../../horizon/index.ts';
import { getAchievementDefinitions, getAvailablePurchases, getLeaderboards } from '../../horizon/index.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * Data cached across requests, keyed by name. All three are app-wide and change only through
 * the dashboard or our own mutations (which invalidate them).
 */
export class SharedCaches {
  readonly #definitions: TtlCache<Map<string, AchievementDefinition>>;
  readonly #leaderboards: TtlCache<Map<string, Leaderboard>>;
  readonly #catalog: TtlCache<Map<string, CatalogItem>>;

  constructor(ttlMs: number) {
    this.#definitions = new TtlCache(ttlMs);
    this.#leaderboards = new TtlCache(ttlMs);
    this.#catalog = new TtlCache(ttlMs);
  }

  /** Every achievement definition, archived ones included, by `api_name`. */
  definitions(client: HorizonClient): Promise<Map<string, AchievementDefinition>> {
    return this.#definitions.get('all', async () => {
      const list = await getAchievementDefinitions(client, { includeArchived: true });
      return new Map(list.map((d) => [d.apiName, d]));
    });
  }

  /** Every leaderboard of the app, by `api_name`. */
  leaderboards(client: HorizonClient): Promise<Map<string, Leaderboard>> {
    return this.#leaderboards.get('all', async () => {
      const list = await getLeaderboards(client);
      return new Map(list.flatMap((l) => (l.apiName ? [[l.apiName, l] as const] : [])));
    });
  }

  /** The app's catalog, by sku. */
  catalog(client: HorizonClient): Promise<Map<string, CatalogItem>> {
    return this.#catalog.get('all', async () => {
      const list = await getAvailablePurchases(client);
      return new Map(list.map((item) => [item.sku, item]));
    });
  }

  invalidateDefinitions(): void {
    this.#definitions.invalidate();
  }

  invalidateLeaderboards(): void {
    this.#leaderboards.invalidate();
  }

  invalidateCatalog(): void {
    this.#catalog.invalidate();
  }
}
