import DataLoader from 'dataloader';
import pLimit from 'p-limit';
import type {
  AchievementProgress,
  EntitlementCheck,
  HorizonClient,
  HorizonUser,
  Purchase,
  Subscription,
} from '../../horizon/index.ts';
import type { LeaderboardEntryParent } from '../resolvers/parents.ts';
import {
  HorizonApiError,
  getAllLeaderboardEntries,
  getSubscriptions,
  getUser,
  getUserAchievements,
  getViewerPurchases,
  verifyEntitlement,
} from '../../horizon/index.ts';

/** A player's entry on one leaderboard, the key of the `leaderboardEntry` loader. */
export interface LeaderboardEntryKey {
  leaderboard: string;
  userId: string;
}

/**
 * Per-request DataLoaders. Each batch function chooses the cheapest upstream plan the API
 * allows for its keys: one call per distinct user for per-user endpoints, one `USER_IDS` call per
 * leaderboard for entries. A key asked twice in one request is served from the loader's memo.
 */
export interface RequestLoaders {
  /** `GET /{user_id}/achievements`, one call per distinct user. */
  achievementsByUser: DataLoader<string, AchievementProgress[]>;
  /** `GET /{app_id}/viewer_purchases`, one call (plus pages) per distinct user. */
  purchasesByUser: DataLoader<string, Purchase[]>;
  /** `POST /{app_id}/verify_entitlement` without sku: does the user own the app? */
  appOwnershipByUser: DataLoader<string, EntitlementCheck>;
  /** `GET /application/subscriptions?owner_id=`, one call per distinct user. */
  subscriptionsByUser: DataLoader<string, Subscription[]>;
  /** `GET /{user_id}`, one call per distinct user. */
  userById: DataLoader<string, HorizonUser>;
  /** `GET /leaderboard_entries?filter=USER_IDS`: one call per leaderboard for the whole batch. */
  leaderboardEntry: DataLoader<LeaderboardEntryKey, LeaderboardEntryParent | null, string>;
}

/** Most user ids sent in one `USER_IDS` call; larger batches are split. */
export const USER_IDS_PER_CALL = 100;

/** Optional callbacks for metrics; they must be cheap and must not throw. */
export interface LoaderHooks {
  /** A batch function ran with `size` keys. */
  onBatch?(loader: keyof RequestLoaders, size: number): void;
  /** `load()` found its key in the request's memo (hit) or not (miss). */
  onMemoLookup?(loader: keyof RequestLoaders, hit: boolean): void;
}

export function createRequestLoaders(
  client: HorizonClient,
  concurrency: number,
  hooks: LoaderHooks = {},
): RequestLoaders {
  // One limiter per request: a query touching several loaders still keeps at most `concurrency`
  // of its upstream calls in flight.
  const limit = pLimit(concurrency);
  const perKey = <V>(name: keyof RequestLoaders, fetch: (key: string) => Promise<V>) =>
    new DataLoader<string, V>(
      (keys) => {
        hooks.onBatch?.(name, keys.length);
        return Promise.all(keys.map((key) => limit(() => fetch(key)).catch(asError)));
      },
      { cacheMap: memo(name, hooks) },
    );

  return {
    achievementsByUser: perKey('achievementsByUser', (userId) => getUserAchievements(client, { userId })),
    purchasesByUser: perKey('purchasesByUser', (userId) => getViewerPurchases(client, { userId })),
    appOwnershipByUser: perKey('appOwnershipByUser', (userId) => verifyEntitlement(client, { userId })),
    subscriptionsByUser: perKey('subscriptionsByUser', (ownerId) => getSubscriptions(client, { ownerId })),
    userById: perKey('userById', (userId) => getUser(client, { userId })),
    leaderboardEntry: new DataLoader<LeaderboardEntryKey, LeaderboardEntryParent | null, string>(
      (keys) => {
        hooks.onBatch?.('leaderboardEntry', keys.length);
        return loadEntries(client, keys, limit);
      },
      {
        cacheKeyFn: (key) => `${key.leaderboard}\u0000${key.userId}`,
        cacheMap: memo('leaderboardEntry', hooks),
      },
    ),
  };
}

async function loadEntries(
  client: HorizonClient,
  keys: readonly LeaderboardEntryKey[],
  limit: ReturnType<typeof pLimit>,
): Promise<(LeaderboardEntryParent | null | Error)[]> {
  const usersByBoard = new Map<string, string[]>();
  for (const { leaderboard, userId } of keys) {
    const users = usersByBoard.get(leaderboard) ?? [];
    users.push(userId);
    usersByBoard.set(leaderboard, users);
  }
  const results = new Map<string, Map<string, LeaderboardEntryParent | Error> | Error>();
  await Promise.all(
    [...usersByBoard].map(async ([leaderboard, userIds]) => {
      try {
        const found = new Map<string, LeaderboardEntryParent | Error>();
        await Promise.all(
          chunk(userIds, USER_IDS_PER_CALL).map((ids) => readEntries(client, leaderboard, ids, limit, found)),
        );
        results.set(leaderboard, found);
      } catch (error) {
        results.set(leaderboard, asError(error));
      }
    }),
  );
  return keys.map(({ leaderboard, userId }) => {
    const board = results.get(leaderboard);
    return board instanceof Error ? board : (board?.get(userId) ?? null);
  });
}

/**
 * One `USER_IDS` read for `ids`, into `found`. Upstream refuses the whole call when one id is not
 * a user of the app (400, code 100, naming the id); that id then gets the error alone and the
 * others are read again, so one unknown player does not null the field for the whole batch.
 */
async function readEntries(
  client: HorizonClient,
  leaderboard: string,
  ids: string[],
  limit: ReturnType<typeof pLimit>,
  found: Map<string, LeaderboardEntryParent | Error>,
): Promise<void> {
  try {
    const entries = await limit(() =>
      getAllLeaderboardEntries(client, {
        apiName: leaderboard,
        filter: 'USER_IDS',
        userIds: ids,
        limit: ids.length,
      }),
    );
    for (const entry of entries) found.set(entry.user.id, { ...entry, leaderboard });
  } catch (error) {
    const refused = refusedUserId(error, ids);
    if (refused === undefined) throw error;
    found.set(refused, error as Error);
    const rest = ids.filter((id) => id !== refused);
    if (rest.length > 0) await readEntries(client, leaderboard, rest, limit, found);
  }
}

/** The id of `ids` that a 400 code 100 "invalid user id: <id>" answer names, if it is one. */
function refusedUserId(error: unknown, ids: readonly string[]): string | undefined {
  if (!(error instanceof HorizonApiError) || error.status !== 400 || error.code !== 100) return undefined;
  const named = /invalid user id:?\s*(\d+)/i.exec(error.message)?.[1];
  return named !== undefined && ids.includes(named) ? named : undefined;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The loader's memo; a plain `Map` unless memo lookups are counted. */
function memo<V>(name: keyof RequestLoaders, hooks: LoaderHooks): Map<string, Promise<V>> {
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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
