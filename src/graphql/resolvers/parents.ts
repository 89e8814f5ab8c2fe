import type { HorizonUser, LeaderboardEntry } from '../../horizon/index.ts';

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
export interface LeaderboardEntryParent extends LeaderboardEntry {
  leaderboard: string;
}

/** One page of a leaderboard's entries, already fetched. */
export interface LeaderboardEntryConnectionParent {
  edges: { cursor: string; node: LeaderboardEntryParent }[];
  hasNextPage: boolean;
  totalCount?: string;
}
