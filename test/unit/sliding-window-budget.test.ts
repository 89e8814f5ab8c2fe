import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateLimit, SlidingWindowBudget } from '../../src/horizon/index.ts';

describe('parseRateLimit', () => {
  it('reads CALLS/WINDOW with ms, s, m or h (seconds when no unit)', () => {
    expect(parseRateLimit('600/10s')).toEqual({ calls: 600, windowMs: 10_000 });
    expect(parseRateLimit('100/1m')).toEqual({ calls: 100, windowMs: 60_000 });
    expect(parseRateLimit('50/500ms')).toEqual({ calls: 50, windowMs: 500 });
    expect(parseRateLimit('5/2')).toEqual({ calls: 5, windowMs: 2_000 });
  });

  it.each(['', '600', '0/10s', '10/0s', '10/10d', 'ten/10s', '10/25h'])(
    'refuses %j, saying the form',
    (text) => {
      expect(() => parseRateLimit(text)).toThrow(/CALLS\/WINDOW, e\.g\. 600\/10s/);
    },
  );
});

describe('SlidingWindowBudget', () => {
  it('admits the limit, then refuses until the oldest admitted call leaves the window', () => {
    let now = 1_000;
    const budget = new SlidingWindowBudget({ calls: 3, windowMs: 100 }, { now: () => now });
    expect([budget.decide(), budget.decide()]).toEqual([
      { admitted: true, remaining: 2 },
      { admitted: true, remaining: 1 },
    ]);
    now = 1_050;
    expect(budget.decide()).toEqual({ admitted: true, remaining: 0 });
    expect(budget.decide()).toEqual({ admitted: false, remaining: 0, retryAfterMs: 50 });
    now = 1_100; // the first two left the window
    expect(budget.decide()).toEqual({ admitted: true, remaining: 1 });
  });

  it('never admits more than N calls in any interval of length W (a bucket would let about 2N through)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (calls, windowMs, gaps) => {
          let now = 0;
          const budget = new SlidingWindowBudget({ calls, windowMs }, { now: () => now });
          const admitted: number[] = [];
          for (const gap of gaps) {
            now += gap;
            if (budget.decide().admitted) admitted.push(now);
          }
          // Every window [t, t + W) starting at an admitted call holds at most N admitted calls.
          for (let i = 0; i < admitted.length; i++) {
            let j = i;
            while (j < admitted.length && admitted[j]! - admitted[i]! < windowMs) j++;
            expect(j - i).toBeLessThanOrEqual(calls);
          }
        },
      ),
    );
  });

  it('tells its hooks every decision', () => {
    const seen: [boolean, number][] = [];
    const budget = new SlidingWindowBudget(
      { calls: 1, windowMs: 60_000 },
      { hooks: { onDecision: (admitted, remaining) => seen.push([admitted, remaining]) } },
    );
    budget.decide();
    budget.decide();
    expect(seen).toEqual([
      [true, 0],
      [false, 0],
    ]);
  });
});
