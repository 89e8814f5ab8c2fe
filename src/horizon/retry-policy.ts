import {
  DelegateBackoff,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import { HorizonApiError } from './horizon-api-error.ts';

/**
 * Whether a call may be sent again after a transient failure: `safe` when a repeat cannot change
 * the outcome (reads, and writes that are idempotent in effect), `never` otherwise.
 */
export type RetryMode = 'safe' | 'never';

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
   * Runs `attempt`, and again while the mode, the error, the attempt cap and the budget allow, and
   * while `refused()` (the route's breaker is open) does not say that a retry would not be sent.
   */
  execute<T>(mode: RetryMode, attempt: () => Promise<T>, refused: () => boolean): Promise<T> {
    const { maxAttempts, budgetMs, baseDelayMs } = this.#settings;
    if (mode === 'never' || maxAttempts <= 1) return attempt();
    // A policy per call: its predicate and backoff close over this call's deadline.
    const deadline = Date.now() + budgetMs;
    // Throttling is retried at most once, and only when upstream said how long to wait.
    let throttledRetries = 0;
    const retryable = (error: Error) => {
      if (refused() || !worthRetrying(error, deadline)) return false;
      if (!(error as HorizonApiError).isRateLimited) return true;
      if ((error as HorizonApiError).retryAfterMs === undefined || throttledRetries >= 1) return false;
      throttledRetries += 1;
      return true;
    };
    const exponential = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: baseDelayMs,
      maxDelay: budgetMs,
    });
    const policy = retry(
      // With the breaker open, the caller is better served by the failure that opened it.
      handleWhen(retryable),
      {
        // cockatiel counts retries, we count attempts.
        maxAttempts: maxAttempts - 1,
        backoff: new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>(
          (context, previous) => {
            const jittered = previous ? previous.next(context) : exponential.next();
            const asked = 'error' in context.result ? retryAfterOf(context.result.error) : undefined;
            const remaining = Math.max(0, deadline - Date.now());
            return { delay: Math.min(asked ?? jittered.duration, remaining), state: jittered };
          },
        ),
      },
    );
    return policy.execute(() => attempt());
  }
}

/**
 * Only transient upstream failures are worth another attempt, and only while the budget lasts
 * (including any `Retry-After`); throttling only as `retryable` above allows. The breaker's and the bulkhead's refusals are not
 * `HorizonApiError`s at this point, so they are never retried: a retry would only add load.
 */
function worthRetrying(error: Error, deadline: number): boolean {
  if (!(error instanceof HorizonApiError) || !error.transient) return false;
  const remaining = deadline - Date.now();
  return remaining > 0 && (error.retryAfterMs ?? 0) < remaining;
}

function retryAfterOf(error: Error): number | undefined {
  return error instanceof HorizonApiError ? error.retryAfterMs : undefined;
}
