import { READ_FIELDS } from '../../shared/read-fields.ts';
import { ROUTES } from '../../shared/routes.ts';
import type { HorizonTransport } from '../client.ts';
import { toInt64String, type Int64String } from '../int64.ts';
import { allRows, pages, readPage } from '../paging.ts';
import { read, seg } from '../read-fields.ts';
import { toUser, type HorizonUser } from './users.ts';

/** The sort orders this client knows; others read as absent (see `read.enumOf`). */
export const SORT_ORDERS = ['HIGHER_IS_BETTER', 'LOWER_IS_BETTER'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
/** The leaderboard write policies this client knows; others read as absent. */
export const LEADERBOARD_WRITE_POLICIES = ['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE'] as const;
export type LeaderboardWritePolicy = (typeof LEADERBOARD_WRITE_POLICIES)[number];
export type LeaderboardFilter = 'NONE' | 'FRIENDS' | 'USER_IDS';
export type LeaderboardStartAt = 'TOP' | 'VIEWER' | 'VIEWER_OR_TOP' | 'OFFSET';

/** A leaderboard's metadata (`/{app_id}/leaderboards` row). */
export interface Leaderboard {
  id: string;
  apiName?: string;
  title?: string;
  sortOrder?: SortOrder;
  entryWritePolicy?: LeaderboardWritePolicy;
  entryCount?: Int64String;
  /** Unix seconds; absent or 0 means unbounded. */
  earliestAllowedEntryTime?: number;
  latestAllowedEntryTime?: number;
  /** How scores read (points, times…): served as upstream names it; no public source lists the values. */
  scoreType?: string;
}

/** One player's entry on a leaderboard. */
export interface LeaderboardEntry {
  /** Entry id (used to delete the entry). */
  id: string;
  rank: number;
  score: Int64String;
  /** Unix seconds. */
  timestamp?: number;
  extraDataBase64?: string;
  supplementaryMetric?: Int64String;
  user: HorizonUser;
}

/** One page of entries. */
export interface LeaderboardEntriesPage {
  entries: LeaderboardEntry[];
  /** `summary.total_count` (asked for with `summary`). */
  totalCount?: Int64String;
  /** Cursor for the next page, when there is one. */
  after?: string;
  hasNextPage: boolean;
}

/** Which entries to read: see `leaderboard_entries` in the reference. */
export interface LeaderboardEntriesQuery {
  apiName: string;
  filter?: LeaderboardFilter;
  /** With `filter: 'USER_IDS'`. */
  userIds?: readonly string[];
  startAt?: LeaderboardStartAt;
  /** With `startAt: 'OFFSET'`: 0-based position of the first entry. */
  offset?: number;
  limit?: number;
  summary?: boolean;
  after?: string;
  before?: string;
  /** The player's token: required by FRIENDS and the VIEWER starts. */
  userToken?: string;
}

/** Fields of a leaderboard to create or update (upsert keyed by `apiName`). */
export interface LeaderboardInput {
  apiName: string;
  sortOrder?: SortOrder;
  entryWritePolicy?: LeaderboardWritePolicy;
  earliestAllowedEntryTime?: number;
  latestAllowedEntryTime?: number;
  /** Locale → title, e.g. `{ en_US: "Soccer" }`. */
  titleLocaleMap?: Record<string, string>;
}

/** `GET /{app_id}/leaderboards`: every leaderboard of the app (or the one named). */
export async function getLeaderboards(
  client: HorizonTransport,
  options: { apiName?: string } = {},
): Promise<Leaderboard[]> {
  const rows = await allRows(client, {
    route: ROUTES.leaderboardsRead,
    method: 'GET',
    path: `/${seg(client.appId)}/leaderboards`,
    params: { api_name: options.apiName },
    fields: READ_FIELDS.leaderboards,
    retry: 'safe',
  });
  return rows.map((row) => ({
    id: read.string(row, 'id') ?? '',
    apiName: read.string(row, 'api_name'),
    title: read.string(row, 'title'),
    sortOrder: read.enumOf(row, 'sort_order', SORT_ORDERS, 'leaderboard.sort_order', client),
    entryWritePolicy: read.enumOf(
      row,
      'entry_write_policy',
      LEADERBOARD_WRITE_POLICIES,
      'leaderboard.entry_write_policy',
      client,
    ),
    entryCount: read.int64(row, 'entry_count'),
    earliestAllowedEntryTime: read.number(row, 'earliest_allowed_entry_time'),
    latestAllowedEntryTime: read.number(row, 'latest_allowed_entry_time'),
    scoreType: read.string(row, 'score_type'),
  }));
}

/** `POST /{app_id}/leaderboards`: creates or updates by `apiName`; returns its id. */
export async function upsertLeaderboard(
  client: HorizonTransport,
  input: LeaderboardInput,
): Promise<{ id: string }> {
  const body = await client.call({
    route: ROUTES.leaderboardsUpsert,
    method: 'POST',
    path: `/${seg(client.appId)}/leaderboards`,
    params: {
      api_name: input.apiName,
      sort_order: input.sortOrder,
      entry_write_policy: input.entryWritePolicy,
      earliest_allowed_entry_time: input.earliestAllowedEntryTime,
      latest_allowed_entry_time: input.latestAllowedEntryTime,
      title_locale_map: input.titleLocaleMap ? JSON.stringify(input.titleLocaleMap) : undefined,
    },
    // An upsert keyed by api name: a repeat writes the same values.
    retry: 'safe',
  });
  return { id: read.string(body, 'id') ?? '' };
}

/** `DELETE /{leaderboard_id}`: deletes a leaderboard and its entries (unrecoverable). */
export async function deleteLeaderboard(
  client: HorizonTransport,
  options: { leaderboardId: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.leaderboardDelete,
    method: 'DELETE',
    path: `/${seg(options.leaderboardId)}`,
    // Idempotent in effect: retried on transient failures, and a retry that finds the leaderboard
    // gone counts as done (the first attempt may have deleted it).
    retry: 'safe',
    goneMeansDone: true,
  });
  return read.success(body);
}

/** `GET /leaderboard_entries`: one page of entries. */
export async function getLeaderboardEntriesPage(
  client: HorizonTransport,
  query: LeaderboardEntriesQuery,
): Promise<LeaderboardEntriesPage> {
  const body = await client.call(entriesCall(client, query));
  return toEntriesPage(readPage(body, ROUTES.leaderboardEntries));
}

/** `GET /leaderboard_entries`, following every page (e.g. a `USER_IDS` batch larger than a page). */
export async function getAllLeaderboardEntries(
  client: HorizonTransport,
  query: LeaderboardEntriesQuery,
): Promise<LeaderboardEntry[]> {
  const entries: LeaderboardEntry[] = [];
  // A USER_IDS read holds at most one entry per id: that many rows is the whole list.
  const maxRows = query.filter === 'USER_IDS' ? query.userIds?.length : undefined;
  for await (const page of pages(client, entriesCall(client, query), { maxRows }))
    entries.push(...toEntriesPage(page).entries);
  return entries;
}

/**
 * `GET /leaderboard_entries` over the whole board in rank order, from the 0-based position
 * `offset` to the end: one call per page of `limit` entries (the export's walk). Each page
 * carries `summary.total_count`.
 */
export async function* leaderboardEntryPages(
  client: HorizonTransport,
  query: { apiName: string; offset: number; limit: number },
): AsyncGenerator<LeaderboardEntriesPage, void, undefined> {
  const { apiName, offset, limit } = query;
  const first = entriesCall(client, {
    apiName,
    limit,
    summary: true,
    ...(offset > 0 ? { startAt: 'OFFSET' as const, offset } : {}),
  });
  // A whole board may be a million entries: the walk is bounded by the board, not a page count.
  for await (const page of pages(client, first, { maxPages: Number.MAX_SAFE_INTEGER }))
    yield toEntriesPage(page);
}

/**
 * `POST /leaderboard_submit_entry`: writes a score. With the app token `userId` is required;
 * with a player's token it must be absent. The API keeps the better score unless `forceUpdate`.
 */
export async function submitLeaderboardEntry(
  client: HorizonTransport,
  options: {
    apiName: string;
    score: Int64String;
    userId?: string;
    userToken?: string;
    extraDataBase64?: string;
    forceUpdate?: boolean;
    supplementaryMetric?: Int64String;
  },
): Promise<{ success: boolean; didUpdate: boolean }> {
  const body = await client.call({
    route: ROUTES.leaderboardSubmitEntry,
    method: 'POST',
    path: '/leaderboard_submit_entry',
    params: {
      api_name: options.apiName,
      score: options.score,
      user_id: options.userId,
      extra_data_base64: options.extraDataBase64,
      force_update: options.forceUpdate,
      supplementary_metric: options.supplementaryMetric,
    },
    userToken: options.userToken,
    // Never sent twice automatically: a repeat could overwrite a score written between the
    // attempts, and real submits take seconds, so a lost answer is not rare.
    retry: 'never',
  });
  return { success: read.success(body), didUpdate: read.boolean(body, 'did_update') ?? false };
}

/** `DELETE /{entry_id}`: deletes one entry. */
export async function deleteLeaderboardEntry(
  client: HorizonTransport,
  options: { entryId: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.leaderboardEntryDelete,
    method: 'DELETE',
    path: `/${seg(options.entryId)}`,
    // As for a leaderboard: retried, and "does not exist" on a retry means the first attempt did it.
    retry: 'safe',
    goneMeansDone: true,
  });
  return read.success(body);
}

/** `POST /leaderboard_remove_all_entries`: empties a leaderboard. */
export async function removeAllLeaderboardEntries(
  client: HorizonTransport,
  options: { apiName: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.leaderboardRemoveAllEntries,
    method: 'POST',
    path: '/leaderboard_remove_all_entries',
    params: { api_name: options.apiName },
    // Idempotent in effect (the board ends empty either way): retried on transient failures.
    retry: 'safe',
  });
  return read.success(body);
}

function entriesCall(client: HorizonTransport, query: LeaderboardEntriesQuery) {
  return {
    route: ROUTES.leaderboardEntries,
    method: 'GET' as const,
    path: '/leaderboard_entries',
    params: {
      api_name: query.apiName,
      filter: query.filter,
      user_ids: query.userIds ? userIdList(query.userIds) : undefined,
      start_at: query.startAt,
      offset: query.offset,
      limit: query.limit,
      summary: query.summary,
      after: query.after,
      before: query.before,
    },
    fields: READ_FIELDS.leaderboardEntries,
    userToken: query.userToken,
    retry: 'safe' as const,
  };
}

function toEntriesPage(page: ReturnType<typeof readPage>): LeaderboardEntriesPage {
  const entries = page.rows.flatMap((row): LeaderboardEntry[] => {
    const user = toUser(read.object(row, 'user') ?? {});
    const rank = read.number(row, 'rank');
    const score = read.int64(row, 'score');
    if (!user || rank === undefined || score === undefined) return [];
    const metric = read.object(row, 'supplementary_metric');
    return [
      {
        id: read.string(row, 'id') ?? '',
        rank,
        score,
        timestamp: read.number(row, 'timestamp'),
        extraDataBase64: read.string(row, 'extra_data_base64'),
        // Documented as an object `{id, metric}`; tolerate a bare value too.
        supplementaryMetric: metric ? read.int64(metric, 'metric') : read.int64(row, 'supplementary_metric'),
        user,
      },
    ];
  });
  return {
    entries,
    totalCount: toInt64String(page.totalCount),
    after: page.after,
    hasNextPage: page.nextUrl !== undefined && page.rows.length > 0,
  };
}

/**
 * `user_ids` as the documented "list of integers": a JSON array of numbers written as their exact
 * digits (`[7100000000000001,…]`), so ids above 2^53 stay exact. Ids are decimal strings already.
 */
function userIdList(ids: readonly string[]): string {
  return `[${ids.map((id) => (/^\d{1,20}$/.test(id) ? id : JSON.stringify(id))).join(',')}]`;
}
