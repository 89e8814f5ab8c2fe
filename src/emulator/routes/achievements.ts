/**
 * Achievements (reference §2): definitions (read, upsert), a user's progress (read, write) and the
 * per-user reset. Progress is additive for COUNT, bits OR-merge and never clear for BITFIELD, and
 * `just_unlocked` is true only on the call that unlocked.
 */
import { INT64_MAX } from '../../shared/int64.ts';
import { ROUTES } from '../../shared/routes.ts';
import { nowSeconds, pathUser, type RequestContext } from '../context.ts';
import { compileProjection, nested, own, type NodeType } from '../fields.ts';
import { invalidParam, invalidUserParam, missingParam, permissionDenied } from '../graph-errors.ts';
import { takePage } from '../paging.ts';
import type { Endpoint } from '../router.ts';
import type { DefinitionRecord, ProgressRecord } from '../state.ts';

const TYPES = ['SIMPLE', 'COUNT', 'BITFIELD'] as const;
const POLICIES = ['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE'] as const;
/** No documented maximum; this keeps bit strings (and their responses) reasonable. */
const MAX_BITFIELD_LENGTH = 4096;

const definitionType: NodeType<DefinitionRecord> = {
  name: 'AchievementDefinition',
  defaults: ['id'],
  fields: {
    id: own('id'),
    api_name: own('api_name'),
    achievement_type: own('achievement_type'),
    achievement_write_policy: own('achievement_write_policy'),
    target: own('target'),
    bitfield_length: own('bitfield_length'),
    is_archived: own('is_archived'),
    title: own('title'),
    description: own('description'),
    unlocked_description_override: own('unlocked_description_override'),
    is_secret: own('is_secret'),
    locked_image_uri: own('locked_image_uri'),
    unlocked_image_uri: own('unlocked_image_uri'),
  },
};

interface ProgressView {
  progress: ProgressRecord;
  definition: DefinitionRecord;
}

const progressType: NodeType<ProgressView> = {
  name: 'AchievementProgress',
  defaults: ['id'],
  fields: {
    id: { get: (v) => v.progress.id },
    definition: nested(definitionType, (v) => v.definition),
    target: { get: (v) => v.definition.target },
    count_progress: { get: (v) => v.progress.count_progress },
    // Padded to the definition's length, as in the reference example ("1001100" of 7 bits).
    bitfield_progress: {
      get: (v) =>
        v.definition.achievement_type === 'BITFIELD'
          ? v.progress.bitfield_progress.padEnd(v.definition.bitfield_length, '0')
          : undefined,
    },
    is_unlocked: { get: (v) => v.progress.is_unlocked },
    unlock_time: { get: (v) => (v.progress.is_unlocked ? v.progress.unlock_time : undefined) },
  },
};

export const achievementEndpoints: Endpoint[] = [
  {
    route: ROUTES.achievementDefinitionsRead,
    auth: 'any',
    handle(ctx) {
      const includeArchived = ctx.params.bool('include_archived', false);
      if (includeArchived && ctx.caller.kind !== 'app') {
        throw permissionDenied('include_archived requires an app access token');
      }
      const project = compileProjection(definitionType, ctx.params.get('fields'));
      const wanted = requestedDefinitions(ctx);
      const list = [...ctx.state.definitions.values()].filter(
        (d) => (includeArchived || !d.is_archived) && (!wanted || wanted.has(d.api_name)),
      );
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
  {
    route: ROUTES.achievementDefinitionsUpsert,
    auth: 'app',
    handle(ctx) {
      const definition = upsertDefinition(ctx);
      ctx.state.definitions.set(definition.api_name, definition);
      return { id: definition.id };
    },
  },
  {
    route: ROUTES.userAchievementsRead,
    auth: 'any',
    handle(ctx) {
      const user = pathUser(ctx);
      const project = compileProjection(progressType, ctx.params.get('fields'));
      const wanted = requestedDefinitions(ctx);
      const byApiName = ctx.state.progress.get(user.id);
      // Only achievements the user has progress on, in definition order; archived ones are hidden.
      const list: ProgressView[] = [];
      for (const definition of ctx.state.definitions.values()) {
        const progress = byApiName?.get(definition.api_name);
        if (progress && !definition.is_archived && (!wanted || wanted.has(definition.api_name))) {
          list.push({ progress, definition });
        }
      }
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
  {
    route: ROUTES.userAchievementsWrite,
    auth: 'any',
    handle(ctx) {
      const user = pathUser(ctx);
      const apiName = ctx.params.required('api_name');
      const definition = ctx.state.definitions.get(apiName);
      if (!definition) throw invalidParam(`No achievement with api_name ${apiName}`);
      if (definition.is_archived) throw invalidParam(`Achievement ${apiName} is archived`);
      if (ctx.caller.kind === 'user' && definition.achievement_write_policy === 'SERVER_AUTHORITATIVE') {
        throw permissionDenied(
          `Achievement ${apiName} is SERVER_AUTHORITATIVE: only the app access token may write it`,
        );
      }
      const progress =
        ctx.state.progress.get(user.id)?.get(apiName) ??
        ({
          id: ctx.state.newId(),
          user_id: user.id,
          api_name: apiName,
          count_progress: 0n,
          bitfield_progress: '',
          is_unlocked: false,
          unlock_time: 0,
        } satisfies ProgressRecord);
      const justUnlocked = applyProgress(ctx, definition, progress);
      ctx.state.putProgress(progress);
      return { id: progress.id, api_name: apiName, just_unlocked: justUnlocked };
    },
  },
  {
    route: ROUTES.achievementRemoveAll,
    auth: 'app',
    handle(ctx) {
      const userId = ctx.params.required('user_id');
      if (!ctx.state.users.has(userId)) throw invalidUserParam('user_id', userId);
      ctx.state.progress.delete(userId);
      return { success: true };
    },
  },
];

/** The `api_names` filter as a set (undefined = all); every name must exist. */
function requestedDefinitions(ctx: RequestContext): Set<string> | undefined {
  const names = ctx.params.jsonStringArray('api_names');
  for (const name of names ?? []) {
    if (!ctx.state.definitions.has(name)) throw invalidParam(`No achievement with api_name ${name}`);
  }
  return names && new Set(names);
}

/** Mutates `progress` by the request's add_count / add_bits / force_unlock; returns just_unlocked. */
function applyProgress(ctx: RequestContext, definition: DefinitionRecord, progress: ProgressRecord): boolean {
  const { params } = ctx;
  const type = definition.achievement_type;
  const forceUnlock = params.bool('force_unlock', false);
  const addCount = params.int64('add_count');
  const addBits = params.get('add_bits');
  if (addCount !== undefined && type !== 'COUNT')
    throw invalidParam('add_count is only valid for COUNT achievements');
  if (addBits !== undefined && type !== 'BITFIELD')
    throw invalidParam('add_bits is only valid for BITFIELD achievements');
  if (!forceUnlock) {
    if (type === 'COUNT' && addCount === undefined) throw missingParam('add_count');
    if (type === 'BITFIELD' && addBits === undefined) throw missingParam('add_bits');
    if (type === 'SIMPLE') throw invalidParam('A SIMPLE achievement is unlocked with force_unlock=true');
  }
  if (addCount !== undefined) {
    if (addCount < 0n) throw invalidParam('add_count must not be negative');
    const sum = progress.count_progress + addCount;
    progress.count_progress = sum > INT64_MAX ? INT64_MAX : sum;
  }
  if (addBits !== undefined) {
    if (!/^[01]+$/.test(addBits) || addBits.length > definition.bitfield_length) {
      throw invalidParam(`add_bits must be a string of at most ${definition.bitfield_length} 0s and 1s`);
    }
    progress.bitfield_progress = orBits(progress.bitfield_progress, addBits);
  }
  if (progress.is_unlocked) return false;
  const ones = [...progress.bitfield_progress].filter((bit) => bit === '1').length;
  const reached =
    (type === 'COUNT' && progress.count_progress >= definition.target) ||
    (type === 'BITFIELD' && BigInt(ones) >= definition.target);
  if (!forceUnlock && !reached) return false;
  progress.is_unlocked = true;
  progress.unlock_time = nowSeconds();
  return true;
}

/** `10011` OR `00110` = `10111`: a bit once set stays set. */
function orBits(current: string, added: string): string {
  const length = Math.max(current.length, added.length);
  let merged = '';
  for (let i = 0; i < length; i++) merged += current[i] === '1' || added[i] === '1' ? '1' : '0';
  return merged;
}

/** Validates an upsert and returns the definition to store (the existing one updated, or a new one). */
function upsertDefinition(ctx: RequestContext): DefinitionRecord {
  const { params, state } = ctx;
  const apiName = params.required('api_name');
  if (!/^[A-Za-z0-9_]+$/.test(apiName))
    throw invalidParam('api_name must be alphanumeric (underscores allowed)');
  const existing = state.definitions.get(apiName);
  const type = params.oneOf('achievement_type', TYPES, true) ?? existing?.achievement_type;
  // The old docs' table called the policy `entry_write_policy`; accept that spelling too.
  const policy =
    params.oneOf('achievement_write_policy', POLICIES, true) ??
    params.oneOf('entry_write_policy', POLICIES, true) ??
    existing?.achievement_write_policy;
  if (!type) throw missingParam('achievement_type');
  if (!policy) throw missingParam('achievement_write_policy');
  if (existing && type !== existing.achievement_type) {
    throw invalidParam('achievement_type cannot be changed once an achievement exists');
  }
  const title = params.get('title') ?? existing?.title;
  const description = params.get('description') ?? existing?.description;
  if (title === undefined) throw missingParam('title');
  if (description === undefined) throw missingParam('description');

  const bitfieldLength =
    type === 'BITFIELD'
      ? (params.int('bitfield_length', 1, MAX_BITFIELD_LENGTH) ?? existing?.bitfield_length)
      : 0;
  if (bitfieldLength === undefined) throw missingParam('bitfield_length');
  if (existing && bitfieldLength < existing.bitfield_length) {
    throw invalidParam('bitfield_length cannot be decreased: users may have progress on the removed bits');
  }
  const target = type === 'SIMPLE' ? 0n : (params.int64('target') ?? existing?.target);
  if (target === undefined) throw missingParam('target');
  if (target < 0n || (type === 'BITFIELD' && target > BigInt(bitfieldLength))) {
    throw invalidParam(
      type === 'BITFIELD' ? 'target must be between 0 and bitfield_length' : 'target must not be negative',
    );
  }
  return {
    ...existing,
    id: existing?.id ?? state.newId(),
    api_name: apiName,
    achievement_type: type,
    achievement_write_policy: policy,
    target,
    bitfield_length: bitfieldLength,
    title,
    description,
    unlocked_description_override:
      params.get('unlocked_description_override') ?? existing?.unlocked_description_override,
    is_archived: params.bool('is_archived', existing?.is_archived ?? false),
    is_secret: params.bool('is_secret', existing?.is_secret ?? false),
  };
}
