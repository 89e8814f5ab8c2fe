import type DataLoader from 'dataloader';
import {
  deleteLeaderboard,
  deleteLeaderboardEntry,
  getLeaderboardEntriesPage,
  removeAllLeaderboardEntries,
  submitLeaderboardEntry,
  upsertLeaderboard,
  type Int64String,
  type Leaderboard,
  type LeaderboardEntriesQuery,
  type LeaderboardEntry,
  type LeaderboardInput,
} from '../../horizon/index.ts';
import { mapFailure, notFound } from '../errors.ts';
import {
  REFUSED_BATCH_NARROWING_CALLS,
  USER_IDS_PER_CALL,
  leaderboardEntryLoader,
  type BoardEntry,
  type LeaderboardEntryKey,
} from '../loaders/leaderboard-entry-loader.ts';
import { ListReader } from '../loaders/shared-list.ts';
import { encodeCursor, type EntriesView } from './leaderboard-cursor.ts';
import { perParent, sharedList, writeUnlessDryRun, type UpstreamCost } from './cost.ts';
import type { SourceScope } from './source-scope.ts';
import { READ_FIELDS } from '../../shared/read-fields.ts';

/** A validated request for one page of `Leaderboard.entries`. */
export interface EntriesRequest {
  apiName: string;
  /** Page size, 1–100. */
  first: number;
  /** The view cursors belong to. */
  view: EntriesView;
  /** Position (0-based) in the view of the entry to continue after. */
  afterPosition?: number;
  /** Centre the page on this player's entry (app credentials). */
  around?: string;
  /** Upstream filter and start, and the player's token for FRIENDS/VIEWER views. */
  filter?: 'FRIENDS' | 'USER_IDS';
  startAt?: 'VIEWER' | 'VIEWER_OR_TOP';
  userIds?: readonly string[];
  userToken?: string;
}

/** One page of entries, as the connection resolvers read it. */
export interface EntriesPage {
  edges: { cursor: string; node: BoardEntry }[];
  hasNextPage: boolean;
  totalCount?: Int64String;
}

/** `USER_IDS` reads of one leaderboard: a call per 100 players, plus narrowing a refused batch. */
function entryBatches(groups?: (args: Record<string, unknown>, sizes: { leaderboards: number }) => number) {
  return {
    per: 'batch',
    resource: 'leaderboardEntry',
    batchSize: USER_IDS_PER_CALL,
    narrowing: REFUSED_BATCH_NARROWING_CALLS,
    read: READ_FIELDS.leaderboardEntries,
    groups,
    groupKey: groups ? () => '*' : (args: Record<string, unknown>) => String(args.leaderboard),
  } as const satisfies UpstreamCost;
}

/** Leaderboards: the app's boards, entries by player and by page, and the writes to both. */
export class LeaderboardsSource {
  readonly #scope: SourceScope;
  #entries?: DataLoader<LeaderboardEntryKey, BoardEntry | null, string>;
  #boards?: ListReader<Leaderboard>;

  constructor(scope: SourceScope) {
    this.#scope = scope;
  }

  /** The leaderboards list: at most one `GET /{app_id}/leaderboards` per operation. */
  static readonly boardsCost = sharedList('leaderboards', READ_FIELDS.leaderboards);
  /** Every leaderboard of the app, by api name. */
  boards(): Promise<Map<string, Leaderboard>> {
    return this.#boardList().all();
  }

  /** The leaderboard named `apiName`, or undefined (same cost as `boards`). */
  board(apiName: string): Promise<Leaderboard | undefined> {
    return this.#boardList().find(apiName);
  }

  /** The leaderboard named `apiName`, or NOT_FOUND. */
  async existingBoard(apiName: string): Promise<Leaderboard> {
    const board = await this.board(apiName);
    if (!board) throw notFound(`No leaderboard named '${apiName}' exists for this app`);
    return board;
  }

  /** One `filter=USER_IDS` call per 100 players of the batch on that leaderboard. */
  static readonly entryCost = entryBatches();
  /** The player's entry on `leaderboard`, or null when the player has none there. */
  entry(leaderboard: string, userId: string): Promise<BoardEntry | null> {
    this.#entries ??= leaderboardEntryLoader(this.#scope.transport, this.#scope.loaders);
    return this.#entries.load({ leaderboard, userId });
  }

  /** The leaderboards list, then one `USER_IDS` call per leaderboard per 100 players. */
  static readonly entriesOfCost = [
    LeaderboardsSource.boardsCost,
    entryBatches((_args, sizes) => sizes.leaderboards),
  ] as const;
  /** The player's entries on every leaderboard (boards without one left out). */
  async entriesOf(userId: string): Promise<BoardEntry[]> {
    const names = [...(await this.boards()).keys()];
    const found = await Promise.all(names.map((leaderboard) => this.entry(leaderboard, userId)));
    return found.filter((entry) => entry !== null);
  }

  /** One `GET /leaderboard_entries` per page; `around` first finds the player's rank (a `USER_IDS` read). */
  static readonly pageCost = perParent(
    (args) => 1 + (args.around != null ? 1 + REFUSED_BATCH_NARROWING_CALLS : 0),
    READ_FIELDS.leaderboardEntries,
  );
  /** One page of entries, best first, with our own cursors. */
  async page(request: EntriesRequest, totalIfEmpty?: Int64String): Promise<EntriesPage> {
    const { apiName, first, view } = request;
    const query: LeaderboardEntriesQuery = { apiName, limit: first, summary: true, ...upstreamView(request) };
    if (request.around !== undefined) {
      const entry = await this.entry(apiName, request.around);
      if (!entry) return { edges: [], hasNextPage: false, totalCount: totalIfEmpty };
      query.startAt = 'OFFSET';
      query.offset = Math.max(0, entry.rank - 1 - Math.floor(first / 2));
    }
    const page = await mapFailure(getLeaderboardEntriesPage(this.#scope.transport, query));
    const start = query.offset ?? 0;
    // A VIEWER page starts wherever the player is: there the rank tells the position.
    const fromRank = query.startAt === 'VIEWER' || query.startAt === 'VIEWER_OR_TOP';
    const position = (entry: LeaderboardEntry, index: number) => (fromRank ? entry.rank - 1 : start + index);
    return {
      edges: page.entries.map((node, index) => ({
        cursor: encodeCursor({
          board: apiName,
          view,
          position: position(node, index),
          userIds: request.userIds,
        }),
        node: { ...node, leaderboard: apiName },
      })),
      hasNextPage: page.hasNextPage,
      totalCount: page.totalCount,
    };
  }

  /** One `POST /leaderboard_submit_entry`. */
  static readonly submitCost = perParent(1);
  /** Writes a score; the player's entry and the leaderboards list are read again afterwards. */
  async submit(entry: {
    leaderboard: string;
    userId: string;
    score: Int64String;
    extraDataBase64?: string;
    forceUpdate?: boolean;
  }): Promise<boolean> {
    const { leaderboard, userId } = entry;
    const result = await mapFailure(
      submitLeaderboardEntry(this.#scope.transport, { ...entry, apiName: leaderboard }),
    );
    this.#entries?.clear({ leaderboard, userId });
    // The leaderboard's entry count may have changed.
    this.#boardList().invalidate();
    return result.didUpdate;
  }

  /** One `DELETE /{entry_id}`, none on a dry run. */
  static readonly deleteEntryCost = writeUnlessDryRun;
  /** Deletes one entry by its entry id. */
  async deleteEntry(entryId: string): Promise<boolean> {
    return this.#afterEntriesChanged(
      await mapFailure(deleteLeaderboardEntry(this.#scope.transport, { entryId })),
    );
  }

  /** The leaderboards list (to describe the reset), then one `POST /leaderboard_remove_all_entries` unless a dry run. */
  static readonly resetCost = [LeaderboardsSource.boardsCost, writeUnlessDryRun] as const;
  /** Deletes every entry of a leaderboard. */
  async reset(apiName: string): Promise<boolean> {
    return this.#afterEntriesChanged(
      await mapFailure(removeAllLeaderboardEntries(this.#scope.transport, { apiName })),
    );
  }

  /** One `POST /{app_id}/leaderboards`, then the leaderboards list once more. */
  static readonly upsertCost = [perParent(1), LeaderboardsSource.boardsCost] as const;
  /** Creates or updates a leaderboard and returns it as the API now has it. */
  async upsert(change: LeaderboardInput): Promise<Leaderboard | undefined> {
    await mapFailure(upsertLeaderboard(this.#scope.transport, change));
    this.#boardList().invalidate();
    return this.board(change.apiName);
  }

  /** The leaderboards list (to find its id), then one `DELETE /{leaderboard_id}` unless a dry run. */
  static readonly deleteCost = [LeaderboardsSource.boardsCost, writeUnlessDryRun] as const;
  /** Deletes a leaderboard (found with `existingBoard`) and all its entries. */
  async delete(board: Leaderboard): Promise<boolean> {
    return this.#afterEntriesChanged(
      await mapFailure(deleteLeaderboard(this.#scope.transport, { leaderboardId: board.id })),
    );
  }

  /** Entries changed in ways we cannot tell per player: forget them and the boards' counts. */
  #afterEntriesChanged(done: boolean): boolean {
    this.#entries?.clearAll();
    this.#boardList().invalidate();
    return done;
  }

  #boardList(): ListReader<Leaderboard> {
    return (this.#boards ??= new ListReader(this.#scope.lists.leaderboards, this.#scope.transport));
  }
}

/** The upstream filter and start of a request (VIEWER views continue as the global ranking). */
function upstreamView(request: EntriesRequest): Partial<LeaderboardEntriesQuery> {
  const view: Partial<LeaderboardEntriesQuery> = {};
  if (request.afterPosition !== undefined) {
    view.startAt = 'OFFSET';
    view.offset = request.afterPosition + 1;
  } else if (request.startAt) {
    view.startAt = request.startAt;
  }
  if (request.filter) view.filter = request.filter;
  if (request.userIds) view.userIds = request.userIds;
  if (request.userToken) view.userToken = request.userToken;
  return view;
}
