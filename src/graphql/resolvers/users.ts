import type { Resolvers } from '../../generated/resolvers-types.ts';
import { costs } from '../data/cost.ts';
import { UsersSource } from '../data/users.ts';
import { LIST_LIMITS } from '../limits/list-limits.ts';
import { checkId, checkListLength, checkText } from '../validate.ts';

const { profileCost, verifyNonceCost } = UsersSource;

export const userResolvers: Resolvers = {
  Query: {
    user: (_root, { id }) => ({ id: checkId(id, 'id') }),
    users: costs(
      { upstream: [], fanOut: (args) => (Array.isArray(args.ids) ? args.ids.length : 0) },
      (_root, { ids }) =>
        checkListLength(ids, LIST_LIMITS.userIds, 'ids').map((id, i) => ({ id: checkId(id, `ids[${i}]`) })),
    ),
  },
  Mutation: {
    verifyUserNonce: costs([verifyNonceCost], (_root, { userId, nonce }, ctx) => {
      checkId(userId, 'userId');
      checkText(nonce, 'nonce');
      return ctx.data.users.verifyNonce(userId, nonce);
    }),
  },
  User: {
    // The key is all a User needs until a field asks for more: no upstream call here. The key is
    // checked like `user(id:)`, since it becomes a path segment of every per-user call; async so
    // that a bad representation fails alone instead of the whole `_entities` list.
    __resolveReference: async (ref) => ({ id: checkId(String(ref.id), 'id') }),
    // Free when the player came with a leaderboard entry (`LeaderboardEntry.user` provides it).
    alias: costs(
      [profileCost],
      async (user, _args, ctx) => user.known?.alias ?? (await ctx.data.users.profile(user.id)).alias ?? null,
    ),
    orgScopedId: costs(
      [profileCost],
      async (user, _args, ctx) => (await ctx.data.users.profile(user.id)).orgScopedId ?? null,
    ),
  },
};
