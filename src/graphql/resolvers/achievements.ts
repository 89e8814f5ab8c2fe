import type { AchievementDefinition, AchievementProgress } from '../../horizon/index.ts';
import {
  removeAllAchievements,
  upsertAchievementDefinition,
  writeAchievementProgress,
} from '../../horizon/index.ts';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { badUserInput, notFound, upstream } from '../errors.ts';
import { destructive } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import { checkApiName, checkBits, checkId, checkPositiveInt64, checkText } from '../validate.ts';
import type { AchievementUpdateParent } from './parents.ts';

/** Checks the write makes sense for the achievement's type before calling Meta. */
async function writableDefinition(
  ctx: GraphQLContext,
  apiName: string,
  expected: AchievementDefinition['achievementType'] | undefined,
): Promise<AchievementDefinition> {
  checkApiName(apiName, 'apiName');
  const definition = await upstream(() => ctx.caches.definition(ctx.horizon, apiName));
  if (!definition) throw notFound(`No achievement named '${apiName}' is defined for this app`);
  if (expected && definition.achievementType !== expected) {
    throw badUserInput(
      `Achievement '${apiName}' is ${definition.achievementType ?? 'of unknown type'}, this mutation needs ${expected}`,
      'apiName',
    );
  }
  return definition;
}

async function write(
  ctx: GraphQLContext,
  userId: string,
  apiName: string,
  change: { forceUnlock?: boolean; addCount?: string; addBits?: string },
): Promise<AchievementUpdateParent> {
  const result = await upstream(() => writeAchievementProgress(ctx.horizon, { userId, apiName, ...change }));
  // The request's memo may hold the progress from before this write.
  ctx.loaders.achievementsByUser.clear(userId);
  return { userId, apiName, justUnlocked: result.justUnlocked };
}

/** 0..1: unlocked is 1; COUNT is count/target; BITFIELD is set bits/target. */
function progressRatio(
  progress: AchievementProgress,
  definition: AchievementDefinition | undefined,
): number | null {
  if (progress.isUnlocked) return 1;
  const target = Number(definition?.target ?? progress.definition?.target ?? 0);
  const type = definition?.achievementType ?? progress.definition?.achievementType;
  if (type === 'SIMPLE') return 0;
  if (!(target > 0)) return null;
  const done =
    type === 'BITFIELD'
      ? [...(progress.bitfieldProgress ?? '')].filter((bit) => bit === '1').length
      : Number(progress.countProgress ?? 0);
  return Math.min(1, done / target);
}

/** True when the row is of `type`, or its type is not known (then its fields are passed through). */
function hasType(progress: AchievementProgress, type: AchievementDefinition['achievementType']): boolean {
  const actual = progress.definition?.achievementType;
  return actual === undefined || actual === type;
}

export const achievementResolvers: Resolvers = {
  Query: {
    achievementDefinitions: async (_root, { apiNames, includeArchived }, ctx) => {
      apiNames?.forEach((name, i) => checkApiName(name, `apiNames[${i}]`));
      const all = [...(await upstream(() => ctx.caches.definitions(ctx.horizon))).values()];
      return all.filter(
        (d) => (!apiNames || apiNames.includes(d.apiName)) && (includeArchived || !d.isArchived),
      );
    },
  },
  Mutation: {
    unlockAchievement: async (_root, { userId, apiName }, ctx) => {
      checkId(userId, 'userId');
      await writableDefinition(ctx, apiName, undefined);
      return write(ctx, userId, apiName, { forceUnlock: true });
    },
    addAchievementCount: async (_root, { userId, apiName, count, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkPositiveInt64(count, 'count');
      await writableDefinition(ctx, apiName, 'COUNT');
      return idempotent(
        ctx.idempotency,
        idempotencyKey,
        'addAchievementCount',
        { userId, apiName, count },
        () => write(ctx, userId, apiName, { addCount: count }),
      );
    },
    addAchievementBits: async (_root, { userId, apiName, bits }, ctx) => {
      checkId(userId, 'userId');
      // The form first (no upstream call for it), then the length, which needs the definition.
      checkBits(bits, undefined, 'bits');
      const definition = await writableDefinition(ctx, apiName, 'BITFIELD');
      checkBits(bits, definition.bitfieldLength, 'bits');
      return write(ctx, userId, apiName, { addBits: bits });
    },
    resetAchievements: async (_root, { userId, reason, dryRun }, ctx) => {
      checkId(userId, 'userId');
      if (reason != null) checkText(reason, 'reason');
      const result = await destructive(
        ctx,
        { operation: 'resetAchievements', target: `user ${userId}`, reason, dryRun },
        async () => {
          const rows = await upstream(() => ctx.loaders.achievementsByUser.load(userId));
          const unlocked = rows.filter((row) => row.isUnlocked).length;
          return `remove the progress of ${rows.length} achievement(s) of user ${userId}, ${unlocked} of them unlocked`;
        },
        () => upstream(() => removeAllAchievements(ctx.horizon, { userId })),
      );
      ctx.loaders.achievementsByUser.clear(userId);
      return result;
    },
    upsertAchievementDefinition: async (_root, { input }, ctx) => {
      checkApiName(input.apiName, 'input.apiName');
      if (input.type !== 'SIMPLE' && input.target == null) {
        throw badUserInput(`${input.type} achievements need a target`, 'input.target');
      }
      if (input.type === 'BITFIELD' && input.bitfieldLength == null) {
        throw badUserInput('BITFIELD achievements need a bitfieldLength', 'input.bitfieldLength');
      }
      await upstream(() =>
        upsertAchievementDefinition(ctx.horizon, {
          apiName: input.apiName,
          achievementType: input.type,
          writePolicy: input.writePolicy,
          target: input.target ?? undefined,
          bitfieldLength: input.bitfieldLength ?? undefined,
          isArchived: input.isArchived ?? undefined,
          title: input.title,
          description: input.description,
          unlockedDescriptionOverride: input.unlockedDescriptionOverride ?? undefined,
          isSecret: input.isSecret ?? undefined,
        }),
      );
      ctx.caches.invalidateDefinitions();
      return (await upstream(() => ctx.caches.definition(ctx.horizon, input.apiName))) ?? null;
    },
  },
  User: {
    achievements: async (user, { apiNames }, ctx) => {
      apiNames?.forEach((name, i) => checkApiName(name, `apiNames[${i}]`));
      const rows = await upstream(() => ctx.loaders.achievementsByUser.load(user.id));
      return apiNames ? rows.filter((row) => apiNames.includes(row.apiName)) : rows;
    },
  },
  AchievementDefinition: {
    __resolveReference: async (ref, ctx) =>
      (await upstream(() => ctx.caches.definitions(ctx.horizon))).get(ref.apiName) ?? null,
    type: (d) => d.achievementType ?? null,
    writePolicy: (d) => d.writePolicy ?? null,
  },
  AchievementProgress: {
    definition: async (p, _args, ctx) =>
      (await upstream(() => ctx.caches.definitions(ctx.horizon))).get(p.apiName) ?? null,
    unlockedAt: (p) => (p.isUnlocked && p.unlockTime ? p.unlockTime : null),
    // The API sends `count_progress: 0` for every type; the contract says null unless COUNT
    // (and BITFIELD for bits). The progress read carries the type; without it, pass through.
    count: (p) => (hasType(p, 'COUNT') ? (p.countProgress ?? null) : null),
    bitfield: (p) => (hasType(p, 'BITFIELD') ? (p.bitfieldProgress ?? null) : null),
    progress: async (p, _args, ctx) => {
      // The progress read already carries the definition's type and target; the cache is a
      // fallback for an API that leaves them out.
      const definition = p.definition?.target
        ? undefined
        : (await upstream(() => ctx.caches.definitions(ctx.horizon))).get(p.apiName);
      return progressRatio(p, definition);
    },
  },
  AchievementUpdate: {
    progress: async (u, _args, ctx) => {
      const rows = await upstream(() => ctx.loaders.achievementsByUser.load(u.userId));
      return rows.find((row) => row.apiName === u.apiName) ?? null;
    },
  },
};
