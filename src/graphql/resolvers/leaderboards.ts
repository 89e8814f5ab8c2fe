import type { Resolvers } from '../../generated/resolvers-types.ts';
import { costs } from '../data/cost.ts';
import { LeaderboardsSource } from '../data/leaderboards.ts';
import { DEFAULT_PAGE_SIZE } from '../limits/list-limits.ts';
import { destructive } from '../mutations/destructive.ts';
import { checkApiName, checkBase64, checkId, checkText } from '../validate.ts';
import { entriesRequest } from './leaderboard-entries-args.ts';

const {
  boardsCost,
  entryCost,
  entriesOfCost,
  pageCost,
  submitCost,
  deleteEntryCost,
  resetCost,
  upsertCost,
  deleteCost,
} = LeaderboardsSource;

/** How many entries `Leaderboard.entries` returns per board at most: its page size. */
const pageFanOut = (args: Record<string, unknown>) =>
  typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;

function seconds(date: Date | null | undefined): number | undefined {
  return date ? Math.floor(date.getTime() / 1000) : undefined;
}

export const leaderboardResolvers: Resolvers = {
  Query: {
    leaderboard: costs(
      [boardsCost],
      async (_root, { apiName }, ctx) =>
        (await ctx.data.leaderboards.board(checkApiName(apiName, 'apiName'))) ?? null,
    ),
    leaderboards: costs(
      { upstream: [boardsCost], fanOut: (_args, sizes) => sizes.leaderboards },
      async (_root, _args, ctx) => [...(await ctx.data.leaderboards.boards()).values()],
    ),
  },
  Mutation: {
    submitLeaderboardScore: costs([submitCost], async (_root, args, ctx) => {
      const leaderboard = checkApiName(args.leaderboard, 'leaderboard');
      const userId = checkId(args.userId, 'userId');
      if (args.extraDataBase64 != null) checkBase64(args.extraDataBase64, 'extraDataBase64');
      const didUpdate = await ctx.data.leaderboards.submit({
        leaderboard,
        userId,
        score: args.score,
        extraDataBase64: args.extraDataBase64 ?? undefined,
        forceUpdate: args.forceUpdate ?? undefined,
      });
      return { leaderboard, userId, didUpdate };
    }),
    deleteLeaderboardEntry: costs([deleteEntryCost], async (_root, { id, reason, dryRun }, ctx) => {
      const entryId = checkId(id, 'id');
      if (reason != null) checkText(reason, 'reason');
      return destructive(
        ctx,
        { operation: 'deleteLeaderboardEntry', target: `entry ${entryId}`, reason, dryRun },
        // The API has no read of a single entry by id: a dry run can only check the id's form.
        async () => `delete leaderboard entry ${entryId}`,
        () => ctx.data.leaderboards.deleteEntry(entryId),
      );
    }),
    resetLeaderboard: costs(resetCost, async (_root, { apiName, reason, dryRun }, ctx) => {
      checkApiName(apiName, 'apiName');
      if (reason != null) checkText(reason, 'reason');
      return destructive(
        ctx,
        { operation: 'resetLeaderboard', target: `leaderboard ${apiName}`, reason, dryRun },
        async () => {
          const board = await ctx.data.leaderboards.existingBoard(apiName);
          return `remove all ${board.entryCount ?? 'the'} entries of leaderboard ${apiName}`;
        },
        () => ctx.data.leaderboards.reset(apiName),
      );
    }),
    upsertLeaderboard: costs(upsertCost, async (_root, { input }, ctx) => {
      checkApiName(input.apiName, 'input.apiName');
      const board = await ctx.data.leaderboards.upsert({
        apiName: input.apiName,
        sortOrder: input.sortOrder ?? undefined,
        entryWritePolicy: input.entryWritePolicy ?? undefined,
        earliestAllowedEntryTime: seconds(input.earliestAllowedEntryAt),
        latestAllowedEntryTime: seconds(input.latestAllowedEntryAt),
        titleLocaleMap: input.title ? { en_US: input.title } : undefined,
      });
      return board ?? null;
    }),
    deleteLeaderboard: costs(deleteCost, async (_root, { apiName, reason, dryRun }, ctx) => {
      checkApiName(apiName, 'apiName');
      if (reason != null) checkText(reason, 'reason');
      const board = ctx.data.leaderboards.existingBoard(apiName);
      return destructive(
        ctx,
        { operation: 'deleteLeaderboard', target: `leaderboard ${apiName}`, reason, dryRun },
        async () => {
          const { id, entryCount } = await board;
          const entries = entryCount ? `its ${entryCount} entries` : 'its entries';
          return `delete leaderboard ${apiName} (id ${id}) and ${entries}`;
        },
        async () => ctx.data.leaderboards.delete(await board),
      );
    }),
  },
  User: {
    leaderboardEntry: costs([entryCost], (user, { leaderboard }, ctx) =>
      ctx.data.leaderboards.entry(checkApiName(leaderboard, 'leaderboard'), user.id),
    ),
    // One USER_IDS call per leaderboard for every user in the batch (the loader groups the keys).
    leaderboardEntries: costs(
      { upstream: entriesOfCost, fanOut: (_args, sizes) => sizes.leaderboards },
      (user, _args, ctx) => ctx.data.leaderboards.entriesOf(user.id),
    ),
  },
  Leaderboard: {
    __resolveReference: costs(
      [boardsCost],
      async (ref, ctx) => (await ctx.data.leaderboards.board(ref.apiName)) ?? null,
    ),
    apiName: (b) => b.apiName ?? '',
    earliestAllowedEntryAt: (b) => b.earliestAllowedEntryTime || null,
    latestAllowedEntryAt: (b) => b.latestAllowedEntryTime || null,
    entries: costs({ upstream: [pageCost], fanOut: pageFanOut }, (board, args, ctx) => {
      const request = entriesRequest(board.apiName ?? '', args, ctx);
      return ctx.data.leaderboards.page(request, board.entryCount);
    }),
  },
  LeaderboardEntryConnection: {
    pageInfo: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.edges.at(-1)?.cursor ?? null }),
    totalCount: (c) => c.totalCount ?? null,
  },
  LeaderboardEntry: {
    user: costs({ upstream: [], provides: ['alias'] }, (e) => ({ id: e.user.id, known: e.user })),
    timestamp: (e) => e.timestamp ?? null,
    leaderboard: costs(
      [boardsCost],
      async (e, _args, ctx) => (await ctx.data.leaderboards.boards()).get(e.leaderboard) ?? null,
    ),
  },
  LeaderboardSubmitResult: {
    entry: costs([entryCost], (r, _args, ctx) => ctx.data.leaderboards.entry(r.leaderboard, r.userId)),
  },
};
