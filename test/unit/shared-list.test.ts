import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { HorizonTransport } from '../../src/horizon/index.ts';
import { ListReader, SharedList } from '../../src/graphql/loaders/shared-list.ts';

// The shared list's rules, with a load function that counts its calls (no network: the transport
// is never used by this load).

const transport = {} as HorizonTransport;

function counted(versions: string[][]) {
  let calls = 0;
  return {
    calls: () => calls,
    load: async () => {
      const names = versions[Math.min(calls, versions.length - 1)]!;
      calls += 1;
      await sleep(5);
      return new Map(names.map((name) => [name, { name }]));
    },
  };
}

describe('SharedList and ListReader', () => {
  it('share one load between concurrent readers of one operation and of several', async () => {
    const source = counted([['A']]);
    const list = new SharedList('leaderboards', source.load, { ttlMs: 60_000 });
    const a = new ListReader(list, transport);
    const b = new ListReader(list, transport);
    await Promise.all([a.all(), a.find('A'), b.all(), b.find('A')]);
    expect(source.calls()).toBe(1);
  });

  it('refreshes once for a missing name after the interval, finds it, and remembers names still missing', async () => {
    const source = counted([['A'], ['A', 'NEW']]);
    const list = new SharedList('leaderboards', source.load, { ttlMs: 60_000, refreshIntervalMs: 20 });
    await new ListReader(list, transport).all();
    await sleep(30);
    const op = new ListReader(list, transport);
    const [found, missing] = await Promise.all([op.find('NEW'), op.find('NOPE')]);
    expect(found).toEqual({ name: 'NEW' });
    expect(missing).toBeUndefined();
    expect(source.calls()).toBe(2);
    // Remembered as unknown: no refresh for it again within the TTL, even after the interval.
    await sleep(30);
    expect(await new ListReader(list, transport).find('NOPE')).toBeUndefined();
    expect(source.calls()).toBe(2);
  });

  it('never refreshes a list the same operation just loaded', async () => {
    const source = counted([['A'], ['A', 'NEW']]);
    const list = new SharedList('leaderboards', source.load, { ttlMs: 60_000, refreshIntervalMs: 0 });
    const op = new ListReader(list, transport);
    expect(await op.find('NEW')).toBeUndefined();
    expect(source.calls()).toBe(1);
  });

  it('keeps the cached list when a refresh fails', async () => {
    let fail = false;
    const list = new SharedList(
      'catalog',
      async () => {
        if (fail) throw new Error('upstream down');
        return new Map([['A', 1]]);
      },
      { ttlMs: 60_000, refreshIntervalMs: 0 },
    );
    await new ListReader(list, transport).all();
    fail = true;
    expect(await new ListReader(list, transport).find('B')).toBeUndefined();
    expect(await new ListReader(list, transport).find('A')).toBe(1);
  });

  it('forgets the list and the unknown names on invalidate', async () => {
    const source = counted([['A'], ['A', 'B']]);
    const list = new SharedList('definitions', source.load, { ttlMs: 60_000 });
    const op = new ListReader(list, transport);
    expect(await op.find('B')).toBeUndefined();
    op.invalidate();
    expect(await op.find('B')).toEqual({ name: 'B' });
    expect(source.calls()).toBe(2);
  });

  it('with TTL 0 keeps nothing across operations but reads once per operation', async () => {
    const source = counted([['A']]);
    const list = new SharedList('definitions', source.load, { ttlMs: 0 });
    const op = new ListReader(list, transport);
    await op.all();
    await sleep(5);
    await op.all();
    expect(source.calls()).toBe(1);
    await new ListReader(list, transport).all();
    expect(source.calls()).toBe(2);
  });
});
