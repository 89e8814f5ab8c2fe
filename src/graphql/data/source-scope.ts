import {
  getAchievementDefinitions,
  getAvailablePurchases,
  getLeaderboards,
  type AchievementDefinition,
  type CatalogItem,
  type HorizonTransport,
  type Leaderboard,
} from '../../horizon/index.ts';
import type { LoaderScope } from '../loaders/per-key-loader.ts';
import type { SharedListName } from './cost.ts';
import { SharedList, type ListInvalidation, type SharedListHooks } from '../loaders/shared-list.ts';

/** The lists every request shares, one of each per server (per app). */
export interface SharedLists {
  /** Every achievement definition, archived ones included, by `api_name`. */
  definitions: SharedList<AchievementDefinition>;
  /** Every leaderboard of the app, by `api_name`. */
  leaderboards: SharedList<Leaderboard>;
  /** The app's catalog, by sku. */
  catalog: SharedList<CatalogItem>;
}

/**
 * The server's shared lists. With `invalidation`, a list one of our writes changed is dropped on
 * every replica, and a list another replica changed is dropped here.
 */
export function createSharedLists(
  ttlMs: number,
  hooks: SharedListHooks = {},
  invalidation?: ListInvalidation,
): SharedLists {
  const options = {
    ttlMs,
    hooks,
    onInvalidate: invalidation && ((list: SharedListName) => invalidation.publish(list)),
  };
  const lists: SharedLists = {
    definitions: new SharedList(
      'definitions',
      async (transport) =>
        new Map(
          (await getAchievementDefinitions(transport, { includeArchived: true })).map((d) => [d.apiName, d]),
        ),
      options,
    ),
    leaderboards: new SharedList(
      'leaderboards',
      async (transport) =>
        new Map(
          (await getLeaderboards(transport)).flatMap((l) => (l.apiName ? [[l.apiName, l] as const] : [])),
        ),
      options,
    ),
    catalog: new SharedList(
      'catalog',
      async (transport) => new Map((await getAvailablePurchases(transport)).map((item) => [item.sku, item])),
      options,
    ),
  };
  invalidation?.subscribe((name) => {
    for (const list of Object.values(lists)) if (name === 'all' || list.name === name) list.forget();
  });
  return lists;
}

/** What every data source of one operation works with. */
export interface SourceScope {
  /** The client as this operation sees it: every call counts against the operation's limit. */
  transport: HorizonTransport;
  /** The operation's concurrency limit and loader metrics. */
  loaders: LoaderScope;
  /** The server's shared lists. */
  lists: SharedLists;
}
