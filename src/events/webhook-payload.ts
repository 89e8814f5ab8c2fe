import { createHash } from 'node:crypto';
import type { KeyedPurchaseEvent } from './delivery-recorder.ts';
import type { NewPurchaseEvent, PurchaseEventType } from './purchase-event-log.ts';

/**
 * Meta's IAP webhook deliveries, read into events. The envelope is
 * `{object:"application", entry:[{id, time, changes:[{field, value}]}]}`, batched at will. Shapes
 * and quirks (from a live title's captures and Meta's docs):
 * - `order_status`: `{event_time:"<unix s>", user_id, product_info:{notification_type, reporting_id,
 *   sku, developer_payload}}`; `event_time` is a string, `developer_payload` a string.
 * - `subscription_*`: `{owner_id, source_app?, cancel_reason?, subscription:{id, sku, ...}}`.
 * - `user_id` `"0"` is Meta's placeholder for "no player".
 * - The dashboard's test delivery has `entry.id` `"0"` and the sample player 10149999707612630.
 * Nothing here rejects: a field or notification type we do not know is an `UNKNOWN` event with
 * its raw value (Meta would retry a refused delivery for 36 h).
 */

/** Webhook fields and what their events are. */
const FIELD_TYPES: Readonly<Record<string, PurchaseEventType>> = {
  subscription_started: 'SUBSCRIPTION_STARTED',
  subscription_renewal_success: 'SUBSCRIPTION_RENEWED',
  subscription_canceled: 'SUBSCRIPTION_CANCELED',
  subscription_uncanceled: 'SUBSCRIPTION_UNCANCELED',
  subscription_expired: 'SUBSCRIPTION_EXPIRED',
};

/** `order_status` notification types we know. */
const ORDER_TYPES: ReadonlySet<string> = new Set(['PURCHASED', 'REFUNDED', 'CHARGEBACKED']);

/** The player of the dashboard's "Send to My Server" sample. */
export const DASHBOARD_TEST_USER_ID = '10149999707612630';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An array as is, one object as a list of one (a docs example shows `entry` as an object), else none. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : isObject(value) ? [value] : []);

/** A string or a number as text; anything else undefined. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Unix seconds (a string upstream, or a number) as ISO 8601; null when unreadable. */
function isoFromSeconds(value: unknown): string | null {
  const raw = text(value);
  if (raw === undefined || !/^\d{1,12}(\.\d+)?$/.test(raw.trim())) return null;
  return new Date(Number(raw) * 1000).toISOString();
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * The events of one parsed delivery (`body`, already JSON-parsed; `rawBody` its text), each with
 * its dedupe key: `(entry.id, field, reporting_id or subscription.id, notification type,
 * event_time)`. Where a change has no `event_time` (subscription fields), a hash of its value
 * stands in, so two renewals of one subscription stay two events while Meta's retries of either
 * stay one. Test deliveries add the entry's `time`: the dashboard resends identical samples, and
 * each click should show up.
 */
export function readDelivery(body: unknown, rawBody: string, receivedAt: Date): KeyedPurchaseEvent[] {
  const received = receivedAt.toISOString();
  if (!isObject(body) || !('entry' in body)) {
    // Well-formed JSON that is no envelope: kept whole, never refused.
    return [{ key: sha256(`body\n${rawBody}`), event: unknownEvent('', rawBody, received) }];
  }
  const items: KeyedPurchaseEvent[] = [];
  for (const entry of list(body.entry)) {
    const envelope = isObject(entry) ? entry : {};
    const changes = list(envelope.changes);
    if (changes.length === 0) {
      const raw = JSON.stringify(entry) ?? 'null';
      items.push({ key: sha256(`entry\n${raw}`), event: unknownEvent('', raw, received) });
    }
    for (const change of changes) items.push(readChange(envelope, change, received));
  }
  return items;
}

function unknownEvent(field: string, raw: string, receivedAt: string): NewPurchaseEvent {
  return {
    type: 'UNKNOWN',
    field,
    occurredAt: null,
    receivedAt,
    userId: null,
    sku: null,
    reportingId: null,
    developerPayload: null,
    subscriptionId: null,
    test: false,
    raw,
  };
}

function readChange(entry: Json, change: unknown, receivedAt: string): KeyedPurchaseEvent {
  const field = isObject(change) ? (text(change.field) ?? '') : '';
  const value: unknown = isObject(change) ? change.value : change;
  const raw = JSON.stringify(value) ?? 'null';
  const v = isObject(value) ? value : {};
  const product = isObject(v.product_info) ? v.product_info : {};
  const subscription = isObject(v.subscription) ? v.subscription : {};
  const notificationType = text(product.notification_type);
  const type: PurchaseEventType =
    field === 'order_status'
      ? notificationType && ORDER_TYPES.has(notificationType)
        ? (notificationType as PurchaseEventType)
        : 'UNKNOWN'
      : (FIELD_TYPES[field] ?? 'UNKNOWN');
  const player = text(v.user_id) ?? text(v.owner_id);
  const userId = player && player !== '0' ? player : null;
  const entryId = text(entry.id) ?? '';
  const test = entryId === '0' || player === DASHBOARD_TEST_USER_ID;
  const reportingId = text(product.reporting_id) ?? null;
  const subscriptionId = text(subscription.id) ?? null;
  const eventTime = text(v.event_time);
  const payload = product.developer_payload;
  const event: NewPurchaseEvent = {
    type,
    field,
    // Subscription changes carry no event_time: the entry's `time` (when Meta sent it) is the best we have.
    occurredAt: isoFromSeconds(eventTime) ?? isoFromSeconds(entry.time),
    receivedAt,
    userId,
    sku: text(product.sku) ?? text(subscription.sku) ?? null,
    reportingId,
    developerPayload:
      payload === undefined || payload === null
        ? null
        : typeof payload === 'string'
          ? payload
          : JSON.stringify(payload),
    subscriptionId,
    test,
    raw,
  };
  const key = sha256(
    JSON.stringify([
      entryId,
      field,
      reportingId ?? subscriptionId ?? '',
      notificationType ?? '',
      eventTime ?? `value:${sha256(raw)}`,
      test ? text(entry.time) : '',
    ]),
  );
  return { key, event };
}
