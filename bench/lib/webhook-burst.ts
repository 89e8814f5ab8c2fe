/**
 * S6, the webhook burst (issue 18): `count` signed `PURCHASED` deliveries to
 * `POST /webhooks/horizon` at `concurrency` in flight, sent by the intake's own burst helper
 * (`src/shared/webhook-deliveries.ts`). Every one must answer 200, and the purchase-event log
 * must hold exactly `count` more events afterwards (read back through `Query.purchaseEvents`,
 * page by page, counting distinct `reportingId`s): none lost, none doubled. Latency per delivery
 * is measured by the sender; CPU per delivery is the subgraph's over the burst.
 */
import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import { signedDeliveryBurst } from '../../src/shared/webhook-deliveries.ts';
import type { Child } from './children.ts';
import { percentile } from './stats.ts';

/** What the burst did. */
export interface WebhookBurstResult {
  deliveries: number;
  /** Deliveries sent before, not measured (their events are in `storedBefore`). */
  warmup: number;
  concurrency: number;
  /** Deliveries answered 200, and a sample of the other statuses (0: no answer). */
  ok: number;
  otherStatuses: Record<string, number>;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** The subgraph's CPU over the burst per delivery, ms. */
  cpuMsPerDelivery: number;
  /** Events in the log before and after (distinct reporting ids of the burst's orders). */
  storedBefore: number;
  storedAfter: number;
  /** `deliveries - (storedAfter - storedBefore)`: positive = lost, negative = doubled. */
  missing: number;
}

const EVENTS_QUERY = `query Events($after: String) {
  purchaseEvents(first: 100, after: $after) {
    edges { node { reportingId sku } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The burst's orders in the log: distinct reporting ids of events with a `burst_sku_` sku. */
async function storedOrders(url: string, headers: Record<string, string>): Promise<number> {
  const ids = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const res = await request(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: EVENTS_QUERY, variables: { after } }),
    });
    const text = await res.body.text();
    const json = JSON.parse(text) as {
      data?: {
        purchaseEvents?: {
          edges: { node: { reportingId: string | null; sku: string | null } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        } | null;
      };
      errors?: unknown[];
    };
    const events = json.data?.purchaseEvents;
    if (res.statusCode !== 200 || json.errors || !events)
      throw new Error(`purchaseEvents: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    for (const { node } of events.edges)
      if (node.sku?.startsWith('burst_sku_') && node.reportingId) ids.add(node.reportingId);
    if (!events.pageInfo.hasNextPage || !events.pageInfo.endCursor) break;
    after = events.pageInfo.endCursor;
  }
  return ids.size;
}

/** What `webhookBurst` is told. */
interface BurstOptions {
  deliveries: number;
  /** Deliveries sent first and not measured. */
  warmup: number;
  concurrency: number;
  secret: string;
  /** Router secret and a JWT with `horizon:purchases:read`, to read the log back. */
  readHeaders: Record<string, string>;
}

export async function webhookBurst(child: Child, options: BurstOptions): Promise<WebhookBurstResult> {
  // The warm-up's connections stay open for the measured burst, as a sender that delivers often
  // keeps them: a server takes new connections from the kernel one per event-loop turn, so 50
  // opened at once would time their opening (tens of ms for the last) instead of the deliveries.
  const pool = new Pool(child.url, { connections: options.concurrency, pipelining: 1 });
  try {
    return await measureBurst(child, pool, options);
  } finally {
    await pool.close();
  }
}

async function measureBurst(child: Child, pool: Pool, options: BurstOptions): Promise<WebhookBurstResult> {
  const url = `${child.url}/webhooks/horizon`;
  // Warm-up, as the read scenarios have one: a burst of its own first, of other players and orders
  // (its events are counted in `storedBefore`), so that neither side's first compilations are timed.
  await signedDeliveryBurst({
    url,
    secret: options.secret,
    count: options.warmup,
    concurrency: options.concurrency,
    firstIndex: options.deliveries,
    pool,
  });
  const storedBefore = await storedOrders(child.url, options.readHeaders);
  const cpu0 = (await child.stats()).cpuMicros;
  const started = performance.now();
  const burst = await signedDeliveryBurst({
    url,
    secret: options.secret,
    count: options.deliveries,
    concurrency: options.concurrency,
    pool,
  });
  const elapsedMs = performance.now() - started;
  const cpu1 = (await child.stats()).cpuMicros;
  const storedAfter = await storedOrders(child.url, options.readHeaders);
  const otherStatuses: Record<string, number> = {};
  for (const status of burst.statuses)
    if (status !== 200) otherStatuses[status] = (otherStatuses[status] ?? 0) + 1;
  const sorted = [...burst.latenciesMs].sort((a, b) => a - b);
  return {
    deliveries: options.deliveries,
    warmup: options.warmup,
    concurrency: options.concurrency,
    ok: burst.statuses.filter((status) => status === 200).length,
    otherStatuses,
    deliveriesPerSecond: (options.deliveries / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuMsPerDelivery: (cpu1 - cpu0) / 1000 / options.deliveries,
    storedBefore,
    storedAfter,
    missing: options.deliveries - (storedAfter - storedBefore),
  };
}
