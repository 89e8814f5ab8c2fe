import { HorizonApiError } from './horizon-api-error.ts';

/**
 * Whether a call may be sent again after a transient failure: `safe` when a repeat cannot change
 * the outcome (reads, and writes that are idempotent in effect), `never` otherwise.
 */
export type RetryMode = 'safe' | 'never';

/**
 * What every attempt goes through: in `Resilience`, the route family's circuit breaker and the
 * app's bulkhead, one object per family built once (so a call passes no closure for it).
 */
export interface AttemptGuard {
  /** Runs one attempt, or refuses it with an error that is not a `HorizonApiError`. */
  run<T>(attempt: () => Promise<T>): Promise<T>;
  /** Whether an attempt would be refused now (the breaker is open), so a retry would not be sent. */
  refusing(): boolean;
}

/** Settled retry settings (see `RetryOptions` in `resilience.ts` for their meaning and defaults). */
export interface RetrySettings {
  maxAttempts: number;
  budgetMs: number;
  baseDelayMs: number;
}

/**
 * Retries `safe` calls on transient failures with exponential backoff and full jitter (a random
 * delay below `baseDelayMs · 2^n`, so that many callers failing together do not retry together),
 * or after the server's `Retry-After` when it sent one. The time budget bounds the whole call: no
 * retry starts after it, and a `Retry-After` that would end beyond it fails the call at once,
 * because a caller behind a gateway is better served by a fast, retryable error than by a wait
 * its own deadline will not survive.
 */
export class RetryPolicy {
  readonly #settings: RetrySettings;

  constructor(settings: RetrySettings) {
    this.#settings = settings;
  }

  /**
   * Runs `attempt` through `guard`, and again while the mode, the error, the attempt cap and the
   * budget allow, and while `guard.refusing()` (the route's breaker is open) does not say that a
   * retry would not be sent. A plain loop: the call's deadline and throttle count are locals, not a
   * policy, a backoff and their closures built for every call (this runs for every upstream call).
   */
  async execute<T>(mode: RetryMode, attempt: () => Promise<T>, guard: AttemptGuard): Promise<T> {
    const { maxAttempts, budgetMs, baseDelayMs } = this.#settings;
    if (mode === 'never' || maxAttempts <= 1) return guard.run(attempt);
    const deadline = Date.now() + budgetMs;
    // Throttling is retried at most once, and only when upstream said how long to wait.
    let throttledRetries = 0;
    for (let attempts = 1; ; attempts++) {
      try {
        return await guard.run(attempt);
      } catch (error) {
        // With the breaker open, the caller is better served by the failure that opened it.
        if (attempts >= maxAttempts || guard.refusing() || !worthRetrying(error, deadline)) throw error;
        if (error.isRateLimited) {
          if (error.retryAfterMs === undefined || throttledRetries >= 1) throw error;
          throttledRetries += 1;
        }
        // Full jitter: a random delay below baseDelayMs · 2^(retry - 1), capped by the budget;
        // upstream's Retry-After instead when it sent one; never past the deadline.
        const jittered = Math.floor(Math.random() * Math.min(budgetMs, baseDelayMs * 2 ** (attempts - 1)));
        const remaining = Math.max(0, deadline - Date.now());
        await sleep(Math.min(error.retryAfterMs ?? jittered, remaining));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Only transient upstream failures are worth another attempt, and only while the budget lasts
 * (including any `Retry-After`); throttling only as `execute` above allows. The breaker's and the
 * bulkhead's refusals are not `HorizonApiError`s at this point, so they are never retried: a retry
 * would only add load.
 */
function worthRetrying(error: unknown, deadline: number): error is HorizonApiError {
  if (!(error instanceof HorizonApiError) || !error.transient) return false;
  const remaining = deadline - Date.now();
  return remaining > 0 && (error.retryAfterMs ?? 0) < remaining;
}
