import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitBreakers, CircuitOpen } from '../../src/horizon/circuit-breakers.ts';
import { BulkheadFull } from '../../src/horizon/bulkhead.ts';
import { HorizonApiError } from '../../src/horizon/index.ts';
import { BudgetRefusal } from '../../src/horizon/upstream-budget.ts';

// The consecutive-failure breaker on a clock the test moves, with attempts the test settles.

const ROUTE = 'GET /{user_id}';
const THRESHOLD = 3;
const COOLDOWN_MS = 1_000;

const unavailable = () =>
  new HorizonApiError('503', { kind: 'api', endpoint: ROUTE, status: 503, transient: true });
const badRequest = () =>
  new HorizonApiError('400', { kind: 'api', endpoint: ROUTE, status: 400, transient: false });
const throttled = () =>
  new HorizonApiError('429', {
    kind: 'api',
    endpoint: ROUTE,
    status: 429,
    transient: true,
    retryAfterMs: 10,
  });

function clocked() {
  const clock = { now: 1_000 };
  const breaker = new CircuitBreaker({ threshold: THRESHOLD, cooldownMs: COOLDOWN_MS }, () => clock.now);
  let runs = 0;
  /** One call whose attempt ends as `outcome` says (an error fails it, anything else is its value). */
  const call = (outcome: unknown = 'ok'): Promise<unknown> =>
    breaker.execute(async (value: unknown) => {
      runs += 1;
      if (value instanceof Error) throw value;
      return value;
    }, outcome);
  return { clock, breaker, call, runs: () => runs };
}

function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A call whose attempt ends when the test says. */
function held(breaker: CircuitBreaker) {
  const attempt = deferred();
  let started = false;
  const result = breaker.execute(() => {
    started = true;
    return attempt.promise;
  }, undefined);
  result.catch(() => undefined);
  return { attempt, result, started: () => started };
}

async function open({ call }: ReturnType<typeof clocked>): Promise<void> {
  for (let i = 0; i < THRESHOLD; i++)
    await expect(call(unavailable())).rejects.toBeInstanceOf(HorizonApiError);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CircuitBreaker', () => {
  it('opens after threshold consecutive upstream failures and then refuses without running the call', async () => {
    const b = clocked();
    for (let i = 0; i < THRESHOLD - 1; i++) await expect(b.call(unavailable())).rejects.toThrow('503');
    expect(b.breaker.state).toBe('closed');
    await expect(b.call(unavailable())).rejects.toThrow('503');
    expect(b.breaker.state).toBe('open');
    await expect(b.call()).rejects.toBeInstanceOf(CircuitOpen);
    expect(b.runs()).toBe(THRESHOLD);
  });

  it('counts consecutive failures only: a success resets the count', async () => {
    const b = clocked();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < THRESHOLD - 1; i++) await expect(b.call(unavailable())).rejects.toThrow();
      await expect(b.call('fine')).resolves.toBe('fine');
    }
    expect(b.breaker.state).toBe('closed');
  });

  it('leaves the count alone on 4xx, 429, budget, bulkhead and other failures', async () => {
    const b = clocked();
    for (let i = 0; i < THRESHOLD - 1; i++) await expect(b.call(unavailable())).rejects.toThrow();
    for (const error of [
      badRequest(),
      throttled(),
      new BudgetRefusal(50),
      new BulkheadFull(),
      new Error('bug'),
    ]) {
      await expect(b.call(error)).rejects.toBe(error);
      expect(b.breaker.state).toBe('closed');
    }
    // The count was neither reset nor raised: one more upstream failure opens the breaker.
    await expect(b.call(unavailable())).rejects.toThrow();
    expect(b.breaker.state).toBe('open');
  });

  it('counts an attempt that throws at once like one that rejects', async () => {
    const b = clocked();
    for (let i = 0; i < THRESHOLD; i++) {
      const thrown = b.breaker.execute((): Promise<never> => {
        throw unavailable();
      }, undefined);
      await expect(thrown).rejects.toThrow('503');
    }
    expect(b.breaker.state).toBe('open');
  });

  it('stays open for the cooldown, reading open until a call arrives after it', async () => {
    const b = clocked();
    await open(b);
    b.clock.now += COOLDOWN_MS - 1;
    await expect(b.call()).rejects.toBeInstanceOf(CircuitOpen);
    b.clock.now += 1;
    expect(b.breaker.state).toBe('open');
    expect(b.runs()).toBe(THRESHOLD);
  });

  it('lets exactly one trial through after the cooldown; its success closes the breaker and the waiting calls then run', async () => {
    const b = clocked();
    await open(b);
    b.clock.now += COOLDOWN_MS;
    const trial = held(b.breaker);
    expect(trial.started()).toBe(true);
    expect(b.breaker.state).toBe('half-open');
    const waiting = [held(b.breaker), held(b.breaker)];
    await settle();
    expect(waiting.map((w) => w.started())).toEqual([false, false]);
    trial.attempt.resolve('trial');
    await expect(trial.result).resolves.toBe('trial');
    await settle();
    expect(b.breaker.state).toBe('closed');
    expect(waiting.map((w) => w.started())).toEqual([true, true]);
    for (const w of waiting) w.attempt.resolve('later');
    await expect(Promise.all(waiting.map((w) => w.result))).resolves.toEqual(['later', 'later']);
    // The count starts over: threshold - 1 failures do not open it.
    for (let i = 0; i < THRESHOLD - 1; i++) await expect(b.call(unavailable())).rejects.toThrow();
    expect(b.breaker.state).toBe('closed');
  });

  it('opens again when the trial fails upstream: the waiting calls are refused without running, for another cooldown', async () => {
    const b = clocked();
    await open(b);
    b.clock.now += COOLDOWN_MS;
    const trial = held(b.breaker);
    const waiting = held(b.breaker);
    b.clock.now += 400; // the trial takes a while: the new cooldown starts when it fails
    trial.attempt.reject(unavailable());
    await expect(trial.result).rejects.toThrow('503');
    await expect(waiting.result).rejects.toBeInstanceOf(CircuitOpen);
    expect(waiting.started()).toBe(false);
    expect(b.breaker.state).toBe('open');
    b.clock.now += COOLDOWN_MS - 1;
    await expect(b.call()).rejects.toBeInstanceOf(CircuitOpen);
    b.clock.now += 1;
    await expect(b.call('back')).resolves.toBe('back');
    expect(b.breaker.state).toBe('closed');
  });

  it('closes when the trial fails otherwise (a 4xx, a budget refusal), keeping the count: the next upstream failure opens it', async () => {
    for (const error of [badRequest(), new BudgetRefusal(50)]) {
      const b = clocked();
      await open(b);
      b.clock.now += COOLDOWN_MS;
      await expect(b.call(error)).rejects.toBe(error);
      expect(b.breaker.state).toBe('closed');
      await expect(b.call(unavailable())).rejects.toThrow('503');
      expect(b.breaker.state).toBe('open');
    }
  });

  it('counts a call that was running when the breaker opened, and lets one that fails during the trial open it again', async () => {
    const b = clocked();
    const straggler = held(b.breaker);
    await open(b);
    b.clock.now += COOLDOWN_MS;
    const trial = held(b.breaker);
    straggler.attempt.reject(unavailable());
    await expect(straggler.result).rejects.toThrow('503');
    expect(b.breaker.state).toBe('open');
    // The trial's success does not close a breaker opened again meanwhile.
    trial.attempt.resolve('trial');
    await expect(trial.result).resolves.toBe('trial');
    expect(b.breaker.state).toBe('open');
    await expect(b.call()).rejects.toBeInstanceOf(CircuitOpen);
  });
});

describe('CircuitBreakers', () => {
  it('keeps one breaker per route family, reused, and reports every family (closed until used)', async () => {
    const breakers = new CircuitBreakers({ threshold: 1, cooldownMs: COOLDOWN_MS });
    expect([...breakers.states().values()]).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);
    const users = breakers.for('GET /{user_id}');
    expect(breakers.for('GET /{user_id}')).toBe(users);
    expect(breakers.for('GET /{user_id}/achievements')).not.toBe(users);
    await expect(users.execute(() => Promise.reject(unavailable()), undefined)).rejects.toThrow('503');
    expect(breakers.states().get('users')).toBe('open');
    expect(breakers.states().get('achievements')).toBe('closed');
  });
});
