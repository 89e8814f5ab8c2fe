import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts';

/**
 * Deliveries of Meta's IAP webhook, shaped as Meta sends them (captured from a live title: see
 * docs/purchase-events.md): the emulator delivers them, tests and the benchmark send them.
 */

/** One `changes[]` item. */
export interface WebhookChange {
  field: string;
  value: unknown;
}

/** An `order_status` change: what the headset's purchase, a refund or a chargeback sends. */
export function orderStatusChange(order: {
  userId: string;
  sku: string;
  notificationType: string;
  reportingId?: string;
  /** Unix seconds; default now. Sent as a string, as Meta does. */
  eventTime?: number;
  developerPayload?: string;
}): WebhookChange {
  return {
    field: 'order_status',
    value: {
      event_time: String(order.eventTime ?? Math.floor(Date.now() / 1000)),
      user_id: order.userId,
      product_info: {
        notification_type: order.notificationType,
        reporting_id: order.reportingId ?? randomUUID(),
        sku: order.sku,
        // The live capture's empty payload: the two characters `""`.
        developer_payload: order.developerPayload ?? '""',
      },
    },
  };
}

/** A `subscription_*` change (Meta's docs; times are Unix-seconds strings). */
export function subscriptionChange(
  field: string,
  subscription: {
    ownerId: string;
    subscriptionId: string;
    sku: string;
    isActive: boolean;
    periodStart: number;
    periodEnd: number;
    cancelReason?: string;
  },
): WebhookChange {
  return {
    field,
    value: {
      owner_id: subscription.ownerId,
      ...(field === 'subscription_started' ? { source_app: 'HORIZON_STORE' } : {}),
      ...(subscription.cancelReason ? { cancel_reason: subscription.cancelReason } : {}),
      subscription: {
        id: subscription.subscriptionId,
        sku: subscription.sku,
        is_active: subscription.isActive,
        is_trial: false,
        period_start_time: String(subscription.periodStart),
        period_end_time: String(subscription.periodEnd),
        next_renewal_time: String(subscription.periodEnd),
        current_price_term: { term: 'MONTHLY', price: '9.99', currency: 'USD' },
        next_price_term: { term: 'MONTHLY', price: '9.99', currency: 'USD' },
      },
    },
  };
}

/** The JSON text of a delivery: one entry per item of `entries`, each with its changes. */
export function webhookBody(entries: { id: string; changes: WebhookChange[]; time?: number }[]): string {
  return JSON.stringify({
    object: 'application',
    entry: entries.map((entry) => ({
      id: entry.id,
      time: entry.time ?? Math.floor(Date.now() / 1000),
      changes: entry.changes,
    })),
  });
}

/** POSTs `body` to `url` signed with `secret` (or with the given header value), as Meta does. */
export function postWebhook(
  url: string,
  body: string,
  signing: { secret: string } | { signature: string | undefined },
  signal?: AbortSignal,
): Promise<Response> {
  const signature = 'secret' in signing ? signWebhookBody(body, signing.secret) : signing.signature;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }),
    },
    body,
    signal,
  });
}

/** What a burst of deliveries got back. */
export interface BurstResult {
  /** HTTP status per delivery, in the order sent. */
  statuses: number[];
  /** Milliseconds from send to the whole answer, per delivery. */
  latenciesMs: number[];
}

/**
 * `count` signed PURCHASED deliveries (each a distinct order of its own player) to `url`, at most
 * `concurrency` in flight: the benchmark's webhook burst. Every body is built and signed before the
 * first is sent, and they go out on a pool of `concurrency` connections of their own with undici's
 * `request` (not `fetch`, whose per-call cost on the sender would be timed as the server's), so a
 * latency is the server's answer time plus the loopback. Status 0 marks a delivery that got no answer.
 */
export async function signedDeliveryBurst(options: {
  url: string;
  secret: string;
  count: number;
  concurrency: number;
  appId?: string;
  /** Numbers the burst's orders from here (default 0), so two bursts never share a player or order. */
  firstIndex?: number;
  /** The connections to send on (kept open, e.g. from a warm-up); default a pool of the burst's own. */
  pool?: Pool;
}): Promise<BurstResult> {
  const target = new URL(options.url);
  const first = options.firstIndex ?? 0;
  const deliveries = Array.from({ length: options.count }, (_, offset) => {
    const index = first + offset;
    const body = webhookBody([
      {
        id: options.appId ?? '1176155782242424',
        changes: [
          orderStatusChange({
            userId: String(3_000_000_000_000_000 + index),
            sku: `burst_sku_${index % 10}`,
            notificationType: 'PURCHASED',
          }),
        ],
      },
    ]);
    return { body, signature: signWebhookBody(body, options.secret) };
  });
  const statuses = new Array<number>(options.count).fill(0);
  const latenciesMs = new Array<number>(options.count).fill(0);
  const pool = options.pool ?? new Pool(target.origin, { connections: options.concurrency, pipelining: 1 });
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      const { body, signature } = deliveries[index]!;
      const started = performance.now();
      try {
        const res = await pool.request({
          method: 'POST',
          path: target.pathname + target.search,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'facebookexternalua',
            [SIGNATURE_HEADER]: signature,
          },
          body,
        });
        await res.body.dump();
        statuses[index] = res.statusCode;
      } catch {
        statuses[index] = 0;
      }
      latenciesMs[index] = performance.now() - started;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  } finally {
    if (!options.pool) await pool.close();
  }
  return { statuses, latenciesMs };
}
