/**
 * `purchase-events [--since ISO]`: the purchase and subscription events of Meta's webhooks
 * (docs/purchase-events.md), oldest first, read from the event log, not from upstream: the export
 * makes no upstream call. Each row carries its `cursor` (the event id, the Redis stream id); the
 * position is the last cursor written, so a resumed export, or `GET
 * /exports/purchase-events.ndjson?after=<cursor>`, continues right after it.
 */
import { isPurchaseEventId } from '../events/event-ids.ts';
import type { PurchaseEvent, PurchaseEventLog } from '../events/purchase-event-log.ts';
import type { ExportKind, Row } from './columns.ts';
import type { RowSource } from './sources.ts';

const column = (name: string, type: 'string' | 'boolean', description: string) => ({
  name,
  type,
  description,
});

/** `purchase-events`: one row per recorded event, oldest first. */
export const PURCHASE_EVENTS: ExportKind = {
  name: 'purchase-events',
  description:
    "Purchase and subscription events received from Meta's webhooks, oldest first (no upstream call). Resume after a row with its `cursor`.",
  columns: [
    column('cursor', 'string', 'the event id (Redis stream id): pass the last one as `after` to continue'),
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

/** Events read from the log per batch (one checkpoint per batch). */
export const PURCHASE_EVENTS_BATCH = 1000;

/**
 * Every event of `log` after `after` (a cursor; omitted: from the oldest kept), received at or
 * after `since` when given, until the end of the log as it stands when the last batch is read.
 */
export function purchaseEventsSource(
  log: PurchaseEventLog,
  options: { after?: string; since?: Date; batchSize?: number } = {},
): RowSource {
  if (options.after !== undefined && !isPurchaseEventId(options.after))
    throw new RangeError('after must be a cursor of an exported row (e.g. 1780420524000-0)');
  const count = options.batchSize ?? PURCHASE_EVENTS_BATCH;
  return {
    kind: PURCHASE_EVENTS,
    start: { after: options.after ?? '' },
    identity: { what: 'purchase-events', since: options.since?.toISOString() ?? '' },
    async *read(position) {
      let after = String(position.after) || undefined;
      for (;;) {
        const events = await log.readForward({ after, since: options.since, count });
        if (events.length === 0) return;
        after = events.at(-1)!.id;
        yield { rows: events.map(purchaseEventRow), next: { after } };
        if (events.length < count) return;
      }
    },
  };
}

/** An event as an export row. */
export function purchaseEventRow(event: PurchaseEvent): Row {
  return {
    cursor: event.id,
    type: event.type,
    field: event.field,
    occurred_at: event.occurredAt,
    received_at: event.receivedAt,
    user_id: event.userId,
    sku: event.sku,
    reporting_id: event.reportingId,
    developer_payload: event.developerPayload,
    subscription_id: event.subscriptionId,
    test: event.test,
    raw: event.raw,
  };
}
