import type { RouteTemplate } from '../shared/routes.ts';
import { Bulkhead, BulkheadFull } from './bulkhead.ts';
import {
  CircuitBreakers,
  CircuitOpen,
  type CircuitBreaker,
  type CircuitStateName,
} from './circuit-breakers.ts';
import type { RouteFamily } from './route-families.ts';
import { HorizonApiError } from './horizon-api-error.ts';
import { ROUTE_FAMILY } from './route-families.ts';
import { RetryPolicy, type AttemptGuard, type RetryMode } from './retry-policy.ts';
import { BudgetRefusal } from './upstream-budget.ts';

/** Retries of calls marked safe to repeat. */
export interface RetryOptions {
  /** Attempts per call, the first included; 1 turns retries off. Default 3. */
  maxAttempts?: number;
  /**
   * Milliseconds from the start of a call during which a retry may still begin; a `Retry-After`
   * ending later fails the call at once. Each attempt keeps its own timeout, so a call lasts at
   * most about `budgetMs + timeoutMs`. Default 4 000.
   */
  budgetMs?: number;
  /** Upper bound of the first (fully jittered) backoff, doubled for each later one. Default 100. */
  baseDelayMs?: number;
}

/** Circuit breakers, one per route family. */
export interface BreakerOptions {
  /** Consecutive transient failures of a family's attempts that open its breaker. Default 10. */
  threshold?: number;
  /** Milliseconds an open breaker fails calls fast before it lets a trial call through. Default 5 000. */
  cooldownMs?: number;
}

/** The bound on concurrent upstream calls of this app. */
export interface BulkheadOptions {
  /** Calls in flight at once. Default 256 (the default connection pool size). */
  maxConcurrent?: number;
  /** Calls waiting for a slot; a call beyond them fails at once. Default 500. */
  maxQueued?: number;
}

/** How the client protects itself and Meta when the upstream misbehaves. */
export interface ResilienceOptions {
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  bulkhead?: BulkheadOptions;
}

/** Defaults sized for a subgraph behind a gateway whose subgraph timeout is tens of seconds. */
export const RESILIENCE_DEFAULTS = {
  retry: { maxAttempts: 3, budgetMs: 4_000, baseDelayMs: 100 },
  breaker: { threshold: 10, cooldownMs: 5_000 },
  bulkhead: { maxConcurrent: 256, maxQueued: 500 },
} as const;

/**
 * Runs each upstream call through, from the outside in: the retry policy (one call, several
 * attempts), the route family's circuit breaker (judges every attempt, so retries count), then
 * the app's bulkhead (holds a slot only while an attempt is on the wire, never during a backoff).
 * The breaker's, the bulkhead's and the budget's refusals become `HorizonApiError`s only out
 * here, after the retry policy has declined to retry them. The budget is asked inside the
 * bulkhead, just before the attempt is sent; its refusal passes the breaker without counting.
 */
export class Resilience {
  readonly #retry: RetryPolicy;
  readonly #breakers: CircuitBreakers;
  /** Each family's breaker in front of the bulkhead, built on its first call and kept (it is hot). */
  readonly #guards = new Map<RouteFamily, Guard>();
  /** The bulkhead's `execute` of an attempt, bound once and shared by the families' guards. */
  readonly #inBulkhead: <T>(attempt: () => Promise<T>) => Promise<T>;

  constructor(options: ResilienceOptions = {}) {
    const d = RESILIENCE_DEFAULTS;
    this.#retry = new RetryPolicy({
      maxAttempts: setting(options.retry?.maxAttempts, 'retry.maxAttempts', 1, 10) ?? d.retry.maxAttempts,
      budgetMs: setting(options.retry?.budgetMs, 'retry.budgetMs', 0, 120_000) ?? d.retry.budgetMs,
      baseDelayMs: setting(options.retry?.baseDelayMs, 'retry.baseDelayMs', 0, 60_000) ?? d.retry.baseDelayMs,
    });
    this.#breakers = new CircuitBreakers({
      threshold: setting(options.breaker?.threshold, 'breaker.threshold', 1, 10_000) ?? d.breaker.threshold,
      cooldownMs:
        setting(options.breaker?.cooldownMs, 'breaker.cooldownMs', 1, 3_600_000) ?? d.breaker.cooldownMs,
    });
    const bulkhead = new Bulkhead({
      maxConcurrent:
        setting(options.bulkhead?.maxConcurrent, 'bulkhead.maxConcurrent', 1, 10_000) ??
        d.bulkhead.maxConcurrent,
      maxQueued:
        setting(options.bulkhead?.maxQueued, 'bulkhead.maxQueued', 0, 1_000_000) ?? d.bulkhead.maxQueued,
    });
    this.#inBulkhead = (attempt) => bulkhead.execute(run, attempt);
  }

  /** Every route family's circuit breaker state. */
  circuitStates(): ReadonlyMap<RouteFamily, CircuitStateName> {
    return this.#breakers.states();
  }

  /** Runs `attempt` (one HTTP attempt of `route`) under the retry policy, the breaker and the bulkhead. */
  async execute<T>(route: RouteTemplate, mode: RetryMode, attempt: () => Promise<T>): Promise<T> {
    const family = ROUTE_FAMILY[route];
    let guard = this.#guards.get(family);
    if (!guard) {
      guard = new Guard(this.#breakers.for(route), this.#inBulkhead);
      this.#guards.set(family, guard);
    }
    try {
      return await this.#retry.execute(mode, attempt, guard);
    } catch (error) {
      throw refusal(error, route) ?? error;
    }
  }
}

/** A route family's breaker in front of the app's bulkhead: what each attempt of the family goes through. */
class Guard implements AttemptGuard {
  readonly #breaker: CircuitBreaker;
  readonly #inBulkhead: <T>(attempt: () => Promise<T>) => Promise<T>;

  constructor(breaker: CircuitBreaker, inBulkhead: <T>(attempt: () => Promise<T>) => Promise<T>) {
    this.#breaker = breaker;
    this.#inBulkhead = inBulkhead;
  }

  run<T>(attempt: () => Promise<T>): Promise<T> {
    return this.#breaker.execute(this.#inBulkhead<T>, attempt);
  }

  refusing(): boolean {
    return this.#breaker.state === 'open';
  }
}

/** The bulkhead runs each attempt through this, given the attempt as its argument. */
function run<T>(attempt: () => Promise<T>): Promise<T> {
  return attempt();
}

/** The `HorizonApiError` a breaker, bulkhead or budget refusal stands for; all are transient. */
function refusal(error: unknown, route: RouteTemplate): HorizonApiError | undefined {
  if (error instanceof BudgetRefusal) {
    const why =
      error.reason === 'budget'
        ? "the app's upstream call budget (HORIZON_RATE_LIMIT) is spent"
        : 'Meta throttled this app and its calls are paused';
    return new HorizonApiError(`${route}: not sent, ${why}; try again in ${error.retryAfterMs} ms`, {
      kind: 'over_budget',
      endpoint: route,
      transient: true,
      retryAfterMs: error.retryAfterMs,
    });
  }
  if (error instanceof CircuitOpen) {
    return new HorizonApiError(
      `${route}: not sent, the ${ROUTE_FAMILY[route]} circuit breaker is open after repeated upstream failures`,
      { kind: 'circuit_open', endpoint: route, transient: true },
    );
  }
  if (error instanceof BulkheadFull) {
    return new HorizonApiError(`${route}: not sent, too many upstream calls are already running and queued`, {
      kind: 'overloaded',
      endpoint: route,
      transient: true,
    });
  }
  return undefined;
}

function setting(value: number | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `HorizonClient: resilience ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}
