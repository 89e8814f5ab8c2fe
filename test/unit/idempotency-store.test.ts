import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/graphql/mutations/idempotency-store.ts';

const done = { ok: true as const, value: 'v' };

/** A clock the test moves by hand (starts above 0: lru-cache reads a start of 0 as "no TTL"). */
function testClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('InMemoryIdempotencyStore', () => {
  it('lets one claim of a key win; later claims see the attempt in flight, then its outcome', async () => {
    const store = new InMemoryIdempotencyStore();
    const outcome = Promise.resolve('v');
    expect(await store.claim('key', 'fp', outcome)).toBeUndefined();
    expect(await store.claim('key', 'fp', Promise.resolve('other'))).toEqual({
      state: 'in_flight',
      fingerprint: 'fp',
      outcome,
    });
    await store.complete('key', 'fp', done);
    expect(await store.claim('key', 'fp', outcome)).toEqual({
      state: 'done',
      fingerprint: 'fp',
      result: done,
    });
  });

  it('frees a released key and keeps an in-doubt one', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim('free', 'fp', Promise.resolve());
    await store.release('free');
    expect(await store.claim('free', 'fp', Promise.resolve())).toBeUndefined();
    await store.claim('doubt', 'fp', Promise.resolve());
    await store.markInDoubt('doubt', 'fp');
    expect(await store.claim('doubt', 'fp', Promise.resolve())).toEqual({
      state: 'in_doubt',
      fingerprint: 'fp',
    });
  });

  it('remembers an outcome for its TTL and forgets it afterwards', async () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ ttlMs: 1_000, now: clock.now });
    await store.complete('key', 'a', done);
    clock.advance(1_000);
    expect(store.get('key')?.fingerprint).toBe('a');
    clock.advance(1);
    expect(store.get('key')).toBeUndefined();
  });

  it('remembers for 24 hours by default', async () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ now: clock.now });
    await store.complete('key', 'a', done);
    clock.advance(24 * 60 * 60 * 1000 - 1);
    expect(store.get('key')?.fingerprint).toBe('a');
    clock.advance(2);
    expect(store.get('key')).toBeUndefined();
  });

  it('restarts the TTL when the outcome is stored after the claim', async () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ ttlMs: 1_000, now: clock.now });
    await store.claim('key', 'a', Promise.resolve());
    clock.advance(600);
    await store.complete('key', 'a', done);
    clock.advance(600);
    expect(store.get('key')?.state).toBe('done');
  });

  it('evicts the oldest key beyond maxEntries, even when that key was read since', async () => {
    const store = new InMemoryIdempotencyStore({ maxEntries: 2 });
    await store.complete('one', '1', done);
    await store.complete('two', '2', done);
    expect(store.get('one')?.fingerprint).toBe('1');
    await store.complete('three', '3', done);
    expect(store.get('one')).toBeUndefined();
    expect(store.get('two')?.fingerprint).toBe('2');
    expect(store.get('three')?.fingerprint).toBe('3');
  });

  it('refuses a TTL or a cap that is not a positive integer', () => {
    expect(() => new InMemoryIdempotencyStore({ ttlMs: 0 })).toThrow(/ttlMs must be an integer >= 1, got 0/);
    expect(() => new InMemoryIdempotencyStore({ ttlMs: 1.5 })).toThrow(TypeError);
    expect(() => new InMemoryIdempotencyStore({ maxEntries: 0 })).toThrow(
      /maxEntries must be an integer >= 1/,
    );
  });
});
