import type { Leaderboard, LeaderboardEntriesQuery, LeaderboardEntry } from '../../horizon/index.ts';
import {
  deleteLeaderboard,
  deleteLeaderboardEntry,
  getLeaderboardEntriesPage,
  removeAllLeaderboardEntries,
  submitLeaderboardEntry,
  upsertLeaderboard,
} from '../../horizon/index.ts';
import type { LeaderboardFilter, Resolvers } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { USER_TOKEN_HEADER } from '../context.ts';
import { badUserInput, notFound, upstream } from '../errors.ts';
import { destructive } from '../mutations/destructive.ts';
import { checkApiName, checkBase64, checkId, checkRange, checkText } from '../validate.ts';
import { decodeCursor, encodeCursor } from './leaderboard-cursor.ts';
import type { LeaderboardEntryConnectionParent } from './parents.ts';

/** Page size of `entries` when `first` is not given, and its maximum. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

async function boards(ctx: GraphQLContext): Promise<Map<string, Leaderboard>> {
  return upstream(() => ctx.caches.leaderboards(ctx.horizon));
}

/** The leaderboard named `apiName`, or NOT_FOUND. */
async function existingBoard(ctx: GraphQLContext, apiName: string): Promise<Leaderboard> {
  const board = await upstream(() => ctx.caches.leaderboard(ctx.horizon, apiName));
  if (!board) throw notFound(`No leaderboard named '${apiName}' exists for this app`);
  return board;
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

interface EntriesArgs {
  first?: number | null;
  after?: string | null;
  filter?: LeaderboardFilter | null;
  userIds?: readonly string[] | null;
  around?: string | null;
}

/** Resolves `Leaderboard.entries`: picks the upstream view, then maps the page to a connection. */
async function entries(
  board: Leaderboard,
  args: EntriesArgs,
  ctx: GraphQLContext,
): Promise<LeaderboardEntryConnectionParent> {
  const apiName = board.apiName ?? '';
  const first = checkRange(args.first ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, 'first');
  const filter = args.filter ?? 'NONE';
  // VIEWER views start at the player but continue as the global ranking.
  const view = filter === 'FRIENDS' || filter === 'USER_IDS' ? filter : 'NONE';
  const after = args.after != null ? decodeCursor(args.after, apiName, view) : undefined;
  const query: LeaderboardEntriesQuery = { apiName, limit: first, summary: true };

  if (args.around != null) {
    if (filter !== 'NONE' || after)
      throw badUserInput('around cannot be combined with filter or after', 'around');
    const userId = checkId(args.around, 'around');
    const entry = await upstream(() => ctx.loaders.leaderboardEntry.load({ leaderboard: apiName, userId }));
    if (!entry) return { edges: [], hasNextPage: false, totalCount: board.entryCount };
    query.startAt = 'OFFSET';
    query.offset = Math.max(0, entry.rank - 1 - Math.floor(first / 2));
  } else if (after) {
    query.startAt = 'OFFSET';
    query.offset = after.position + 1;
  }

  if (filter === 'FRIENDS') {
    query.filter = 'FRIENDS';
    query.userToken = requireUserToken(ctx, filter);
  } else if (filter === 'USER_IDS') {
    const ids = args.userIds ?? [];
    if (ids.length === 0 || ids.length > MAX_PAGE_SIZE) {
      throw badUserInput(`filter USER_IDS needs 1 to ${MAX_PAGE_SIZE} userIds`, 'userIds');
    }
    query.filter = 'USER_IDS';
    query.userIds = ids.map((id, i) => checkId(id, `userIds[${i}]`));
  } else if ((filter === 'VIEWER' || filter === 'VIEWER_OR_TOP') && !after) {
    query.startAt = filter;
    query.userToken = requireUserToken(ctx, filter);
  }

  const page = await upstream(() => getLeaderboardEntriesPage(ctx.horizon, query));
  const start = query.offset ?? 0;
  // A VIEWER page starts wherever the player is: there the rank tells the position.
  const fromRank = query.startAt === 'VIEWER' || query.startAt === 'VIEWER_OR_TOP';
  const position = (entry: LeaderboardEntry, index: number) => (fromRank ? entry.rank - 1 : start + index);
  return {
    edges: page.entries.map((node, index) => ({
      cursor: encodeCursor({ board: apiName, view, position: position(node, index) }),
      node: { ...node, leaderboard: apiName },
    })),
    hasNextPage: page.hasNextPage,
    totalCount: page.totalCount,
  };
}

function seconds(date: Date | null | undefined): number | undefined {
  return date ? Math.floor(date.getTime() / 1000) : undefined;
}

export const leaderboardResolvers: Resolvers = {
  Query: {
    leaderboard: async (_root, { apiName }, ctx) =>
      (await upstream(() => ctx.caches.leaderboard(ctx.horizon, checkApiName(apiName, 'apiName')))) ?? null,
    leaderboards: async (_root, _args, ctx) => [...(await boards(ctx)).values()],
  },
  Mutation: {
    submitLeaderboardScore: async (_root, args, ctx) => {
      const leaderboard = checkApiName(args.leaderboard, 'leaderboard');
      const userId = checkId(args.userId, 'userId');
      if (args.extraDataBase64 != null) checkBase64(args.extraDataBase64, 'extraDataBase64');
      const result = await upstream(() =>
        submitLeaderboardEntry(ctx.horizon, {
          apiName: leaderboard,
          userId,
          score: args.score,
          extraDataBase64: args.extraDataBase64 ?? undefined,
          forceUpdate: args.forceUpdate ?? undefined,
        }),
      );
      ctx.loaders.leaderboardEntry.clear({ leaderboard, userId });
      ctx.caches.invalidateLeaderboards();
      return { leaderboard, userId, didUpdate: result.didUpdate };
    },
    deleteLeaderboardEntry: async (_root, { id, reason, dryRun }, ctx) => {
      const entryId = checkId(id, 'id');
      if (reason != null) checkText(reason, 'reason');
      const result = await destructive(
        ctx,
        { operation: 'deleteLeaderboardEntry', target: `entry ${entryId}`, reason, dryRun },
        // The API has no read of a single entry by id: a dry run can only check the id's form.
        async () => `delete leaderboard entry ${entryId}`,
        () => upstream(() => deleteLeaderboardEntry(ctx.horizon, { entryId })),
      );
      if (!dryRun) {
        ctx.loaders.leaderboardEntry.clearAll();
        ctx.caches.invalidateLeaderboards();
      }
      return result;
    },
    resetLeaderboard: async (_root, { apiName, reason, dryRun }, ctx) => {
      checkApiName(apiName, 'apiName');
      if (reason != null) checkText(reason, 'reason');
      const result = await destructive(
        ctx,
        { operation: 'resetLeaderboard', target: `leaderboard ${apiName}`, reason, dryRun },
        async () =>
          `remove all ${(await existingBoard(ctx, apiName)).entryCount ?? 'the'} entries of leaderboard ${apiName}`,
        () => upstream(() => removeAllLeaderboardEntries(ctx.horizon, { apiName })),
      );
      if (!dryRun) {
        ctx.loaders.leaderboardEntry.clearAll();
        ctx.caches.invalidateLeaderboards();
      }
      return result;
    },
    upsertLeaderboard: async (_root, { input }, ctx) => {
      checkApiName(input.apiName, 'input.apiName');
      await upstream(() =>
        upsertLeaderboard(ctx.horizon, {
          apiName: input.apiName,
          sortOrder: input.sortOrder ?? undefined,
          entryWritePolicy: input.entryWritePolicy ?? undefined,
          earliestAllowedEntryTime: seconds(input.earliestAllowedEntryAt),
          latestAllowedEntryTime: seconds(input.latestAllowedEntryAt),
          titleLocaleMap: input.title ? { en_US: input.title } : undefined,
        }),
      );
      ctx.caches.invalidateLeaderboards();
      return (await upstream(() => ctx.caches.leaderboard(ctx.horizon, input.apiName))) ?? null;
    },
    deleteLeaderboard: async (_root, { apiName, reason, dryRun }, ctx) => {
      checkApiName(apiName, 'apiName');
      if (reason != null) checkText(reason, 'reason');
      let board: Leaderboard | undefined;
      const result = await destructive(
        ctx,
        { operation: 'deleteLeaderboard', target: `leaderboard ${apiName}`, reason, dryRun },
        async () => {
          board = await existingBoard(ctx, apiName);
          const entries = board.entryCount ? `its ${board.entryCount} entries` : 'its entries';
          return `delete leaderboard ${apiName} (id ${board.id}) and ${entries}`;
        },
        () => upstream(() => deleteLeaderboard(ctx.horizon, { leaderboardId: board!.id })),
      );
      if (!dryRun) {
        ctx.caches.invalidateLeaderboards();
        ctx.loaders.leaderboardEntry.clearAll();
      }
      return result;
    },
  },
  User: {
    leaderboardEntry: (user, { leaderboard }, ctx) =>
      upstream(() =>
        ctx.loaders.leaderboardEntry.load({
          leaderboard: checkApiName(leaderboard, 'leaderboard'),
          userId: user.id,
        }),
      ),
    // One USER_IDS call per leaderboard for every user in the batch (the loader groups the keys).
    leaderboardEntries: async (user, _args, ctx) => {
      const names = [...(await boards(ctx)).keys()];
      const found = await upstream(() =>
        Promise.all(
          names.map((leaderboard) => ctx.loaders.leaderboardEntry.load({ leaderboard, userId: user.id })),
        ),
      );
      return found.filter((entry) => entry !== null);
    },
  },
  Leaderboard: {
    __resolveReference: async (ref, ctx) => (await boards(ctx)).get(ref.apiName) ?? null,
    apiName: (b) => b.apiName ?? '',
    earliestAllowedEntryAt: (b) => b.earliestAllowedEntryTime || null,
    latestAllowedEntryAt: (b) => b.latestAllowedEntryTime || null,
    entries: (board, args, ctx) => entries(board, args, ctx),
  },
  LeaderboardEntryConnection: {
    pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.edges.at(-1)?.cursor ?? null }),
    totalCount: (c) => c.totalCount ?? null,
  },
  LeaderboardEntry: {
    user: (e) => ({ id: e.user.id, known: e.user }),
    timestamp: (e) => e.timestamp ?? null,
    leaderboard: async (e, _args, ctx) => (await boards(ctx)).get(e.leaderboard) ?? null,
  },
  LeaderboardSubmitResult: {
    entry: (r, _args, ctx) =>
      upstream(() => ctx.loaders.leaderboardEntry.load({ leaderboard: r.leaderboard, userId: r.userId })),
  },
};
