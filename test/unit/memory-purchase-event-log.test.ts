import { describe, expect, it } from 'vitest';
import { comparePurchaseEventIds, EventIdClock, isPurchaseEventId } from '../../src/events/event-ids.ts';
import { MemoryDeliveryRecorder } from '../../src/events/delivery-recorder.ts';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import type { NewPurchaseEvent, PurchaseEvent } from '../../src/events/purchase-event-log.ts';
import { purchaseEvent } from '../helpers/purchase-events.ts';

const event = purchaseEvent;

const skus = (events: PurchaseEvent[]) => events.map((e) => e.sku);

describe('event ids', () => {
  it('are stream ids that increase within one millisecond and across them', () => {
    const clock = new EventIdClock();
    const ids = [clock.next(1000), clock.next(1000), clock.next(999), clock.next(1001)];
    expect(ids).toEqual(['1000-0', '1000-1', '1000-2', '1001-0']);
    for (let i = 1; i < ids.length; i += 1)
      expect(comparePurchaseEventIds(ids[i - 1]!, ids[i]!)).toBeLessThan(0);
    // Numeric, not lexical: 999-0 is before 1000-0.
    expect(comparePurchaseEventIds('999-0', '1000-0')).toBeLessThan(0);
    expect(isPurchaseEventId('1780420524000-0')).toBe(true);
    expect(isPurchaseEventId('abc')).toBe(false);
    expect(() => comparePurchaseEventIds('abc', '1-0')).toThrow(RangeError);
  });
});

describe('InMemoryPurchaseEventLog', () => {
  it('gives ids in order and pages newest first, continuing after a cursor', async () => {
    const log = new InMemoryPurchaseEventLog();
    const recorded = await log.append(['a', 'b', 'c', 'd', 'e'].map((sku) => event({ sku })));
    expect(skus(recorded)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(new Set(recorded.map((e) => e.id)).size).toBe(5);

    const first = await log.page({ first: 2 });
    expect(skus(first.events)).toEqual(['e', 'd']);
    expect(first.hasNextPage).toBe(true);
    const second = await log.page({ first: 2, after: first.events[1]!.id });
    expect(skus(second.events)).toEqual(['c', 'b']);
    expect(second.hasNextPage).toBe(true);
    const last = await log.page({ first: 2, after: second.events[1]!.id });
    expect(skus(last.events)).toEqual(['a']);
    expect(last.hasNextPage).toBe(false);
    // Exactly `first` left: no next page.
    expect((await log.page({ first: 1, after: second.events[1]!.id })).hasNextPage).toBe(false);
  });

  it('filters by player, types and receivedAt', async () => {
    const log = new InMemoryPurchaseEventLog();
    await log.append([
      event({ sku: 'old', receivedAt: '2026-01-01T00:00:00.000Z' }),
      event({ sku: 'refund', type: 'REFUNDED', receivedAt: '2026-03-01T00:00:00.000Z' }),
      event({ sku: 'other', userId: '42', receivedAt: '2026-03-02T00:00:00.000Z' }),
      event({ sku: 'nobody', userId: null, receivedAt: '2026-03-03T00:00:00.000Z' }),
    ]);
    expect(skus((await log.page({ first: 10, userId: '42' })).events)).toEqual(['other']);
    expect(skus((await log.page({ first: 10, types: ['REFUNDED'] })).events)).toEqual(['refund']);
    expect(skus((await log.page({ first: 10, types: [] })).events)).toHaveLength(4);
    const since = new Date('2026-02-01T00:00:00.000Z');
    expect(skus((await log.page({ first: 10, since })).events)).toEqual(['nobody', 'other', 'refund']);
    expect(skus(await log.readForward({ since, count: 10 }))).toEqual(['refund', 'other', 'nobody']);
  });

  it('reads forward oldest first, strictly after a cursor, at most count', async () => {
    const log = new InMemoryPurchaseEventLog();
    const recorded = await log.append(['a', 'b', 'c', 'd'].map((sku) => event({ sku })));
    expect(skus(await log.readForward({ count: 3 }))).toEqual(['a', 'b', 'c']);
    expect(skus(await log.readForward({ after: recorded[1]!.id, count: 10 }))).toEqual(['c', 'd']);
    expect(await log.readForward({ after: recorded[3]!.id, count: 10 })).toEqual([]);
  });

  it('keeps only the newest `max` events; a cursor into the dropped part still pages', async () => {
    const log = new InMemoryPurchaseEventLog({ max: 3 });
    const recorded = await log.append(['a', 'b'].map((sku) => event({ sku })));
    await log.append(['c', 'd', 'e'].map((sku) => event({ sku })));
    expect(log.size).toBe(3);
    expect(skus((await log.page({ first: 10 })).events)).toEqual(['e', 'd', 'c']);
    expect(skus(await log.readForward({ after: recorded[0]!.id, count: 10 }))).toEqual(['c', 'd', 'e']);
    expect(() => new InMemoryPurchaseEventLog({ max: 0 })).toThrow(RangeError);
  });

  it('tells subscribers of each appended event until they stop, whatever one of them throws', async () => {
    const log = new InMemoryPurchaseEventLog();
    const heard: string[] = [];
    const stopThrowing = log.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const stop = log.subscribe((e) => heard.push(e.sku!));
    await log.append([event({ sku: 'a' }), event({ sku: 'b' })]);
    stop();
    stopThrowing();
    await log.append([event({ sku: 'c' })]);
    expect(heard).toEqual(['a', 'b']);
  });
});

describe('MemoryDeliveryRecorder', () => {
  it('records each key once, within a batch and across deliveries', async () => {
    const log = new InMemoryPurchaseEventLog();
    const recorder = new MemoryDeliveryRecorder(log, { ttlSeconds: 60 });
    const first = await recorder.record([
      { key: 'k1', event: event({ sku: 'a' }) },
      { key: 'k1', event: event({ sku: 'a' }) },
      { key: 'k2', event: event({ sku: 'b' }) },
    ]);
    expect(skus(first.recorded)).toEqual(['a', 'b']);
    expect(first.duplicates).toBe(1);
    const again = await recorder.record([{ key: 'k2', event: event({ sku: 'b' }) }]);
    expect(again).toEqual({ recorded: [], duplicates: 1 });
    expect(log.size).toBe(2);
  });

  it('forgets the keys of a delivery it could not record, so a retry is not a duplicate', async () => {
    const log = new InMemoryPurchaseEventLog();
    let failing = true;
    const flaky = Object.assign(Object.create(log) as InMemoryPurchaseEventLog, {
      append: async (events: readonly NewPurchaseEvent[]) => {
        if (failing) throw new Error('store down');
        return log.append(events);
      },
    });
    const recorder = new MemoryDeliveryRecorder(flaky, { ttlSeconds: 60 });
    await expect(recorder.record([{ key: 'k', event: event() }])).rejects.toThrow('store down');
    failing = false;
    expect((await recorder.record([{ key: 'k', event: event() }])).recorded).toHaveLength(1);
  });

  it('keeps at most max keys (oldest forgotten first)', async () => {
    const recorder = new MemoryDeliveryRecorder(new InMemoryPurchaseEventLog(), { ttlSeconds: 60, max: 2 });
    for (const key of ['a', 'b', 'c']) await recorder.record([{ key, event: event() }]);
    expect((await recorder.record([{ key: 'a', event: event() }])).duplicates).toBe(0);
    expect((await recorder.record([{ key: 'c', event: event() }])).duplicates).toBe(1);
  });
});
