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
  it('admits the limit, then refuses until the oldest ended call has been out of flight a whole window', () => {
    let now = 1_000;
    const budget = new SlidingWindowBudget({ calls: 3, windowMs: 100 }, { now: () => now });
    const [a, b] = [budget.decide(), budget.decide()];
    expect([a, b]).toMatchObject([
      { admitted: true, remaining: 2 },
      { admitted: true, remaining: 1 },
    ]);
    now = 1_050;
    const c = budget.decide();
    expect(c).toMatchObject({ admitted: true, remaining: 0 });
    // Every slot in flight: no end known yet, so the wait is a whole window.
    expect(budget.decide()).toEqual({ admitted: false, remaining: 0, retryAfterMs: 100 });
    now = 1_060;
    if (a.admitted) a.release();
    if (a.admitted) a.release(); // a second release changes nothing
    now = 1_100;
    expect(budget.decide()).toEqual({ admitted: false, remaining: 0, retryAfterMs: 60 });
    now = 1_160; // a ended a window ago
    expect(budget.decide()).toMatchObject({ admitted: true, remaining: 0 });
  });

  it('holds a slot while its call is in flight, however long that is', () => {
    let now = 0;
    const budget = new SlidingWindowBudget({ calls: 1, windowMs: 100 }, { now: () => now });
    const first = budget.decide();
    now = 10_000;
    expect(budget.decide()).toMatchObject({ admitted: false });
    if (first.admitted) first.release();
    now = 10_100;
    expect(budget.decide()).toMatchObject({ admitted: true });
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
          // Each call is sent when admitted and ends after the next gap: Meta sees it in between.
          let running: (() => void) | undefined;
          for (const gap of gaps) {
            const decision = budget.decide();
            if (decision.admitted) admitted.push(now);
            now += gap;
            running?.();
            running = decision.admitted ? decision.release : undefined;
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
