/**
 * `purchase-events [--since ISO]`: the purchase and subscription events of Meta's webhooks
 * (docs/purchase-events.md), oldest first, read from the event history, not from upstream: the
 * export makes no upstream call. Each row carries its `cursor` (the event id, the Redis stream id);
 * the position is the last cursor written, so a resumed export, or `GET
 * /exports/purchase-events.ndjson?after=<cursor>`, continues right after it.
 */
import { isPurchaseEventId } from '../events/event-ids.ts';
import type { PurchaseEvent, PurchaseEventLog } from '../events/purchase-event-log.ts';
import { PURCHASE_EVENTS, type Row } from './columns.ts';
import type { RowSource } from './sources.ts';

/** Events read from the history per batch (one commit point per batch). */
export const PURCHASE_EVENTS_BATCH = 1000;

/**
 * Every event of `log` after the cursor `after` (omitted: from the oldest kept), received at or
 * after `since` when given, up to the end of the history as it stands when the last batch is read.
 * Throws a `RangeError` when `after` is not a cursor.
 */
export function purchaseEventsSource(
  log: Pick<PurchaseEventLog, 'readForward'>,
  options: { after?: string; since?: Date; batchSize?: number } = {},
): RowSource {
  if (options.after !== undefined && !isPurchaseEventId(options.after))
    throw new RangeError('after must be the cursor of an exported row, e.g. 1780420524000-0');
  const count = options.batchSize ?? PURCHASE_EVENTS_BATCH;
  return {
    kind: PURCHASE_EVENTS,
    start: { after: options.after ?? '' },
    identity: { what: 'purchase-events', since: options.since?.toISOString() ?? '' },
    async *read(position) {
      let after = String(position.after ?? '') || undefined;
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

/** An event as an export row (the columns of `PURCHASE_EVENTS`). */
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
