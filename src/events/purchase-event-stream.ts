import { matchesPurchaseEvent } from './memory-purchase-event-log.ts';
import type { PurchaseEvent, PurchaseEventLog, PurchaseEventType } from './purchase-event-log.ts';

/** Which events a live stream passes on. */
export interface PurchaseEventFilter {
  userId?: string;
  /** Omitted or empty: every type. */
  types?: readonly PurchaseEventType[];
}

/** Events a slow reader may fall behind by before its stream fails (its memory stays bounded). */
export const DEFAULT_STREAM_BACKLOG = 1000;

/**
 * The log's live events from now on, as an async iterator (what a GraphQL `subscribe` resolver
 * returns). Subscribes to the log at once, so nothing appended after this call is missed, and
 * unsubscribes when the reader stops (`return()`, which graphql-ws calls when the client completes
 * or disconnects). A reader that falls `backlog` events behind gets an error instead of
 * unbounded buffering.
 */
export function purchaseEventStream(
  log: PurchaseEventLog,
  filter: PurchaseEventFilter,
  backlog = DEFAULT_STREAM_BACKLOG,
): AsyncIterableIterator<PurchaseEvent> {
  const queue: PurchaseEvent[] = [];
  let waiting: ((result: IteratorResult<PurchaseEvent>) => void) | undefined;
  let failed: Error | undefined;
  let done = false;

  const stop = (): IteratorResult<PurchaseEvent> => {
    done = true;
    unsubscribe();
    queue.length = 0;
    const resume = waiting;
    waiting = undefined;
    resume?.({ value: undefined, done: true });
    return { value: undefined, done: true };
  };
  const unsubscribe = log.subscribe((event) => {
    if (done) return;
    if (!matchesPurchaseEvent(event, filter)) return;
    if (waiting) {
      const resume = waiting;
      waiting = undefined;
      return resume({ value: event, done: false });
    }
    if (queue.length >= backlog) {
      failed = new Error(
        `This subscription fell more than ${backlog} events behind and was ended; subscribe again, and read what was missed with Query.purchaseEvents`,
      );
      unsubscribe();
      return;
    }
    queue.push(event);
  });

  return {
    next: async () => {
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      if (failed) {
        const error = failed;
        stop();
        throw error;
      }
      if (done) return { value: undefined, done: true };
      return new Promise<IteratorResult<PurchaseEvent>>((resolve) => (waiting = resolve));
    },
    return: async () => stop(),
    throw: async (error: unknown) => {
      stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
