import type { LeaderboardFilter } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { USER_TOKEN_HEADER } from '../context.ts';
import { decodeCursor, type EntriesView } from '../data/leaderboard-cursor.ts';
import type { EntriesRequest } from '../data/leaderboards.ts';
import { badUserInput } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, LIST_LIMITS } from '../limits/list-limits.ts';
import { checkId, checkListLength, checkRange } from '../validate.ts';

/** The arguments of `Leaderboard.entries`, as GraphQL gives them. */
export interface EntriesArgs {
  first?: number | null;
  after?: string | null;
  filter?: LeaderboardFilter | null;
  userIds?: readonly string[] | null;
  around?: string | null;
}

/**
 * Checks the arguments of `Leaderboard.entries` and turns them into the page to read: the view
 * (cursors are only valid in the view that issued them), where to start, and the player's token
 * for the views that need it. Fails with BAD_USER_INPUT before any upstream call.
 */
export function entriesRequest(apiName: string, args: EntriesArgs, ctx: GraphQLContext): EntriesRequest {
  const first = checkRange(args.first ?? DEFAULT_PAGE_SIZE, 1, LIST_LIMITS.pageSize, 'first');
  const filter = args.filter ?? 'NONE';
  // VIEWER views start at the player but continue as the global ranking.
  const view: EntriesView = filter === 'FRIENDS' || filter === 'USER_IDS' ? filter : 'NONE';
  const userIds = filter === 'USER_IDS' ? checkUserIds(args.userIds) : undefined;
  const request: EntriesRequest = { apiName, first, view, userIds };
  if (args.after != null) {
    // A USER_IDS view holds at most its players. Other views grow while players submit scores (a
    // cached entry count would refuse real cursors), so they are bounded by upstream's largest offset.
    request.afterPosition = decodeCursor(
      args.after,
      { board: apiName, view, userIds },
      userIds?.length,
    ).position;
  }
  if (args.around != null) {
    if (filter !== 'NONE' || request.afterPosition !== undefined)
      throw badUserInput('around cannot be combined with filter or after', 'around');
    request.around = checkId(args.around, 'around');
  }
  if (filter === 'FRIENDS') {
    request.filter = 'FRIENDS';
    request.userToken = requireUserToken(ctx, filter);
  } else if (filter === 'USER_IDS') {
    request.filter = 'USER_IDS';
  } else if ((filter === 'VIEWER' || filter === 'VIEWER_OR_TOP') && request.afterPosition === undefined) {
    request.startAt = filter;
    request.userToken = requireUserToken(ctx, filter);
  }
  return request;
}

/** The players of a USER_IDS view: 1 to 100 ids. */
function checkUserIds(ids: readonly string[] | null | undefined): readonly string[] {
  if (!ids || ids.length === 0) {
    throw badUserInput(`filter USER_IDS needs 1 to ${LIST_LIMITS.entryUserIds} userIds`, 'userIds');
  }
  return checkListLength(ids, LIST_LIMITS.entryUserIds, 'userIds').map((id, i) =>
    checkId(id, `userIds[${i}]`),
  );
}

function requireUserToken(ctx: GraphQLContext, filter: string): string {
  if (!ctx.userToken) {
    throw badUserInput(
      `filter ${filter} shows the leaderboard as a player sees it: send the player's user access token in the ${USER_TOKEN_HEADER} header`,
      'filter',
    );
  }
  return ctx.userToken;
}
