/**
 * Leaderboards (reference §4): list/upsert/delete, ranked entries with filters and start points,
 * submitting (one entry per user; the best is kept unless `force_update`), and deletions.
 */
import { ROUTES } from '../../shared/routes.ts';
import { nowSeconds, type RequestContext } from '../context.ts';
import { compileProjection, nested, own, type NodeType } from '../fields.ts';
import {
  GraphError,
  invalidParam,
  invalidUserParam,
  missingParam,
  permissionDenied,
  unknownLeaderboard,
  unknownObject,
} from '../graph-errors.ts';
import { pageSize, takePage } from '../paging.ts';
import { parseJson } from '../json.ts';
import type { Endpoint } from '../router.ts';
import { EntryMap, type EntryRecord, type LeaderboardRecord, type UserRecord } from '../state.ts';
import { STRICT_FULL_BOARD_PAGE_CAP } from '../strict.ts';
import { userType } from './users.ts';

const SORT_ORDERS = ['HIGHER_IS_BETTER', 'LOWER_IS_BETTER'] as const;
const WRITE_POLICIES = ['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE'] as const;
const FILTERS = ['NONE', 'FRIENDS', 'USER_IDS'] as const;
const START_AT = ['TOP', 'VIEWER', 'VIEWER_OR_TOP', 'OFFSET'] as const;
const MAX_EXTRA_DATA_BYTES = 2048;

const leaderboardType: NodeType<LeaderboardRecord> = {
  name: 'Leaderboard',
  defaults: ['id'],
  fields: {
    id: own('id'),
    api_name: own('api_name'),
    sort_order: own('sort_order'),
    entry_write_policy: own('entry_write_policy'),
    entry_count: { get: (l) => BigInt(l.entries.size) },
    title: own('title'),
    score_type: own('score_type'),
    // 0 means "unbounded" and is left out, like any unset value.
    earliest_allowed_entry_time: { get: (l) => l.earliest_allowed_entry_time || undefined },
    latest_allowed_entry_time: { get: (l) => l.latest_allowed_entry_time || undefined },
  },
};

interface EntryView {
  entry: EntryRecord;
  rank: number;
  leaderboard: LeaderboardRecord;
  user: UserRecord;
}

const supplementaryMetricType: NodeType<{ id: string; metric: bigint }> = {
  name: 'SupplementaryMetric',
  defaults: ['id', 'metric'],
  fields: { id: own('id'), metric: own('metric') },
};

const entryType: NodeType<EntryView> = {
  name: 'LeaderboardEntry',
  defaults: ['id'],
  fields: {
    id: { get: (v) => v.entry.id },
    rank: { get: (v) => v.rank },
    score: { get: (v) => v.entry.score },
    display_score: { get: (v) => v.entry.score.toString() },
    timestamp: { get: (v) => v.entry.timestamp },
    extra_data_base64: { get: (v) => v.entry.extra_data_base64 },
    user: nested(userType, (v) => v.user),
    supplementary_metric: nested(supplementaryMetricType, (v) =>
      v.entry.supplementary_metric === undefined
        ? undefined
        : { id: v.leaderboard.id, metric: v.entry.supplementary_metric },
    ),
  },
};

export const leaderboardEndpoints: Endpoint[] = [
  {
    route: ROUTES.leaderboardsRead,
    auth: 'any',
    handle(ctx) {
      const project = compileProjection(leaderboardType, ctx.params.get('fields'));
      const apiName = ctx.params.get('api_name');
      const list =
        apiName === undefined ? [...ctx.state.leaderboards.values()] : [leaderboardNamed(ctx, apiName)];
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
  {
    route: ROUTES.leaderboardsUpsert,
    auth: 'app',
    handle(ctx) {
      const leaderboard = upsertLeaderboard(ctx);
      ctx.state.leaderboards.set(leaderboard.api_name, leaderboard);
      return { id: leaderboard.id };
    },
  },
  {
    route: ROUTES.leaderboardDelete,
    auth: 'app',
    claims: (segments, state) => state.leaderboardById(segments[0] as string) !== undefined,
    handle(ctx) {
      const leaderboard = ctx.state.leaderboardById(ctx.segments[0] as string) as LeaderboardRecord;
      ctx.state.leaderboards.delete(leaderboard.api_name);
      return { success: true };
    },
  },
  {
    // Also answers DELETE for ids that are neither a leaderboard nor an entry (subcode 33).
    route: ROUTES.leaderboardEntryDelete,
    auth: 'app',
    handle(ctx) {
      const id = ctx.segments[0] as string;
      const found = ctx.state.entryById(id);
      if (!found) throw unknownObject(ctx.method, id);
      found.leaderboard.entries.delete(found.entry.user_id);
      return { success: true };
    },
  },
  {
    route: ROUTES.leaderboardRemoveAllEntries,
    auth: 'app',
    handle(ctx) {
      leaderboardNamed(ctx, ctx.params.required('api_name')).entries.clear();
      return { success: true };
    },
  },
  { route: ROUTES.leaderboardEntries, auth: 'any', handle: readEntries },
  { route: ROUTES.leaderboardSubmitEntry, auth: 'any', handle: submitEntry },
];

function leaderboardNamed(ctx: RequestContext, apiName: string): LeaderboardRecord {
  const leaderboard = ctx.state.leaderboards.get(apiName);
  if (!leaderboard) throw unknownLeaderboard(apiName);
  return leaderboard;
}

function readEntries(ctx: RequestContext): unknown {
  const { params, caller, state } = ctx;
  const leaderboard = leaderboardNamed(ctx, params.required('api_name'));
  const filter = params.oneOf('filter', FILTERS) ?? 'NONE';
  const startAt = params.oneOf('start_at', START_AT) ?? 'TOP';
  const project = compileProjection(entryType, params.get('fields'));
  const viewer = caller.kind === 'user' ? caller.user : undefined;
  if (!viewer && filter === 'FRIENDS') throw invalidParam('filter=FRIENDS requires a user access token');
  if (!viewer && startAt.startsWith('VIEWER'))
    throw invalidParam(`start_at=${startAt} requires a user access token`);

  // Ranks are positions on the whole leaderboard, also when a filter shows only some of them.
  const board = rankedViews(leaderboard, state.users);
  let ranked: EntryView[] = board.views;
  if (filter === 'FRIENDS' && viewer) {
    const circle = new Set([viewer.id, ...viewer.friends]);
    ranked = ranked.filter((v) => circle.has(v.entry.user_id));
  } else if (filter === 'USER_IDS') {
    const ids = params.idList('user_ids', { integersOnly: ctx.strict });
    if (!ids) throw missingParam('user_ids');
    for (const id of ids) if (!state.users.has(id)) throw invalidUserParam('user_ids', id);
    const positions = [...new Set(ids)].flatMap((id) => {
      const index = board.indexByUser.get(id);
      return index === undefined ? [] : [index];
    });
    ranked = positions.sort((a, b) => a - b).map((index) => board.views[index]!);
  }

  // Strict mode: a whole-board walk gets short pages and a `next` that fails (public clients step
  // with `after=<cursors.after>` instead); filtered views are small and keep plain paging.
  const paging =
    ctx.strict && filter === 'NONE' ? { maxRows: STRICT_FULL_BOARD_PAGE_CAP, brokenNext: true } : {};
  const rows = Math.min(pageSize(params), paging.maxRows ?? Number.POSITIVE_INFINITY);
  let start = 0;
  if (startAt === 'OFFSET') {
    start = params.requiredInt('offset', 0, Number.MAX_SAFE_INTEGER);
  } else if (startAt !== 'TOP') {
    const index = ranked.findIndex((v) => v.entry.user_id === viewer?.id);
    if (index < 0 && startAt === 'VIEWER') start = ranked.length; // an unranked viewer has no page
    // The page is centred on the viewer, as the SDK's CENTERED_ON_VIEWER names it.
    if (index >= 0) start = Math.max(0, index - Math.floor(rows / 2));
  }
  const page = takePage(ranked, ctx, start, paging);
  return {
    data: page.data.map(project),
    summary: params.bool('summary', false) ? { total_count: ranked.length } : undefined,
    paging: page.paging,
  };
}

/** A board's ranking, built once per change of its entries (whole-board walks read it page by page). */
interface RankedBoard {
  version: number;
  sortOrder: string;
  views: EntryView[];
  indexByUser: Map<string, number>;
}

const rankings = new WeakMap<LeaderboardRecord, RankedBoard>();

function rankedViews(leaderboard: LeaderboardRecord, users: ReadonlyMap<string, UserRecord>): RankedBoard {
  const cached = rankings.get(leaderboard);
  const { version } = leaderboard.entries;
  if (cached && cached.version === version && cached.sortOrder === leaderboard.sort_order) return cached;
  const views = rankEntries(leaderboard).map((entry, index) => ({
    entry,
    rank: index + 1,
    leaderboard,
    user: users.get(entry.user_id) as UserRecord,
  }));
  const indexByUser = new Map(views.map((v, index) => [v.entry.user_id, index]));
  const ranking = { version, sortOrder: leaderboard.sort_order, views, indexByUser };
  rankings.set(leaderboard, ranking);
  return ranking;
}

/** Best first; ties go to the better supplementary metric, then to the earlier entry. */
function rankEntries(leaderboard: LeaderboardRecord): EntryRecord[] {
  const direction = leaderboard.sort_order === 'HIGHER_IS_BETTER' ? -1 : 1;
  const compare = (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -direction : direction);
  return [...leaderboard.entries.values()].sort((a, b) => {
    if (a.score !== b.score) return compare(a.score, b.score);
    const am = a.supplementary_metric;
    const bm = b.supplementary_metric;
    // An entry without a metric loses the tie to one with.
    if (am !== bm) return am === undefined ? 1 : bm === undefined ? -1 : compare(am, bm);
    return a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
}

function submitEntry(ctx: RequestContext): unknown {
  const { params, caller, state } = ctx;
  const apiName = params.required('api_name');
  const score = params.requiredInt64('score');
  const leaderboard = leaderboardNamed(ctx, apiName);

  let user: UserRecord;
  if (caller.kind === 'user') {
    if (params.has('user_id')) throw invalidParam('user_id must not be set when using a user access token');
    if (leaderboard.entry_write_policy === 'SERVER_AUTHORITATIVE') {
      throw permissionDenied(
        `Leaderboard ${apiName} is SERVER_AUTHORITATIVE: submit with the app access token`,
      );
    }
    user = caller.user;
  } else {
    const userId = params.required('user_id');
    const found = state.users.get(userId);
    if (!found) throw invalidUserParam('user_id', userId);
    if (!found.owns_app) throw invalidParam(`User ${userId} is not entitled to this app`);
    user = found;
  }

  const extraData = params.get('extra_data_base64');
  if (extraData !== undefined) {
    const decoded = Buffer.from(extraData, 'base64');
    if (decoded.toString('base64') !== extraData) throw invalidParam('extra_data_base64 must be base64');
    if (decoded.length > MAX_EXTRA_DATA_BYTES) {
      throw invalidParam(`extra_data_base64 must decode to at most ${MAX_EXTRA_DATA_BYTES} bytes`);
    }
  }
  const supplementaryMetric = params.int64('supplementary_metric');
  const forceUpdate = params.bool('force_update', false);

  const now = nowSeconds();
  if (leaderboard.earliest_allowed_entry_time && now < leaderboard.earliest_allowed_entry_time) {
    throw new GraphError(
      400,
      100,
      "This leaderboard entry is too early for the leaderboard's allowed time window.",
    );
  }
  if (leaderboard.latest_allowed_entry_time && now > leaderboard.latest_allowed_entry_time) {
    throw new GraphError(
      400,
      100,
      "This leaderboard entry is too late for the leaderboard's allowed time window.",
    );
  }

  const existing = leaderboard.entries.get(user.id);
  const better =
    !existing ||
    (leaderboard.sort_order === 'HIGHER_IS_BETTER' ? score > existing.score : score < existing.score);
  const didUpdate = forceUpdate || better;
  if (didUpdate) {
    leaderboard.entries.set(user.id, {
      id: existing?.id ?? state.newId(),
      api_name: apiName,
      user_id: user.id,
      score,
      timestamp: now,
      extra_data_base64: extraData,
      supplementary_metric: supplementaryMetric,
    });
  }
  // The shape real traffic shows; the docs' `updated_challenge_ids` never appears there.
  return { success: true, did_update: didUpdate };
}

function upsertLeaderboard(ctx: RequestContext): LeaderboardRecord {
  const { params, state } = ctx;
  const apiName = params.required('api_name');
  const existing = state.leaderboards.get(apiName);
  const sortOrder = params.oneOf('sort_order', SORT_ORDERS) ?? existing?.sort_order;
  const writePolicy = params.oneOf('entry_write_policy', WRITE_POLICIES) ?? existing?.entry_write_policy;
  if (!sortOrder) throw missingParam('sort_order');
  if (!writePolicy) throw missingParam('entry_write_policy');
  const earliest =
    params.int('earliest_allowed_entry_time', 0, Number.MAX_SAFE_INTEGER) ??
    existing?.earliest_allowed_entry_time ??
    0;
  const latest =
    params.int('latest_allowed_entry_time', 0, Number.MAX_SAFE_INTEGER) ??
    existing?.latest_allowed_entry_time ??
    0;
  if (earliest && latest && earliest > latest) {
    throw invalidParam('earliest_allowed_entry_time must not be after latest_allowed_entry_time');
  }
  return {
    ...existing,
    id: existing?.id ?? state.newId(),
    api_name: apiName,
    sort_order: sortOrder,
    entry_write_policy: writePolicy,
    earliest_allowed_entry_time: earliest,
    latest_allowed_entry_time: latest,
    title: titleFrom(params.get('title_locale_map')) ?? params.get('title') ?? existing?.title,
    entries: existing?.entries ?? new EntryMap(),
  };
}

/** `{"en_US":"Soccer","en_GB":"Football"}` → the en_US title, else the first one. */
function titleFrom(localeMap: string | undefined): string | undefined {
  if (localeMap === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = parseJson(localeMap);
  } catch {
    parsed = undefined;
  }
  const titles =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  if (titles.length === 0 || !titles.every(([, title]) => typeof title === 'string')) {
    throw invalidParam('title_locale_map must be a JSON object of locale → title, like {"en_US":"Soccer"}');
  }
  return (parsed as Record<string, string>)['en_US'] ?? (titles[0]?.[1] as string);
}
