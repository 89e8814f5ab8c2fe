import { describe, expect, it } from 'vitest';
import { HorizonApiError } from '../../src/horizon/index.ts';
import { Resilience } from '../../src/horizon/resilience.ts';
import { BudgetRefusal } from '../../src/horizon/upstream-budget.ts';
import { horizonFailure } from '../helpers/horizon-failure.ts';

// How the retry policy, the route family's breaker and the app's bulkhead fit together, with
// attempts that are plain functions (no HTTP).

const ROUTE = 'GET /{user_id}';

const unavailable = (retryAfterMs?: number) =>
  new HorizonApiError('503', { kind: 'api', endpoint: ROUTE, status: 503, transient: true, retryAfterMs });

describe('Resilience', () => {
  it('holds no bulkhead slot during a retry backoff', async () => {
    const r = new Resilience({
      retry: { maxAttempts: 2, baseDelayMs: 1, budgetMs: 5_000 },
      bulkhead: { maxConcurrent: 1, maxQueued: 0 },
    });
    let attempts = 0;
    let backingOff!: () => void;
    const inBackoff = new Promise<void>((resolve) => (backingOff = resolve));
    const first = r.execute(ROUTE, 'safe', () => {
      attempts += 1;
      if (attempts > 1) return Promise.resolve('retried');
      // Fails with a Retry-After, so the backoff is long enough for the second call to pass.
      setImmediate(backingOff);
      return Promise.reject(unavailable(200));
    });
    await inBackoff;
    await expect(r.execute(ROUTE, 'never', () => Promise.resolve('meanwhile'))).resolves.toBe('meanwhile');
    await expect(first).resolves.toBe('retried');
  });

  it('lets a budget refusal pass the breaker without counting it', async () => {
    const r = new Resilience({ retry: { maxAttempts: 1 }, breaker: { threshold: 1 } });
    for (let i = 0; i < 3; i++) {
      const error = await horizonFailure(
        r.execute(ROUTE, 'safe', () => Promise.reject(new BudgetRefusal(50))),
      );
      expect(error.kind).toBe('over_budget');
    }
    expect(r.circuitStates().get('users')).toBe('closed');
    await expect(r.execute(ROUTE, 'safe', () => Promise.resolve('sent'))).resolves.toBe('sent');
  });

  it('answers an open breaker with circuit_open and a full bulkhead with overloaded, retrying neither', async () => {
    const r = new Resilience({
      retry: { maxAttempts: 3, baseDelayMs: 1 },
      breaker: { threshold: 1, cooldownMs: 60_000 },
      bulkhead: { maxConcurrent: 1, maxQueued: 0 },
    });
    let attempts = 0;
    const failing = () => {
      attempts += 1;
      return Promise.reject(unavailable());
    };
    // The first attempt opens the breaker; the retry policy then gives up at once.
    expect((await horizonFailure(r.execute(ROUTE, 'safe', failing))).status).toBe(503);
    expect(attempts).toBe(1);
    const refused = await horizonFailure(r.execute(ROUTE, 'safe', failing));
    expect(refused).toMatchObject({ kind: 'circuit_open', endpoint: ROUTE, transient: true });
    expect(refused.message).toMatch(/users circuit breaker is open/);
    expect(attempts).toBe(1);

    let release!: (value: string) => void;
    const running = r.execute(
      'GET /{user_id}/achievements',
      'safe',
      () => new Promise<string>((res) => (release = res)),
    );
    let shedAttempts = 0;
    const shed = await horizonFailure(
      r.execute('GET /{user_id}/achievements', 'safe', () => {
        shedAttempts += 1;
        return Promise.resolve('never');
      }),
    );
    expect(shed).toMatchObject({ kind: 'overloaded', transient: true });
    expect(shedAttempts).toBe(0);
    release('done');
    await expect(running).resolves.toBe('done');
  });
});
