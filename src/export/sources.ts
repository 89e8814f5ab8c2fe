/**
 * Row sources: what an export reads, batch by batch, from a position it can resume at. A source
 * reads through the transport it is given (the export's paced view of the client), so every
 * upstream call it makes is counted, paced and within the budget.
 */
import {
  getAchievementDefinitions,
  getAvailablePurchases,
  getLeaderboards,
  leaderboardEntryPages,
  type CallBudget,
  type HorizonTransport,
  type Int64String,
} from '../horizon/index.ts';
import { createSharedLists, DataSources } from '../graphql/data/index.ts';
import { USER_IDS_PER_CALL } from '../graphql/loaders/leaderboard-entry-loader.ts';
import { DEFINITIONS, LEADERBOARD_ENTRIES, PLAYER_ITEMS, type ExportKind, type Row } from './columns.ts';

/** A position to resume at: small and JSON-safe (it goes into the checkpoint file). */
export type Position = Record<string, string | number>;

/** One batch of rows and the position right after it. */
export interface Batch {
  rows: Row[];
  next: Position;
  /** Rows the whole export will have, when the source knows (progress and ETA). */
  total?: number;
}

/** A row source of one export kind. */
export interface RowSource {
  kind: ExportKind;
  /** Where a new export starts. */
  readonly start: Position;
  /** What identifies this export's input (a checkpoint of another export is refused). */
  readonly identity: Record<string, string | number>;
  /** Batches from `position` to the end, in order. A failure ends the iteration; read again from the last `next`. */
  read(position: Position, transport: HorizonTransport): AsyncIterable<Batch>;
}

/** Entries per leaderboard page asked for: the most the API gives in one call. */
export const LEADERBOARD_PAGE_SIZE = 1000;

/**
 * `leaderboard <apiName>`: every entry in rank order, pages of `pageSize` (the maximum by
 * default, so the walk costs ⌈entries / page⌉ calls); the position is the 0-based offset of the
 * next entry, and a resumed walk starts there with `start_at=OFFSET`.
 */
export function leaderboardSource(apiName: string, options: { pageSize?: number } = {}): RowSource {
  const limit = options.pageSize ?? LEADERBOARD_PAGE_SIZE;
  return {
    kind: LEADERBOARD_ENTRIES,
    start: { offset: 0 },
    identity: { what: 'leaderboard', apiName },
    async *read(position, transport) {
      let offset = Number(position.offset);
      for await (const page of leaderboardEntryPages(transport, { apiName, offset, limit })) {
        const rows: Row[] = page.entries.map((e) => ({
          rank: e.rank,
          score: e.score,
          user_id: e.user.id,
          alias: e.user.alias,
          timestamp: e.timestamp,
          extra_data_base64: e.extraDataBase64,
          supplementary_metric: e.supplementaryMetric,
          entry_id: e.id,
        }));
        offset += page.entries.length;
        const total = page.totalCount === undefined ? undefined : Number(page.totalCount);
        yield { rows, next: { offset }, total };
        // The board's size says the last page was the last: no call to find an empty page.
        if (total !== undefined && offset >= total) return;
      }
    },
  };
}

/** What `players --fields` may ask for. */
export const PLAYER_FIELDS = ['achievements', 'entitlements', 'subscriptions', 'leaderboards'] as const;
export type PlayerField = (typeof PLAYER_FIELDS)[number];

/** Players read together, as one GraphQL operation asking for them would (one `USER_IDS` batch). */
export const PLAYERS_PER_BATCH = USER_IDS_PER_CALL;

/**
 * `players`: for each id, in the order given, its rows of each field asked for. Each batch of
 * `PLAYERS_PER_BATCH` players is read through the subgraph's own data sources, as one operation
 * asking for those players would: one call per player for achievements, purchases and
 * subscriptions, one `USER_IDS` call per leaderboard for the batch, and the leaderboards list once
 * for the whole export. The position is the index of the next player (and the last one done).
 */
export function playersSource(
  ids: readonly string[],
  fields: readonly PlayerField[],
  options: { batchConcurrency?: number; cacheTtlMs?: number } = {},
): RowSource {
  const wanted = new Set(fields);
  // One set of shared lists for the whole export: the leaderboards list is read once.
  const lists = createSharedLists(options.cacheTtlMs ?? 24 * 3_600_000);
  return {
    kind: PLAYER_ITEMS,
    start: { index: 0, lastUserId: '' },
    identity: { what: 'players', fields: [...wanted].join(','), ids: ids.length, idsHash: hashIds(ids) },
    async *read(position, transport) {
      const noLimit: CallBudget = { take() {} };
      for (let index = Number(position.index); index < ids.length; index += PLAYERS_PER_BATCH) {
        const batch = ids.slice(index, index + PLAYERS_PER_BATCH);
        const sources = new DataSources(
          { horizon: { metered: () => transport }, lists, batchConcurrency: options.batchConcurrency ?? 32 },
          noLimit,
        );
        const perPlayer = await Promise.all(batch.map((id) => playerRows(sources, id, wanted)));
        yield {
          rows: perPlayer.flat(),
          next: { index: index + batch.length, lastUserId: batch.at(-1)! },
        };
      }
    },
  };
}

async function playerRows(sources: DataSources, userId: string, wanted: Set<PlayerField>): Promise<Row[]> {
  const [achievements, purchases, subscriptions, entries] = await Promise.all([
    wanted.has('achievements') ? sources.achievements.progress(userId) : [],
    wanted.has('entitlements') ? sources.entitlements.purchases(userId) : [],
    wanted.has('subscriptions') ? sources.subscriptions.ofUser(userId) : [],
    wanted.has('leaderboards') ? sources.leaderboards.entriesOf(userId) : [],
  ]);
  const rows: Row[] = [];
  for (const a of achievements) {
    rows.push({
      user_id: userId,
      item: 'achievement',
      key: a.apiName,
      id: a.id,
      is_unlocked: a.isUnlocked,
      unlock_time: a.unlockTime || null,
      count_progress: a.countProgress,
      bitfield_progress: a.bitfieldProgress || null,
    });
  }
  for (const p of purchases) {
    rows.push({
      user_id: userId,
      item: 'entitlement',
      key: p.sku,
      id: p.id,
      grant_time: p.grantTime,
      expiration_time: p.expirationTime || null,
    });
  }
  for (const s of subscriptions) {
    rows.push({
      user_id: userId,
      item: 'subscription',
      key: s.sku,
      id: s.id,
      is_active: s.isActive,
      is_trial: s.isTrial,
      period_start_time: s.periodStartTime,
      period_end_time: s.periodEndTime,
      next_renewal_time: s.nextRenewalTime,
      cancellation_time: s.cancellationTime,
    });
  }
  for (const e of entries) {
    rows.push({
      user_id: userId,
      item: 'leaderboard_entry',
      key: e.leaderboard,
      id: e.id,
      rank: e.rank,
      score: e.score,
      timestamp: e.timestamp,
    });
  }
  return rows;
}

/**
 * `definitions`: the achievement definitions (archived included), the leaderboards and the
 * catalog, each one paged list read; the position is the part to read next.
 */
export function definitionsSource(): RowSource {
  const parts: ((t: HorizonTransport) => Promise<Row[]>)[] = [
    async (t) =>
      (await getAchievementDefinitions(t, { includeArchived: true })).map((d) => ({
        type: 'achievement',
        key: d.apiName,
        id: d.id,
        title: d.title,
        description: d.description,
        achievement_type: d.achievementType,
        write_policy: d.writePolicy,
        target: d.target,
        bitfield_length: d.bitfieldLength,
        is_archived: d.isArchived,
        is_secret: d.isSecret,
      })),
    async (t) =>
      (await getLeaderboards(t)).map((l) => ({
        type: 'leaderboard',
        key: l.apiName,
        id: l.id,
        title: l.title,
        write_policy: l.entryWritePolicy,
        sort_order: l.sortOrder,
        entry_count: l.entryCount as Int64String | undefined,
      })),
    async (t) =>
      (await getAvailablePurchases(t)).map((p) => ({
        type: 'product',
        key: p.sku,
        title: p.name,
        description: p.description,
        product_type: p.type,
        price_currency: p.price?.currency,
        price_amount_in_hundredths: p.price?.amountInHundredths,
        subscription_term: p.subscriptionTerm,
      })),
  ];
  return {
    kind: DEFINITIONS,
    start: { part: 0 },
    identity: { what: 'definitions' },
    async *read(position, transport) {
      for (let part = Number(position.part); part < parts.length; part++) {
        yield { rows: await parts[part]!(transport), next: { part: part + 1 } };
      }
    },
  };
}

/** Reads `ids` lines: one id a line, blanks and surrounding spaces ignored; every id decimal digits. */
export function parseIds(text: string, maxIds = Number.MAX_SAFE_INTEGER): string[] {
  const ids: string[] = [];
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const id = raw.trim();
    if (id === '') continue;
    if (!/^\d{1,20}$/.test(id))
      throw new TypeError(`line ${n + 1}: "${id.slice(0, 40)}" is not a user id (decimal digits)`);
    ids.push(id);
    if (ids.length > maxIds) throw new TypeError(`more than ${maxIds} ids`);
  }
  return ids;
}

/** A short hash of the id list (FNV-1a, hex): a checkpoint names the input it belongs to. */
function hashIds(ids: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const id of ids) {
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 10, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
