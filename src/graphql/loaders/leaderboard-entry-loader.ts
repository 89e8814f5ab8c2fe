import DataLoader from 'dataloader';
import {
  HorizonApiError,
  getAllLeaderboardEntries,
  type HorizonTransport,
  type LeaderboardEntry,
} from '../../horizon/index.ts';
import { asFieldError } from '../errors.ts';
import { memo, type LoaderScope } from './per-key-loader.ts';

/** A player's entry on one leaderboard, the key of the loader. */
export interface LeaderboardEntryKey {
  leaderboard: string;
  userId: string;
}

/** An entry together with the leaderboard it is on (the API's entry rows do not say). */
export interface BoardEntry extends LeaderboardEntry {
  leaderboard: string;
}

/** Most user ids sent in one `USER_IDS` call; larger batches are split. */
export const USER_IDS_PER_CALL = 100;

/**
 * Most further calls spent on one refused `USER_IDS` call to find the ids upstream refused. Ids
 * still undecided when they are spent get the refusal as their error.
 */
export const REFUSED_BATCH_NARROWING_CALLS = 4;

/**
 * `GET /leaderboard_entries?filter=USER_IDS`: one call per leaderboard per 100 players of a batch.
 * A player without an entry gets null.
 */
export function leaderboardEntryLoader(
  transport: HorizonTransport,
  scope: LoaderScope,
): DataLoader<LeaderboardEntryKey, BoardEntry | null, string> {
  return new DataLoader<LeaderboardEntryKey, BoardEntry | null, string>(
    async (keys) => {
      scope.hooks.onBatch?.('leaderboardEntry', keys.length);
      const found = new Map<string, BoardEntry | Error>();
      const boards = groupBy(keys);
      await Promise.all(
        [...boards].flatMap(([leaderboard, userIds]) =>
          chunk(userIds, USER_IDS_PER_CALL).map((ids) =>
            readBatch(
              { transport, scope, leaderboard, found, narrowing: REFUSED_BATCH_NARROWING_CALLS },
              ids,
            ),
          ),
        ),
      );
      return keys.map((key) => found.get(entryKey(key)) ?? null);
    },
    { cacheKeyFn: entryKey, cacheMap: memo('leaderboardEntry', scope.hooks) },
  );
}

interface Batch {
  transport: HorizonTransport;
  scope: LoaderScope;
  leaderboard: string;
  /** Results by `entryKey`: the entry, or the error of that player. */
  found: Map<string, BoardEntry | Error>;
  /** Narrowing calls this batch may still make. */
  narrowing: number;
}

/**
 * Reads the entries of `ids` into `batch.found`. Upstream refuses the whole call when one id is
 * not a user of the app; the refused ids are then narrowed down within the batch's narrowing
 * budget: an id the refusal names is set aside (one more call for the rest), otherwise the ids
 * are split in halves (two more calls). One unknown player thus does not null the field for all.
 */
async function readBatch(batch: Batch, ids: string[]): Promise<void> {
  const { leaderboard, found } = batch;
  try {
    const entries = await batch.scope.limit(() =>
      getAllLeaderboardEntries(batch.transport, {
        apiName: leaderboard,
        filter: 'USER_IDS',
        userIds: ids,
        limit: ids.length,
      }),
    );
    for (const entry of entries)
      found.set(entryKey({ leaderboard, userId: entry.user.id }), { ...entry, leaderboard });
  } catch (error) {
    const refusal = error instanceof HorizonApiError && error.isInvalidParameter ? error : undefined;
    const named = refusal?.refusedUserId;
    if (refusal && ids.length > 1 && named !== undefined && ids.includes(named) && batch.narrowing >= 1) {
      batch.narrowing -= 1;
      found.set(entryKey({ leaderboard, userId: named }), asFieldError(error));
      await readBatch(
        batch,
        ids.filter((id) => id !== named),
      );
    } else if (refusal && ids.length > 1 && named === undefined && batch.narrowing >= 2) {
      batch.narrowing -= 2;
      const half = Math.ceil(ids.length / 2);
      await Promise.all([readBatch(batch, ids.slice(0, half)), readBatch(batch, ids.slice(half))]);
    } else {
      const failure = asFieldError(error);
      for (const userId of ids) found.set(entryKey({ leaderboard, userId }), failure);
    }
  }
}

function entryKey(key: LeaderboardEntryKey): string {
  return `${key.leaderboard}\u0000${key.userId}`;
}

function groupBy(keys: readonly LeaderboardEntryKey[]): Map<string, string[]> {
  const byBoard = new Map<string, string[]>();
  for (const { leaderboard, userId } of keys) {
    const users = byBoard.get(leaderboard);
    if (users) users.push(userId);
    else byBoard.set(leaderboard, [userId]);
  }
  return byBoard;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
