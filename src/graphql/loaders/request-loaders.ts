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

export function createRequestLoaders(client: HorizonClient, concurrency: number): RequestLoaders {
  // One limiter per request: a query touching several loaders still keeps at most `concurrency`
  // of its upstream calls in flight.
  const limit = pLimit(concurrency);
  const perKey = <V>(fetch: (key: string) => Promise<V>) =>
    new DataLoader<string, V>((keys) =>
      Promise.all(keys.map((key) => limit(() => fetch(key)).catch(asError))),
    );

  return {
    achievementsByUser: perKey((userId) => getUserAchievements(client, { userId })),
    purchasesByUser: perKey((userId) => getViewerPurchases(client, { userId })),
    appOwnershipByUser: perKey((userId) => verifyEntitlement(client, { userId })),
    subscriptionsByUser: perKey((ownerId) => getSubscriptions(client, { ownerId })),
    userById: perKey((userId) => getUser(client, { userId })),
    leaderboardEntry: new DataLoader<LeaderboardEntryKey, LeaderboardEntryParent | null, string>(
      (keys) => loadEntries(client, keys, limit),
      { cacheKeyFn: (key) => `${key.leaderboard}\u0000${key.userId}` },
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
  const results = new Map<string, Map<string, LeaderboardEntryParent> | Error>();
  await Promise.all(
    [...usersByBoard].map(async ([leaderboard, userIds]) => {
      try {
        const chunks = chunk(userIds, USER_IDS_PER_CALL);
        const found = new Map<string, LeaderboardEntryParent>();
        await Promise.all(
          chunks.map((ids) =>
            limit(async () => {
              const entries = await getAllLeaderboardEntries(client, {
                apiName: leaderboard,
                filter: 'USER_IDS',
                userIds: ids,
                limit: ids.length,
              });
              for (const entry of entries) found.set(entry.user.id, { ...entry, leaderboard });
            }),
          ),
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

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
