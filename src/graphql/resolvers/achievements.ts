import type { AchievementDefinition, AchievementProgress } from '../../horizon/index.ts';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { AchievementsSource, type ProgressChange } from '../data/achievements.ts';
import { costs } from '../data/cost.ts';
import { badUserInput, notFound } from '../errors.ts';
import { LIST_LIMITS } from '../limits/list-limits.ts';
import { destructive } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import {
  checkApiName,
  checkBits,
  checkId,
  checkListLength,
  checkPositiveInt64,
  checkText,
} from '../validate.ts';
import type { AchievementUpdateParent } from './parents.ts';

const { progressCost, definitionsCost, writeCost, removeAllCost, upsertDefinitionCost } = AchievementsSource;

/** An `apiNames:` filter, checked; undefined when not given. */
function checkApiNames(
  names: readonly string[] | null | undefined,
  argument: string,
): readonly string[] | undefined {
  if (names == null) return undefined;
  checkListLength(names, LIST_LIMITS.apiNames, argument);
  return names.map((name, i) => checkApiName(name, `${argument}[${i}]`));
}

/** Checks the write makes sense for the achievement's type before calling Meta. */
async function writableDefinition(
  ctx: GraphQLContext,
  apiName: string,
  expected: AchievementDefinition['achievementType'] | undefined,
): Promise<AchievementDefinition> {
  checkApiName(apiName, 'apiName');
  const definition = await ctx.data.achievements.definition(apiName);
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
  change: ProgressChange,
): Promise<AchievementUpdateParent> {
  const { justUnlocked } = await ctx.data.achievements.write(userId, apiName, change);
  return { userId, apiName, justUnlocked };
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
    achievementDefinitions: costs([definitionsCost], async (_root, { apiNames, includeArchived }, ctx) => {
      const names = checkApiNames(apiNames, 'apiNames');
      const all = [...(await ctx.data.achievements.definitions()).values()];
      return all.filter((d) => (!names || names.includes(d.apiName)) && (includeArchived || !d.isArchived));
    }),
  },
  Mutation: {
    unlockAchievement: costs([definitionsCost, writeCost], async (_root, { userId, apiName }, ctx) => {
      checkId(userId, 'userId');
      await writableDefinition(ctx, apiName, undefined);
      return write(ctx, userId, apiName, { forceUnlock: true });
    }),
    addAchievementCount: costs([definitionsCost, writeCost], async (_root, args, ctx) => {
      const { userId, apiName, count, idempotencyKey } = args;
      checkId(userId, 'userId');
      checkPositiveInt64(count, 'count');
      await writableDefinition(ctx, apiName, 'COUNT');
      return idempotent(ctx, idempotencyKey, 'addAchievementCount', { userId, apiName, count }, () =>
        write(ctx, userId, apiName, { addCount: count }),
      );
    }),
    addAchievementBits: costs([definitionsCost, writeCost], async (_root, { userId, apiName, bits }, ctx) => {
      checkId(userId, 'userId');
      // The form first (no upstream call for it), then the length, which needs the definition.
      checkBits(bits, undefined, 'bits');
      const definition = await writableDefinition(ctx, apiName, 'BITFIELD');
      checkBits(bits, definition.bitfieldLength, 'bits');
      return write(ctx, userId, apiName, { addBits: bits });
    }),
    resetAchievements: costs(
      [progressCost, removeAllCost],
      async (_root, { userId, reason, dryRun }, ctx) => {
        checkId(userId, 'userId');
        if (reason != null) checkText(reason, 'reason');
        return destructive(
          ctx,
          { operation: 'resetAchievements', target: `user ${userId}`, reason, dryRun },
          async () => {
            // Counts only: rows upstream did not name still count (see `namedProgress`).
            const rows = await ctx.data.achievements.progressRows(userId);
            const unlocked = rows.filter((row) => row.isUnlocked).length;
            return `remove the progress of ${rows.length} achievement(s) of user ${userId}, ${unlocked} of them unlocked`;
          },
          () => ctx.data.achievements.removeAll(userId),
        );
      },
    ),
    upsertAchievementDefinition: costs(upsertDefinitionCost, async (_root, { input }, ctx) => {
      checkApiName(input.apiName, 'input.apiName');
      if (input.type !== 'SIMPLE' && input.target == null) {
        throw badUserInput(`${input.type} achievements need a target`, 'input.target');
      }
      if (input.type === 'BITFIELD' && input.bitfieldLength == null) {
        throw badUserInput('BITFIELD achievements need a bitfieldLength', 'input.bitfieldLength');
      }
      const definition = await ctx.data.achievements.upsertDefinition({
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
      });
      return definition ?? null;
    }),
  },
  User: {
    achievements: costs([progressCost], async (user, { apiNames }, ctx) => {
      const names = checkApiNames(apiNames, 'apiNames');
      const rows = await ctx.data.achievements.progress(user.id);
      return names ? rows.filter((row) => names.includes(row.apiName)) : rows;
    }),
  },
  AchievementDefinition: {
    __resolveReference: costs(
      [definitionsCost],
      async (ref, ctx) => (await ctx.data.achievements.definition(ref.apiName)) ?? null,
    ),
    type: (d) => d.achievementType ?? null,
    writePolicy: (d) => d.writePolicy ?? null,
  },
  AchievementProgress: {
    definition: costs(
      [definitionsCost],
      async (p, _args, ctx) => (await ctx.data.achievements.definitions()).get(p.apiName) ?? null,
    ),
    unlockedAt: (p) => (p.isUnlocked && p.unlockTime ? p.unlockTime : null),
    // The API sends `count_progress: 0` for every type; the contract says null unless COUNT
    // (and BITFIELD for bits). The progress read carries the type; without it, pass through.
    count: (p) => (hasType(p, 'COUNT') ? (p.countProgress ?? null) : null),
    bitfield: (p) => (hasType(p, 'BITFIELD') ? (p.bitfieldProgress ?? null) : null),
    progress: costs([definitionsCost], async (p, _args, ctx) => {
      // The progress read already carries the definition's type and target; the cache is a
      // fallback for an API that leaves them out.
      const definition = p.definition?.target
        ? undefined
        : (await ctx.data.achievements.definitions()).get(p.apiName);
      return progressRatio(p, definition);
    }),
  },
  AchievementUpdate: {
    progress: costs([progressCost], async (u, _args, ctx) => {
      const rows = await ctx.data.achievements.progress(u.userId);
      return rows.find((row) => row.apiName === u.apiName) ?? null;
    }),
  },
};
