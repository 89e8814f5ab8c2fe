import { comparePurchaseEventIds, EventIdClock } from './event-ids.ts';
import type {
  NewPurchaseEvent,
  PurchaseEvent,
  PurchaseEventLog,
  PurchaseEventPage,
  PurchaseEventPageQuery,
  PurchaseEventType,
} from './purchase-event-log.ts';

/** Default bound of the in-memory log (`HORIZON_EVENTS_MEMORY_MAX`). */
export const DEFAULT_EVENTS_MEMORY_MAX = 10_000;

/** Whether `event` passes a page's or a subscription's filters. */
export function matchesPurchaseEvent(
  event: PurchaseEvent,
  filter: { userId?: string; types?: readonly PurchaseEventType[]; since?: Date },
): boolean {
  if (filter.userId !== undefined && event.userId !== filter.userId) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.since && Date.parse(event.receivedAt) < filter.since.getTime()) return false;
  return true;
}

/**
 * The log without Redis: this process's last `max` events (`HORIZON_EVENTS_MEMORY_MAX`), oldest
 * dropped first, all lost on restart; subscribers are this process's only.
 */
export class InMemoryPurchaseEventLog implements PurchaseEventLog {
  /** Oldest first; ids increase. */
  private readonly events: PurchaseEvent[] = [];
  private readonly listeners = new Set<(event: PurchaseEvent) => void>();
  private readonly ids = new EventIdClock();
  private readonly max: number;

  constructor(options: { max?: number } = {}) {
    this.max = options.max ?? DEFAULT_EVENTS_MEMORY_MAX;
    if (!Number.isInteger(this.max) || this.max < 1) throw new RangeError('max must be a whole number ≥ 1');
  }

  /** How many events are kept now. */
  get size(): number {
    return this.events.length;
  }

  async append(events: readonly NewPurchaseEvent[]): Promise<PurchaseEvent[]> {
    const recorded = events.map((event) => ({ ...event, id: this.ids.next() }));
    this.events.push(...recorded);
    const over = this.events.length - this.max;
    if (over > 0) this.events.splice(0, over);
    for (const event of recorded) this.publish(event);
    return recorded;
  }

  async page(query: PurchaseEventPageQuery): Promise<PurchaseEventPage> {
    const events: PurchaseEvent[] = [];
    // Index of the first event at or after `after`: everything before it is older.
    let index = (query.after === undefined ? this.events.length : this.firstAtOrAfter(query.after)) - 1;
    for (; index >= 0; index -= 1) {
      const event = this.events[index]!;
      if (!matchesPurchaseEvent(event, query)) continue;
      if (events.length === query.first) return { events, hasNextPage: true };
      events.push(event);
    }
    return { events, hasNextPage: false };
  }

  async readForward(options: { after?: string; since?: Date; count: number }): Promise<PurchaseEvent[]> {
    const out: PurchaseEvent[] = [];
    const start = options.after === undefined ? 0 : this.firstAfter(options.after);
    for (let index = start; index < this.events.length && out.length < options.count; index += 1) {
      const event = this.events[index]!;
      if (matchesPurchaseEvent(event, { since: options.since })) out.push(event);
    }
    return out;
  }

  subscribe(listener: (event: PurchaseEvent) => void): () => void {
    // A wrapper per call, so subscribing the same function twice gives two independent subscriptions.
    const entry = (event: PurchaseEvent) => listener(event);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private publish(event: PurchaseEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One subscriber's failure must not keep the event from the others, nor fail the append.
      }
    }
  }

  /** Binary search: the first index whose id is ≥ `id` (strictly > when `strict`). */
  private firstAtOrAfter(id: string, strict = false): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const order = comparePurchaseEventIds(this.events[mid]!.id, id);
      if (order < 0 || (strict && order === 0)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private firstAfter(id: string): number {
    return this.firstAtOrAfter(id, true);
  }
}
