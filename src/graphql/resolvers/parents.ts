import type { HorizonUser } from '../../horizon/index.ts';
import type { EntriesPage } from '../data/leaderboards.ts';
import type { BoardEntry } from '../loaders/leaderboard-entry-loader.ts';

/**
 * What a `User` resolver receives: the id, plus whatever profile fields an earlier upstream
 * answer already carried (a leaderboard entry's `user{alias,...}`), so those cost nothing more.
 */
export interface UserParent {
  id: string;
  known?: Partial<HorizonUser>;
}

/** Result of a mutation that returns the updated progress of one achievement. */
export interface AchievementUpdateParent {
  userId: string;
  apiName: string;
  justUnlocked: boolean;
}

/** Result of a score submission. */
export interface LeaderboardSubmitResultParent {
  leaderboard: string;
  userId: string;
  didUpdate: boolean;
}

/** An entry together with the leaderboard it is on (the API's entry rows do not say). */
export type LeaderboardEntryParent = BoardEntry;

/** One page of a leaderboard's entries, already fetched. */
export type LeaderboardEntryConnectionParent = EntriesPage;
