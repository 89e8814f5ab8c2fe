import { describe, expect, it } from 'vitest';
import { HorizonClient, type ResilienceOptions } from '../../src/horizon/index.ts';

// Misuse of the client's resilience options fails at construction with a message that names the
// option and its range, instead of surfacing later as odd retry or breaker behaviour.

function client(resilience: ResilienceOptions): HorizonClient {
  return new HorizonClient({ baseUrl: 'http://127.0.0.1:9', appId: '1', appSecret: 's', resilience });
}

describe('resilience options', () => {
  it.each<[ResilienceOptions, RegExp]>([
    [{ retry: { maxAttempts: 0 } }, /retry\.maxAttempts must be an integer from 1 to 10, got 0/],
    [{ retry: { maxAttempts: 11 } }, /retry\.maxAttempts/],
    [{ retry: { maxAttempts: 2.5 } }, /retry\.maxAttempts/],
    [{ retry: { budgetMs: -1 } }, /retry\.budgetMs/],
    [{ retry: { baseDelayMs: Number.NaN } }, /retry\.baseDelayMs/],
    [{ breaker: { threshold: 0 } }, /breaker\.threshold/],
    [{ breaker: { cooldownMs: 0 } }, /breaker\.cooldownMs/],
    [{ bulkhead: { maxConcurrent: 0 } }, /bulkhead\.maxConcurrent/],
    [{ bulkhead: { maxQueued: -1 } }, /bulkhead\.maxQueued/],
  ])('refuses %j', (options, message) => {
    expect(() => client(options)).toThrow(TypeError);
    expect(() => client(options)).toThrow(message);
  });

  it('accepts retries off, a zero budget and an empty queue', async () => {
    const c = client({ retry: { maxAttempts: 1, budgetMs: 0, baseDelayMs: 0 }, bulkhead: { maxQueued: 0 } });
    await c.close();
  });
});
