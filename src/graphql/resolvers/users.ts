import { validateUserNonce } from '../../horizon/index.ts';
import type { GraphQLContext } from '../context.ts';
import { upstream } from '../errors.ts';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import { checkId, checkText } from '../validate.ts';
import type { UserParent } from './parents.ts';

/** Profile fields: from what we already know, else one `GET /{user_id}` per distinct user. */
async function profile(user: UserParent, ctx: GraphQLContext) {
  return upstream(() => ctx.loaders.userById.load(user.id));
}

export const userResolvers: Resolvers = {
  Query: {
    user: (_root, { id }) => ({ id: checkId(id, 'id') }),
    users: (_root, { ids }) => ids.map((id, i) => ({ id: checkId(id, `ids[${i}]`) })),
  },
  Mutation: {
    verifyUserNonce: (_root, { userId, nonce }, ctx) => {
      checkId(userId, 'userId');
      checkText(nonce, 'nonce');
      return upstream(() => validateUserNonce(ctx.horizon, { userId, nonce }));
    },
  },
  User: {
    // The key is all a User needs until a field asks for more: no upstream call here. The key is
    // checked like `user(id:)`, since it becomes a path segment of every per-user call; async so
    // that a bad representation fails alone instead of the whole `_entities` list.
    __resolveReference: async (ref) => ({ id: checkId(String(ref.id), 'id') }),
    alias: async (user, _args, ctx) => user.known?.alias ?? (await profile(user, ctx)).alias ?? null,
    orgScopedId: async (user, _args, ctx) => (await profile(user, ctx)).orgScopedId ?? null,
  },
};
