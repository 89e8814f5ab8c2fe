/** What the budget decided for one HTTP attempt. */
export type Admission =
  /**
   * Send it; `remaining` attempts are left in the current window (after this one). Call
   * `release()` once when the attempt ends: its slot is free again a whole window later.
   */
  | { admitted: true; remaining: number; release(): void }
  /** Do not send it; a call would be admitted again in about `retryAfterMs`. */
  | { admitted: false; remaining: 0; retryAfterMs: number };

/**
 * The app's upstream call budget, asked before each HTTP attempt is sent (first attempts, retries
 * and pages alike). `admit` must not throw: an implementation whose backing store fails decides
 * by itself (the Redis one falls back to a budget of its own process).
 *
 * A slot is taken when the attempt is admitted and held until `windowMs` after it ended, not
 * after it started: Meta sees the call somewhere between the two, so any interval of `windowMs`
 * at Meta's end holds at most `calls` of ours, whatever the network or our event loop delayed.
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
 * The budget of one process: attempts in flight, and the end times of finished ones still inside
 * the window (a queue, oldest first). An attempt is admitted when fewer than `calls` are in flight
 * or ended less than `windowMs` ago; otherwise the wait is until the oldest end leaves the window
 * (or a whole window, when every slot is in flight).
 */
export class SlidingWindowBudget implements UpstreamAdmission {
  readonly limit: RateLimit;
  readonly #now: () => number;
  readonly #hooks: BudgetHooks;
  #inFlight = 0;
  readonly #ends: number[] = [];
  #head = 0;

  constructor(limit: RateLimit, options: { now?: () => number; hooks?: BudgetHooks } = {}) {
    if (!Number.isSafeInteger(limit.calls) || limit.calls < 1)
      throw new TypeError(`SlidingWindowBudget: calls must be an integer >= 1, got ${limit.calls}`);
    if (!Number.isSafeInteger(limit.windowMs) || limit.windowMs < 1)
      throw new TypeError(`SlidingWindowBudget: windowMs must be an integer >= 1, got ${limit.windowMs}`);
    this.limit = limit;
    this.#now = options.now ?? (() => performance.now());
    this.#hooks = options.hooks ?? {};
  }

  async admit(): Promise<Admission> {
    return this.decide();
  }

  /** The same decision, synchronously. */
  decide(): Admission {
    const now = this.#now();
    const { calls, windowMs } = this.limit;
    while (this.#head < this.#ends.length && now - this.#ends[this.#head]! >= windowMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#ends.length) {
      this.#ends.splice(0, this.#head);
      this.#head = 0;
    }
    const used = this.#inFlight + this.#ends.length - this.#head;
    let admission: Admission;
    if (used < calls) {
      this.#inFlight++;
      admission = { admitted: true, remaining: calls - used - 1, release: this.#releaser() };
    } else {
      const oldest = this.#ends[this.#head];
      const wait = oldest === undefined ? windowMs : Math.ceil(oldest + windowMs - now);
      admission = { admitted: false, remaining: 0, retryAfterMs: Math.max(1, wait) };
    }
    this.#hooks.onDecision?.(admission.admitted, admission.remaining);
    return admission;
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      // Ends arrive in clock order, so the queue stays sorted.
      this.#ends.push(this.#now());
    };
  }
}

/**
 * Thrown inside the resilience pipeline when an attempt is not sent: the budget is spent
 * (`budget`), or the app pauses after Meta throttled it (`cool-down`, see `ThrottleCoolDown`).
 */
export class BudgetRefusal extends Error {
  override readonly name = 'BudgetRefusal';
  constructor(
    readonly retryAfterMs: number,
    readonly reason: 'budget' | 'cool-down' = 'budget',
  ) {
    super(reason === 'budget' ? 'over the upstream call budget' : 'paused after upstream throttling');
  }
}
