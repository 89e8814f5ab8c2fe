import { LRUCache } from 'lru-cache';
import type { NewPurchaseEvent, PurchaseEvent, PurchaseEventLog } from './purchase-event-log.ts';

/** An event of a delivery with its dedupe key (`dedupeKey` in webhook-payload.ts). */
export interface KeyedPurchaseEvent {
  event: NewPurchaseEvent;
  key: string;
}

/** What recording a delivery's events did. */
export interface RecordOutcome {
  recorded: PurchaseEvent[];
  /** Events whose key was already recorded within the TTL (Meta's retries, a second replica). */
  duplicates: number;
}

/**
 * Records each event of a delivery once: Meta delivers at least once (retrying for 36 h), so the
 * same change can reach any replica several times. Implementations: `MemoryDeliveryRecorder`
 * (this process) and `RedisPurchaseEventLog.recordOnce` (the fleet, atomically with the append).
 */
export interface DeliveryRecorder {
  record(items: readonly KeyedPurchaseEvent[]): Promise<RecordOutcome>;
}

/** Dedupe keys remembered in memory without Redis, most recent kept. */
export const DEDUPE_MEMORY_MAX = 100_000;

/**
 * Without Redis: a bounded LRU of the keys seen in the last `ttlSeconds`
 * (`HORIZON_WEBHOOK_DEDUPE_TTL_S`), checked and set before the append so concurrent deliveries of
 * one change cannot both pass.
 */
export class MemoryDeliveryRecorder implements DeliveryRecorder {
  readonly #seen: LRUCache<string, true>;
  readonly #log: PurchaseEventLog;

  constructor(log: PurchaseEventLog, options: { ttlSeconds: number; max?: number }) {
    this.#log = log;
    this.#seen = new LRUCache({ max: options.max ?? DEDUPE_MEMORY_MAX, ttl: options.ttlSeconds * 1000 });
  }

  async record(items: readonly KeyedPurchaseEvent[]): Promise<RecordOutcome> {
    const fresh: KeyedPurchaseEvent[] = [];
    for (const item of items) {
      if (this.#seen.has(item.key)) continue;
      this.#seen.set(item.key, true);
      fresh.push(item);
    }
    try {
      const recorded = await this.#log.append(fresh.map((item) => item.event));
      return { recorded, duplicates: items.length - fresh.length };
    } catch (error) {
      // Not recorded: a retry of this delivery must not be taken for a duplicate.
      for (const item of fresh) this.#seen.delete(item.key);
      throw error;
    }
  }
}
