/**
 * The export kinds and their columns, declared once: the writers of every format, the HTTP
 * routes and `docs/export.md` (checked by a test) all read them from here.
 */

/**
 * How a column's values are typed in each format:
 * - `string`: JSON string, CSV text, Parquet `STRING` (UTF-8 `BYTE_ARRAY`);
 * - `int64`: an exact 64-bit integer: a JSON *string* of decimal digits in NDJSON, the digits in
 *   CSV, Parquet `INT64` (a score above 2^53 stays exact everywhere);
 * - `integer`: a whole number that always fits a double (ranks, unix seconds): a JSON number, the
 *   digits in CSV, Parquet `INT64`;
 * - `boolean`: JSON `true`/`false`, CSV `true`/`false`, Parquet `BOOLEAN`.
 * Every column may be null: `null` in NDJSON, an empty field in CSV, a Parquet null.
 */
export type ColumnType = 'string' | 'int64' | 'integer' | 'boolean';

/** One column of an export kind. */
export interface Column {
  name: string;
  type: ColumnType;
  description: string;
}

/** A row: a value (or null) per column name. `int64` values are decimal strings. */
export type Row = Record<string, string | number | boolean | null | undefined>;

/** An export kind: a name and its columns, in output order. */
export interface ExportKind {
  name: string;
  description: string;
  columns: readonly Column[];
}

const column = (name: string, type: ColumnType, description: string): Column => ({ name, type, description });

/** `leaderboard <apiName>`: every entry of one leaderboard, in rank order. */
export const LEADERBOARD_ENTRIES: ExportKind = {
  name: 'leaderboard',
  description: 'Every entry of one leaderboard, best first (rank order).',
  columns: [
    column('rank', 'integer', '1-based position on the whole leaderboard'),
    column('score', 'int64', 'the score, exact'),
    column('user_id', 'string', 'app-scoped user id (decimal digits)'),
    column('alias', 'string', "the player's alias, when the API gives it"),
    column('timestamp', 'integer', 'when the score was written, unix seconds'),
    column('extra_data_base64', 'string', 'the extra data of the entry, base64 as the API gives it'),
    column('supplementary_metric', 'int64', 'the tie-breaking metric, when the entry has one'),
    column('entry_id', 'string', 'the entry id'),
  ],
};

/** `players --ids FILE --fields …`: one row per player and item. */
export const PLAYER_ITEMS: ExportKind = {
  name: 'players',
  description:
    "One row per player and item: achievement progress, entitlement (purchase), subscription or leaderboard entry. Columns not of the row's item are null.",
  columns: [
    column('user_id', 'string', 'app-scoped user id, as given in the ids file'),
    column('item', 'string', '`achievement`, `entitlement`, `subscription` or `leaderboard_entry`'),
    column('key', 'string', 'achievement api name, sku (entitlement, subscription) or leaderboard api name'),
    column('id', 'string', 'id of the progress row, purchase, subscription or entry'),
    column('is_unlocked', 'boolean', 'achievement: unlocked'),
    column('unlock_time', 'integer', 'achievement: when it was unlocked, unix seconds'),
    column('count_progress', 'int64', 'achievement (COUNT): the count reached'),
    column('bitfield_progress', 'string', 'achievement (BITFIELD): the bits, e.g. `0110`'),
    column('grant_time', 'integer', 'entitlement: when it was granted, unix seconds'),
    column('expiration_time', 'integer', 'entitlement: when it expires, unix seconds (null: never)'),
    column('is_active', 'boolean', 'subscription: active now'),
    column('is_trial', 'boolean', 'subscription: in a trial'),
    column('period_start_time', 'string', 'subscription: start of the current period, ISO-8601'),
    column('period_end_time', 'string', 'subscription: end of the current period, ISO-8601'),
    column('next_renewal_time', 'string', 'subscription: next renewal, ISO-8601'),
    column('cancellation_time', 'string', 'subscription: when it was cancelled, ISO-8601'),
    column('rank', 'integer', 'leaderboard entry: rank on the whole leaderboard'),
    column('score', 'int64', 'leaderboard entry: the score, exact'),
    column('timestamp', 'integer', 'leaderboard entry: when the score was written, unix seconds'),
  ],
};

/** `definitions`: achievement definitions, leaderboards and the catalog, one table. */
export const DEFINITIONS: ExportKind = {
  name: 'definitions',
  description:
    "The app's achievement definitions (archived ones included), leaderboards and catalog, one row each. Columns not of the row's type are null.",
  columns: [
    column('type', 'string', '`achievement`, `leaderboard` or `product`'),
    column('key', 'string', 'achievement or leaderboard api name, or product sku'),
    column('id', 'string', 'the object id (null for products)'),
    column('title', 'string', 'title (achievement, leaderboard) or name (product)'),
    column('description', 'string', 'achievement or product description'),
    column('achievement_type', 'string', 'achievement: `SIMPLE`, `COUNT` or `BITFIELD`'),
    column('write_policy', 'string', 'achievement or leaderboard write policy'),
    column('target', 'int64', 'achievement (COUNT): the count to reach'),
    column('bitfield_length', 'integer', 'achievement (BITFIELD): bits to set'),
    column('is_archived', 'boolean', 'achievement: archived'),
    column('is_secret', 'boolean', 'achievement: secret'),
    column('sort_order', 'string', 'leaderboard: `HIGHER_IS_BETTER` or `LOWER_IS_BETTER`'),
    column('entry_count', 'int64', 'leaderboard: entries'),
    column('product_type', 'string', 'product: `DURABLE`, `CONSUMABLE` or `SUBSCRIPTION`'),
    column('price_currency', 'string', 'product: ISO 4217 currency'),
    column('price_amount_in_hundredths', 'integer', 'product: price, 1199 = 11.99'),
    column('subscription_term', 'string', 'product (subscription): term, e.g. `MONTHLY`'),
  ],
};

/** `purchase-events [--since ISO]`: the webhook's event history, oldest first (`purchase-events-source.ts`). */
export const PURCHASE_EVENTS: ExportKind = {
  name: 'purchase-events',
  description:
    "Purchase and subscription events received from Meta's webhooks, oldest first, read from the event history (no upstream call). Each row's `cursor` resumes after it.",
  columns: [
    column(
      'cursor',
      'string',
      'the event id (the Redis stream id): pass the last one as `after` to continue',
    ),
    column('type', 'string', '`PURCHASED`, `REFUNDED`, `CHARGEBACKED`, `SUBSCRIPTION_*` or `UNKNOWN`'),
    column('field', 'string', "the webhook change's field, e.g. `order_status`"),
    column('occurred_at', 'string', "Meta's `event_time`, ISO-8601 (null when absent)"),
    column('received_at', 'string', 'when the subgraph received the delivery, ISO-8601'),
    column('user_id', 'string', 'app-scoped user id (null when Meta named no player)'),
    column('sku', 'string', 'the add-on or subscription sku'),
    column('reporting_id', 'string', "Meta's order id (`reporting_id`)"),
    column('developer_payload', 'string', 'the developer payload, as Meta sent it'),
    column('subscription_id', 'string', 'subscription events: the subscription id'),
    column('test', 'boolean', 'a dashboard test delivery'),
    column('raw', 'string', "the change's `value` exactly as received (JSON text)"),
  ],
};

/** Every export kind, by name. */
export const EXPORT_KINDS: Readonly<Record<string, ExportKind>> = {
  [LEADERBOARD_ENTRIES.name]: LEADERBOARD_ENTRIES,
  [PLAYER_ITEMS.name]: PLAYER_ITEMS,
  [DEFINITIONS.name]: DEFINITIONS,
  [PURCHASE_EVENTS.name]: PURCHASE_EVENTS,
};

/** The columns table of a kind as Markdown (what `docs/export.md` shows; a test compares them). */
export function columnsMarkdown(kind: ExportKind): string {
  const lines = ['| column | type | meaning |', '|---|---|---|'];
  for (const c of kind.columns) lines.push(`| \`${c.name}\` | ${c.type} | ${c.description} |`);
  return lines.join('\n');
}
