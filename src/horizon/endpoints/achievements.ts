import { READ_FIELDS } from '../../shared/read-fields.ts';
import { ROUTES } from '../../shared/routes.ts';
import type { HorizonTransport } from '../client.ts';
import type { Int64String } from '../int64.ts';
import { allRows } from '../paging.ts';
import { HorizonApiError } from '../horizon-api-error.ts';
import { read, seg } from '../read-fields.ts';

/** The achievement types this client knows; others read as absent (see `read.enumOf`). */
export const ACHIEVEMENT_TYPES = ['SIMPLE', 'COUNT', 'BITFIELD'] as const;
export type AchievementType = (typeof ACHIEVEMENT_TYPES)[number];
/** The achievement write policies this client knows; others read as absent. */
export const ACHIEVEMENT_WRITE_POLICIES = ['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE'] as const;
export type AchievementWritePolicy = (typeof ACHIEVEMENT_WRITE_POLICIES)[number];

/** An achievement as defined for the app (`achievement_definitions`). Unset fields are absent. */
export interface AchievementDefinition {
  id: string;
  apiName: string;
  achievementType?: AchievementType;
  writePolicy?: AchievementWritePolicy;
  /** COUNT: count to reach; BITFIELD: bits to set. */
  target?: Int64String;
  bitfieldLength?: number;
  isArchived?: boolean;
  title?: string;
  description?: string;
  unlockedDescriptionOverride?: string;
  isSecret?: boolean;
  lockedImageUri?: string;
  unlockedImageUri?: string;
}

/** One user's progress on one achievement (`/{user_id}/achievements`). */
export interface AchievementProgress {
  id: string;
  apiName: string;
  isUnlocked: boolean;
  /** Unix seconds; absent or 0 while locked. */
  unlockTime?: number;
  countProgress?: Int64String;
  bitfieldProgress?: string;
  /** The definition fields the progress read asked for. */
  definition?: Pick<AchievementDefinition, 'apiName' | 'achievementType' | 'target' | 'bitfieldLength'>;
}

/** Result of a progress write. */
export interface AchievementWriteResult {
  id?: string;
  apiName: string;
  /** True only on the call that unlocked the achievement. */
  justUnlocked: boolean;
}

/** Fields of a definition to create or update (upsert keyed by `apiName`). */
export interface AchievementDefinitionInput {
  apiName: string;
  achievementType: AchievementType;
  writePolicy: AchievementWritePolicy;
  target?: Int64String;
  bitfieldLength?: number;
  isArchived?: boolean;
  title: string;
  description: string;
  unlockedDescriptionOverride?: string;
  isSecret?: boolean;
}

/** `GET /{app_id}/achievement_definitions`: all definitions, or those named; every page. */
export async function getAchievementDefinitions(
  client: HorizonTransport,
  options: { apiNames?: readonly string[]; includeArchived?: boolean } = {},
): Promise<AchievementDefinition[]> {
  const rows = await allRows(client, {
    route: ROUTES.achievementDefinitionsRead,
    method: 'GET',
    path: `/${seg(client.appId)}/achievement_definitions`,
    params: {
      api_names: options.apiNames ? JSON.stringify(options.apiNames) : undefined,
      include_archived: options.includeArchived,
    },
    fields: READ_FIELDS.achievementDefinitions,
    retry: 'safe',
  });
  return rows.flatMap((row) => {
    const definition = toDefinition(row, client, 'achievement_definition');
    return definition ? [definition] : [];
  });
}

/** `POST /{app_id}/achievement_definitions`: creates or updates by `apiName`; returns its id. */
export async function upsertAchievementDefinition(
  client: HorizonTransport,
  input: AchievementDefinitionInput,
): Promise<{ id: string }> {
  const body = await client.call({
    route: ROUTES.achievementDefinitionsUpsert,
    method: 'POST',
    path: `/${seg(client.appId)}/achievement_definitions`,
    params: {
      api_name: input.apiName,
      achievement_type: input.achievementType,
      achievement_write_policy: input.writePolicy,
      target: input.target,
      bitfield_length: input.bitfieldLength,
      is_archived: input.isArchived,
      title: input.title,
      description: input.description,
      unlocked_description_override: input.unlockedDescriptionOverride,
      is_secret: input.isSecret,
    },
    // An upsert keyed by api name with the whole definition: a repeat writes the same values.
    retry: 'safe',
  });
  return { id: read.string(body, 'id') ?? '' };
}

/** A progress row as upstream served it: without `apiName` when upstream did not name it. */
export type AchievementProgressRow = Omit<AchievementProgress, 'apiName'> & { apiName?: string };

/**
 * `GET /{user_id}/achievements`: one user's progress rows (touched achievements), every page, named
 * or not. For what needs no names (how many rows, how many unlocked); others use `getUserAchievements`.
 */
export async function getUserAchievementRows(
  client: HorizonTransport,
  options: { userId: string; apiNames?: readonly string[] },
): Promise<AchievementProgressRow[]> {
  const rows = await allRows(client, {
    route: ROUTES.userAchievementsRead,
    method: 'GET',
    path: `/${seg(options.userId)}/achievements`,
    params: {
      api_names: options.apiNames ? JSON.stringify(options.apiNames) : undefined,
    },
    fields: READ_FIELDS.userAchievements,
    retry: 'safe',
  });
  return rows.map((row) => {
    const definition = toDefinition(
      read.object(row, 'definition') ?? {},
      client,
      'achievement_progress.definition',
    );
    return {
      id: read.string(row, 'id') ?? '',
      apiName: (definition?.apiName ?? read.string(row, 'api_name')) || undefined,
      isUnlocked: read.boolean(row, 'is_unlocked') ?? false,
      unlockTime: read.number(row, 'unlock_time'),
      countProgress: read.int64(row, 'count_progress'),
      bitfieldProgress: read.string(row, 'bitfield_progress'),
      definition,
    };
  });
}

/**
 * The rows, each named; a failure when some are not. Rows are named only through
 * `definition{api_name}` (a guess, see READ_FIELDS): rows without a name must not read as "no progress".
 */
export function namedProgress(rows: readonly AchievementProgressRow[]): AchievementProgress[] {
  const progress = rows.filter((row): row is AchievementProgress => row.apiName !== undefined);
  if (progress.length < rows.length) {
    throw new HorizonApiError(
      `${ROUTES.userAchievementsRead}: ${rows.length - progress.length} of ${rows.length} progress rows came without the achievement they belong to (definition{api_name} was not served)`,
      { kind: 'invalid_response', endpoint: ROUTES.userAchievementsRead, transient: false },
    );
  }
  return progress;
}

/** `GET /{user_id}/achievements`: one user's progress (touched achievements), every page, every row named. */
export async function getUserAchievements(
  client: HorizonTransport,
  options: { userId: string; apiNames?: readonly string[] },
): Promise<AchievementProgress[]> {
  return namedProgress(await getUserAchievementRows(client, options));
}

/**
 * `POST /{user_id}/achievements`: one progress write. Exactly one of `forceUnlock`, `addCount`
 * (COUNT only, additive) or `addBits` (BITFIELD only, OR-merged) is expected.
 */
export async function writeAchievementProgress(
  client: HorizonTransport,
  options: {
    userId: string;
    apiName: string;
    forceUnlock?: boolean;
    addCount?: Int64String;
    addBits?: string;
  },
): Promise<AchievementWriteResult> {
  const body = await client.call({
    route: ROUTES.userAchievementsWrite,
    method: 'POST',
    path: `/${seg(options.userId)}/achievements`,
    params: {
      api_name: options.apiName,
      force_unlock: options.forceUnlock,
      add_count: options.addCount,
      add_bits: options.addBits,
    },
    // Only an unlock is sent again after a transient failure (a repeat may only report
    // justUnlocked false). Adding to a counter or bits is not: a repeat after a lost answer
    // would count twice, or set bits written since.
    retry: options.forceUnlock ? 'safe' : 'never',
  });
  return {
    id: read.string(body, 'id'),
    apiName: read.string(body, 'api_name') ?? options.apiName,
    justUnlocked: read.boolean(body, 'just_unlocked') ?? false,
  };
}

/** `POST /achievement_remove_all`: removes all of one user's progress in this app. */
export async function removeAllAchievements(
  client: HorizonTransport,
  options: { userId: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.achievementRemoveAll,
    method: 'POST',
    path: '/achievement_remove_all',
    params: { user_id: options.userId },
    // Idempotent in effect (the progress ends empty either way): retried on transient failures.
    retry: 'safe',
  });
  return read.success(body);
}

/** `where` names the row in reports of unknown enum values, e.g. `achievement_definition`. */
function toDefinition(
  row: Record<string, unknown>,
  client: HorizonTransport,
  where: string,
): AchievementDefinition | undefined {
  const apiName = read.string(row, 'api_name');
  if (!apiName) return undefined;
  return {
    id: read.string(row, 'id') ?? '',
    apiName,
    achievementType: read.enumOf(
      row,
      'achievement_type',
      ACHIEVEMENT_TYPES,
      `${where}.achievement_type`,
      client,
      // The old docs used lowercase type names.
      { normalise: (value) => value.toUpperCase() },
    ),
    writePolicy: read.enumOf(
      row,
      'achievement_write_policy',
      ACHIEVEMENT_WRITE_POLICIES,
      `${where}.achievement_write_policy`,
      client,
    ),
    target: read.int64(row, 'target'),
    bitfieldLength: read.number(row, 'bitfield_length'),
    isArchived: read.boolean(row, 'is_archived'),
    title: read.string(row, 'title'),
    description: read.string(row, 'description'),
    unlockedDescriptionOverride: read.string(row, 'unlocked_description_override'),
    isSecret: read.boolean(row, 'is_secret'),
    lockedImageUri: read.string(row, 'locked_image_uri'),
    unlockedImageUri: read.string(row, 'unlocked_image_uri'),
  };
}
