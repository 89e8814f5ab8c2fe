import { describe, expect, it } from 'vitest';
import { Bulkhead, BulkheadFull } from '../../src/horizon/bulkhead.ts';

// The bulkhead with attempts the test settles.

function deferred() {
  let resolve!: (value: string) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function bulkhead(maxConcurrent: number, maxQueued: number) {
  const b = new Bulkhead({ maxConcurrent, maxQueued });
  const started: string[] = [];
  /** A call named `name` whose attempt ends when the test says. */
  const call = (name: string) => {
    const attempt = deferred();
    const result = b.execute((n: string) => {
      started.push(n);
      return attempt.promise;
    }, name);
    result.catch(() => undefined);
    return { attempt, result };
  };
  return { b, call, started };
}

describe('Bulkhead', () => {
  it('runs up to maxConcurrent calls, queues up to maxQueued, and refuses the next at once without running it', async () => {
    const { b, call, started } = bulkhead(2, 1);
    const [a, c, d] = [call('a'), call('c'), call('d')];
    const e = call('e');
    await expect(e.result).rejects.toBeInstanceOf(BulkheadFull);
    expect(started).toEqual(['a', 'c']);
    expect([b.running, b.queued]).toEqual([2, 1]);
    a.attempt.resolve('A');
    await expect(a.result).resolves.toBe('A');
    await settle();
    expect(started).toEqual(['a', 'c', 'd']);
    expect([b.running, b.queued]).toEqual([2, 0]);
    c.attempt.resolve('C');
    d.attempt.resolve('D');
    await expect(Promise.all([c.result, d.result])).resolves.toEqual(['C', 'D']);
    expect([b.running, b.queued]).toEqual([0, 0]);
  });

  it('with no queue, refuses every call beyond maxConcurrent', async () => {
    const { call, started } = bulkhead(1, 0);
    const a = call('a');
    await expect(call('b').result).rejects.toBeInstanceOf(BulkheadFull);
    a.attempt.resolve('A');
    await a.result;
    expect(started).toEqual(['a']);
  });

  it('gives the slot up when the call fails or throws at once, and the queue moves on', async () => {
    const { b, call, started } = bulkhead(1, 2);
    const a = call('a');
    const thrown = b.execute((): Promise<string> => {
      throw new Error('at once');
    }, undefined);
    const c = call('c');
    a.attempt.reject(new Error('failed'));
    await expect(a.result).rejects.toThrow('failed');
    await expect(thrown).rejects.toThrow('at once');
    await settle();
    expect(started).toEqual(['a', 'c']);
    expect([b.running, b.queued]).toEqual([1, 0]);
    c.attempt.resolve('C');
    await expect(c.result).resolves.toBe('C');
    expect([b.running, b.queued]).toEqual([0, 0]);
  });

  it('hands a freed slot to the oldest waiting call, before a newcomer of the same moment', async () => {
    const { b, call, started } = bulkhead(1, 3);
    const a = call('a');
    const waiting = [call('w1'), call('w2')];
    // The newcomer arrives as soon as the slot is given up, before the oldest waiter has resumed.
    const newcomer = a.result.then(() => call('late'));
    a.attempt.resolve('A');
    const late = await newcomer;
    await settle();
    expect(started).toEqual(['a', 'w1']);
    expect([b.running, b.queued]).toEqual([1, 2]);
    waiting[0]!.attempt.resolve('W1');
    await settle();
    waiting[1]!.attempt.resolve('W2');
    await settle();
    late.attempt.resolve('LATE');
    await expect(late.result).resolves.toBe('LATE');
    expect(started).toEqual(['a', 'w1', 'w2', 'late']);
    expect([b.running, b.queued]).toEqual([0, 0]);
  });
});
