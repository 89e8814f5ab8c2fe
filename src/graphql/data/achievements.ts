import type DataLoader from 'dataloader';
import {
  getUserAchievementRows,
  namedProgress,
  removeAllAchievements,
  upsertAchievementDefinition,
  writeAchievementProgress,
  type AchievementDefinition,
  type AchievementDefinitionInput,
  type AchievementProgress,
  type AchievementProgressRow,
  type Int64String,
} from '../../horizon/index.ts';
import { mapFailure } from '../errors.ts';
import { ListReader } from '../loaders/shared-list.ts';
import { perKeyLoader } from '../loaders/per-key-loader.ts';
import { perParent, perPlayer, sharedList, writeUnlessDryRun } from './cost.ts';
import type { SourceScope } from './source-scope.ts';
import { READ_FIELDS } from '../../shared/read-fields.ts';

/** One progress write: exactly one of the three. */
export type ProgressChange = { forceUnlock: true } | { addCount: Int64String } | { addBits: string };

/** Achievements: players' progress, the app's definitions, and the writes to both. */
export class AchievementsSource {
  readonly #scope: SourceScope;
  #progress?: DataLoader<string, AchievementProgressRow[]>;
  #definitions?: ListReader<AchievementDefinition>;

  constructor(scope: SourceScope) {
    this.#scope = scope;
  }

  /** One `GET /{user_id}/achievements` per distinct player (shared by every field that needs it). */
  static readonly progressCost = perPlayer('achievements', READ_FIELDS.userAchievements);
  /** The player's progress rows: only achievements the player has touched, each named. */
  async progress(userId: string): Promise<AchievementProgress[]> {
    return mapFailure(this.progressRows(userId).then(namedProgress));
  }

  /** The same rows (same call), named or not: for what needs only counts (a reset's summary). */
  progressRows(userId: string): Promise<AchievementProgressRow[]> {
    this.#progress ??= perKeyLoader('achievementsByUser', this.#scope.loaders, (id) =>
      getUserAchievementRows(this.#scope.transport, { userId: id }),
    );
    return this.#progress.load(userId);
  }

  /** The definitions list: at most one `GET /{app_id}/achievement_definitions` per operation. */
  static readonly definitionsCost = sharedList('definitions', READ_FIELDS.achievementDefinitions);
  /** Every definition, archived ones included, by api name. */
  definitions(): Promise<Map<string, AchievementDefinition>> {
    return this.#definitionList().all();
  }

  /** The definition named `apiName`, or undefined when the app has none (same cost as `definitions`). */
  definition(apiName: string): Promise<AchievementDefinition | undefined> {
    return this.#definitionList().find(apiName);
  }

  /** One `POST /{user_id}/achievements`. */
  static readonly writeCost = perParent(1);
  /** Writes progress; the player's progress read in this operation is read again afterwards. */
  async write(userId: string, apiName: string, change: ProgressChange): Promise<{ justUnlocked: boolean }> {
    const result = await mapFailure(
      writeAchievementProgress(this.#scope.transport, { userId, apiName, ...change }),
    );
    this.#progress?.clear(userId);
    return { justUnlocked: result.justUnlocked };
  }

  /** One `POST /achievement_remove_all`, none on a dry run. */
  static readonly removeAllCost = writeUnlessDryRun;
  /** Removes all of one player's progress. */
  async removeAll(userId: string): Promise<boolean> {
    const done = await mapFailure(removeAllAchievements(this.#scope.transport, { userId }));
    this.#progress?.clear(userId);
    return done;
  }

  /** One `POST /{app_id}/achievement_definitions`, then the definitions list once more. */
  static readonly upsertDefinitionCost = [perParent(1), AchievementsSource.definitionsCost] as const;
  /** Creates or updates a definition and returns it as the API now has it. */
  async upsertDefinition(input: AchievementDefinitionInput): Promise<AchievementDefinition | undefined> {
    await mapFailure(upsertAchievementDefinition(this.#scope.transport, input));
    this.#definitionList().invalidate();
    return this.definition(input.apiName);
  }

  #definitionList(): ListReader<AchievementDefinition> {
    return (this.#definitions ??= new ListReader(this.#scope.lists.definitions, this.#scope.transport));
  }
}
