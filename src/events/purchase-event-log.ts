/**
 * Purchase and subscription events received from Meta's webhooks (`/webhooks/horizon`): what one
 * event holds, and the log that keeps them (a Redis Stream with `REDIS_URL`, a bounded in-memory
 * log otherwise). The webhook intake appends; GraphQL queries, subscriptions and exports read.
 */

/** Every type an event can have; a field or notification type we do not know is `UNKNOWN`. */
export const PURCHASE_EVENT_TYPES = [
  'PURCHASED',
  'REFUNDED',
  'CHARGEBACKED',
  'SUBSCRIPTION_STARTED',
  'SUBSCRIPTION_RENEWED',
  'SUBSCRIPTION_CANCELED',
  'SUBSCRIPTION_UNCANCELED',
  'SUBSCRIPTION_EXPIRED',
  'UNKNOWN',
] as const;

export type PurchaseEventType = (typeof PURCHASE_EVENT_TYPES)[number];

/** One event as the intake records it, before the log gives it an id. */
export interface NewPurchaseEvent {
  type: PurchaseEventType;
  /** The webhook change's `field` (`order_status`, `subscription_started`, ...), as received. */
  field: string;
  /**
   * From the change's `event_time` (Unix seconds, a string upstream), ISO 8601; without one
   * (subscription fields have none), the entry's `time` (when Meta sent it); null when neither is readable.
   */
  occurredAt: string | null;
  /** When this replica received the delivery, ISO 8601. */
  receivedAt: string;
  /** The player (`user_id` / `owner_id`); null when absent or `"0"`. Exact digits, never a number. */
  userId: string | null;
  sku: string | null;
  reportingId: string | null;
  developerPayload: string | null;
  subscriptionId: string | null;
  /** A dashboard test delivery. */
  test: boolean;
  /**
   * The change's `value` as received (its JSON text, re-serialized compactly; an integer beyond
   * 2^53 kept exact as a string), for replay and audit.
   */
  raw: string;
}

/** A recorded event; `id` is its position in the log (the Redis stream id, e.g. `1780420524000-0`) and its cursor. */
export interface PurchaseEvent extends NewPurchaseEvent {
  id: string;
}

/** A page of the log, newest first. */
export interface PurchaseEventPageQuery {
  first: number;
  /** An `id` from an earlier page: return events older than it. */
  after?: string;
  userId?: string;
  types?: readonly PurchaseEventType[];
  /** Only events received at or after this time. */
  since?: Date;
}

export interface PurchaseEventPage {
  events: PurchaseEvent[];
  hasNextPage: boolean;
}

/**
 * Where events are kept. Implementations: in memory (bounded by `HORIZON_EVENTS_MEMORY_MAX`, lost on
 * restart) and a Redis Stream (`XADD … MAXLEN ~ HORIZON_EVENTS_MAX`, survives restarts, shared by
 * the fleet).
 */
export interface PurchaseEventLog {
  /** Records events in order and returns them with their ids. */
  append(events: readonly NewPurchaseEvent[]): Promise<PurchaseEvent[]>;
  /** Newest first (GraphQL connections). */
  page(query: PurchaseEventPageQuery): Promise<PurchaseEventPage>;
  /** Oldest first, strictly after `after` (an id) when given: exports resume with the last id they wrote. */
  readForward(options: { after?: string; since?: Date; count: number }): Promise<PurchaseEvent[]>;
  /**
   * Calls `listener` for every event appended from now on, on any replica (Redis pub/sub when
   * shared). Returns the function that stops it.
   */
  subscribe(listener: (event: PurchaseEvent) => void): () => void;
  close(): Promise<void>;
}
