import DataLoader from 'dataloader';
import type pLimit from 'p-limit';
import { asFieldError } from '../errors.ts';

/** The request-scoped loaders, by the name they report in metrics. */
export type LoaderName =
  | 'achievementsByUser'
  | 'purchasesByUser'
  | 'appOwnershipByUser'
  | 'subscriptionsByUser'
  | 'userById'
  | 'leaderboardEntry';

/** Optional callbacks for metrics; they must be cheap and must not throw. */
export interface LoaderHooks {
  /** A batch function ran with `size` keys. */
  onBatch?(loader: LoaderName, size: number): void;
  /** `load()` found its key in the request's memo (hit) or not (miss). */
  onMemoLookup?(loader: LoaderName, hit: boolean): void;
}

/** What every loader of one request shares. */
export interface LoaderScope {
  /** Bounds the request's upstream calls in flight, across all its loaders. */
  limit: ReturnType<typeof pLimit>;
  hooks: LoaderHooks;
}

/**
 * A loader making one upstream call per distinct key, all of one batch in flight together (under
 * the request's limit). A failure is mapped to the caller's error once, here, for every key.
 */
export function perKeyLoader<V>(
  name: LoaderName,
  scope: LoaderScope,
  fetch: (key: string) => Promise<V>,
): DataLoader<string, V> {
  return new DataLoader<string, V>(
    (keys) => {
      scope.hooks.onBatch?.(name, keys.length);
      return Promise.all(keys.map((key) => scope.limit(() => fetch(key)).catch(asFieldError)));
    },
    { cacheMap: memo(name, scope.hooks) },
  );
}

/** The loader's memo; a plain `Map` unless memo lookups are counted. */
export function memo<V>(name: LoaderName, hooks: LoaderHooks): Map<string, Promise<V>> {
  const onLookup = hooks.onMemoLookup;
  if (!onLookup) return new Map();
  // DataLoader calls `get` once per `load()` (and per `prime()`, which we do not use).
  return new (class extends Map<string, Promise<V>> {
    override get(key: string): Promise<V> | undefined {
      const value = super.get(key);
      onLookup(name, value !== undefined);
      return value;
    }
  })();
}
