/** What the budget decided for one HTTP attempt. */
export type Admission =
  /** Send it; `remaining` attempts are left in the current window (after this one). */
  | { admitted: true; remaining: number }
  /** Do not send it; a call would be admitted again in about `retryAfterMs`. */
  | { admitted: false; remaining: 0; retryAfterMs: number };

/**
 * The app's upstream call budget, asked before each HTTP attempt is sent (first attempts, retries
 * and pages alike). `admit` must not throw: an implementation whose backing store fails decides
 * by itself (the Redis one falls back to a budget of its own process).
 */
export interface UpstreamAdmission {
  admit(): Promise<Admission>;
}

/** At most `calls` upstream calls in any interval of `windowMs` (a sliding window, not a bucket). */
export interface RateLimit {
  calls: number;
  windowMs: number;
}

/** Optional callback for metrics; it must be cheap and must not throw. */
export interface BudgetHooks {
  /** One decision: admitted or refused, and what is left in the window. */
  onDecision?(admitted: boolean, remaining: number): void;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `N/W`, e.g. `600/10s`, `100/1m`, `50/500ms` (W defaults to seconds: `600/10`). Throws a
 * `TypeError` saying what is expected.
 */
export function parseRateLimit(text: string): RateLimit {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*(ms|s|m|h)?\s*$/.exec(text);
  const calls = Number(match?.[1]);
  const windowMs = Number(match?.[2]) * UNITS[match?.[3] ?? 's']!;
  if (!match || calls < 1 || windowMs < 1 || windowMs > 86_400_000) {
    throw new TypeError(
      `must be CALLS/WINDOW, e.g. 600/10s (window in ms, s, m or h, at most 24h; calls >= 1), got "${text}"`,
    );
  }
  return { calls, windowMs };
}

/**
 * The budget of one process: the start times of the last `calls` admitted attempts in a ring, so
 * a decision is O(1). An attempt is admitted when fewer than `calls` were admitted in the last
 * `windowMs`; otherwise the wait is until the oldest of them leaves the window.
 */
export class SlidingWindowBudget implements UpstreamAdmission {
  readonly limit: RateLimit;
  readonly #starts: Float64Array;
  readonly #now: () => number;
  readonly #hooks: BudgetHooks;
  /** Index of the oldest remembered start (the next one overwritten). */
  #head = 0;

  constructor(limit: RateLimit, options: { now?: () => number; hooks?: BudgetHooks } = {}) {
    if (!Number.isSafeInteger(limit.calls) || limit.calls < 1)
      throw new TypeError(`SlidingWindowBudget: calls must be an integer >= 1, got ${limit.calls}`);
    if (!Number.isSafeInteger(limit.windowMs) || limit.windowMs < 1)
      throw new TypeError(`SlidingWindowBudget: windowMs must be an integer >= 1, got ${limit.windowMs}`);
    this.limit = limit;
    this.#starts = new Float64Array(limit.calls).fill(Number.NEGATIVE_INFINITY);
    this.#now = options.now ?? (() => performance.now());
    this.#hooks = options.hooks ?? {};
  }

  async admit(): Promise<Admission> {
    return this.decide();
  }

  /** The same decision, synchronously. */
  decide(): Admission {
    const now = this.#now();
    const oldest = this.#starts[this.#head]!;
    const admission: Admission =
      now - oldest >= this.limit.windowMs
        ? { admitted: true, remaining: this.#record(now) }
        : {
            admitted: false,
            remaining: 0,
            retryAfterMs: Math.max(1, Math.ceil(oldest + this.limit.windowMs - now)),
          };
    this.#hooks.onDecision?.(admission.admitted, admission.remaining);
    return admission;
  }

  /** Remembers an admitted start; returns how many more fit in the window that ends now. */
  #record(now: number): number {
    this.#starts[this.#head] = now;
    this.#head = (this.#head + 1) % this.limit.calls;
    // Read from the head, the ring is sorted oldest first: binary search for the first start
    // still inside the window; everything from there on is used.
    const n = this.limit.calls;
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (now - this.#starts[(this.#head + mid) % n]! < this.limit.windowMs) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/** Thrown inside the resilience pipeline when the budget refuses an attempt; see `Resilience`. */
export class BudgetRefusal extends Error {
  override readonly name = 'BudgetRefusal';
  constructor(readonly retryAfterMs: number) {
    super('over the upstream call budget');
  }
}
