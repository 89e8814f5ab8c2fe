import { describe, expect, it } from 'vitest';
import {
  InMemoryIdempotencyStore,
  type IdempotencyRecord,
} from '../../src/graphql/mutations/idempotency-store.ts';

function record(fingerprint: string): IdempotencyRecord {
  return { fingerprint, outcome: Promise.resolve(fingerprint) };
}

/** A clock the test moves by hand (starts above 0: lru-cache reads a start of 0 as "no TTL"). */
function testClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('InMemoryIdempotencyStore', () => {
  it('remembers a record for its TTL and forgets it afterwards', () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ ttlMs: 1_000, now: clock.now });
    const first = record('a');
    store.set('key', first);
    clock.advance(1_000);
    expect(store.get('key')).toBe(first);
    clock.advance(1);
    expect(store.get('key')).toBeUndefined();
  });

  it('remembers for 24 hours by default', () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ now: clock.now });
    store.set('key', record('a'));
    clock.advance(24 * 60 * 60 * 1000 - 1);
    expect(store.get('key')?.fingerprint).toBe('a');
    clock.advance(2);
    expect(store.get('key')).toBeUndefined();
  });

  it('restarts the TTL when a key is set again', () => {
    const clock = testClock();
    const store = new InMemoryIdempotencyStore({ ttlMs: 1_000, now: clock.now });
    store.set('key', record('a'));
    clock.advance(600);
    store.set('key', record('b'));
    clock.advance(600);
    expect(store.get('key')?.fingerprint).toBe('b');
  });

  it('evicts the oldest key beyond maxEntries, even when that key was read since', () => {
    const store = new InMemoryIdempotencyStore({ maxEntries: 2 });
    store.set('one', record('1'));
    store.set('two', record('2'));
    expect(store.get('one')?.fingerprint).toBe('1');
    store.set('three', record('3'));
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
