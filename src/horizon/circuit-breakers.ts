import type { RouteTemplate } from '../shared/routes.ts';
import { callAsPromise } from './call-as-promise.ts';
import { HorizonApiError } from './horizon-api-error.ts';
import { ROUTE_FAMILIES, ROUTE_FAMILY, type RouteFamily } from './route-families.ts';

/** Settled breaker settings (see `BreakerOptions` in `resilience.ts` for their meaning and defaults). */
export interface BreakerSettings {
  threshold: number;
  cooldownMs: number;
}

/** A breaker's state, as metrics and health checks name it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * An open breaker's refusal: the call was not run. Not a `HorizonApiError`, so that the retry
 * policy does not retry it; `Resilience` turns it into one (kind `circuit_open`).
 */
export class CircuitOpen extends Error {
  override readonly name = 'CircuitOpen';
  constructor() {
    super('the circuit breaker is open');
  }
}

/**
 * One circuit breaker per route family, created on first use. A family's breaker opens after
 * `threshold` consecutive transient failures of its HTTP attempts, so a failing Meta backend
 * stops receiving traffic (and our callers stop waiting for it); after `cooldownMs` one trial call
 * goes through, and its success closes the breaker again. Families are separate so that a leaderboard
 * outage does not take achievements down with it.
 */
export class CircuitBreakers {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  readonly #breakers = new Map<RouteFamily, CircuitBreaker>();

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** The breaker guarding `route`'s family. */
  for(route: RouteTemplate): CircuitBreaker {
    const family = ROUTE_FAMILY[route];
    let breaker = this.#breakers.get(family);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#settings, this.#now);
      this.#breakers.set(family, breaker);
    }
    return breaker;
  }

  /** Every family's breaker state (a family not called yet is closed). */
  states(): ReadonlyMap<RouteFamily, CircuitStateName> {
    return new Map(ROUTE_FAMILIES.map((family) => [family, this.#breakers.get(family)?.state ?? 'closed']));
  }
}

/**
 * A consecutive-failure circuit breaker (the semantics of cockatiel 3's `ConsecutiveBreaker`
 * under `handleWhen(isUpstreamFailure)`, which it replaces on the hot path):
 *
 * - closed: calls run; an upstream failure adds one to the count and the `threshold`-th in a row
 *   opens the breaker; a success resets the count; any other failure leaves it alone.
 * - open: calls fail at once with `CircuitOpen`, until `cooldownMs` after the breaker opened.
 * - half-open: the first call after the cooldown is the trial, and the only call that runs. Calls
 *   arriving meanwhile wait for its end and then go by the state it left: they run if it closed
 *   the breaker, and fail with `CircuitOpen` if it opened it again. The trial's success resets the
 *   count and closes the breaker, an upstream failure opens it again for another `cooldownMs`, and
 *   any other failure (a 4xx, a 429, a refusal by the budget or the bulkhead) closes it without
 *   resetting the count (which, unless a straggler's success reset it, still stands at the
 *   threshold: the next upstream failure opens the breaker again).
 *
 * A call that was already running when the state changed still counts when it ends (its upstream
 * failure may open a half-open breaker, its success resets the count), as in cockatiel. The state
 * moves from open to half-open only when a call arrives: until then it reads `open`.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #state: 'closed' | 'open' | 'half-open' = 'closed';
  /** Consecutive upstream failures. */
  #failures = 0;
  #openedAt = 0;
  /** Settles (never rejects) when the running trial call has ended and set the state. */
  #trialEnded: Promise<void> | undefined;

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#threshold = settings.threshold;
    this.#cooldownMs = settings.cooldownMs;
    this.#now = now;
  }

  get state(): CircuitStateName {
    return this.#state;
  }

  /**
   * Runs `fn(arg)` unless the breaker refuses it (a rejection with `CircuitOpen`), and counts its
   * outcome. `fn` and `arg` rather than a closure, so that a caller can pass a function it built
   * once; and while the breaker is closed (nearly always), no async function either: one `then`
   * with the handlers below, built once per breaker, is all a call adds.
   */
  execute<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    return this.#state === 'closed' ? this.#counted(fn, arg) : this.#notClosed(fn, arg);
  }

  #counted<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    return callAsPromise(fn, arg).then(this.#succeeded, this.#failed);
  }

  readonly #succeeded = <T>(value: T): T => {
    this.#failures = 0;
    return value;
  };

  readonly #failed = (error: unknown): never => {
    if (isUpstreamFailure(error) && ++this.#failures >= this.#threshold) this.#open();
    throw error;
  };

  async #notClosed<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    while (this.#state === 'half-open') await this.#trialEnded;
    if (this.#state === 'closed') return this.#counted(fn, arg);
    if (this.#now() - this.#openedAt < this.#cooldownMs) throw new CircuitOpen();
    // This call is the trial.
    let ended!: () => void;
    this.#trialEnded = new Promise<void>((resolve) => (ended = resolve));
    this.#state = 'half-open';
    try {
      const value = await fn(arg);
      this.#failures = 0;
      this.#close();
      return value;
    } catch (error) {
      if (isUpstreamFailure(error)) {
        this.#failures += 1;
        this.#open();
      } else {
        this.#close();
      }
      throw error;
    } finally {
      ended();
    }
  }

  #open(): void {
    if (this.#state === 'open') return;
    this.#state = 'open';
    this.#openedAt = this.#now();
  }

  /** Only a half-open breaker closes: one opened meanwhile by a call that ended first stays open. */
  #close(): void {
    if (this.#state === 'half-open') this.#state = 'closed';
  }
}

/**
 * What counts against a breaker: transient failures that say the upstream is unwell (5xx, Graph
 * `is_transient`, timeouts, resets). A 4xx is the caller's problem and leaves the count alone; a
 * 429 is Meta answering on purpose with a `Retry-After`, which the caller should see as
 * RATE_LIMITED rather than have hidden behind an open breaker.
 */
function isUpstreamFailure(error: unknown): boolean {
  return error instanceof HorizonApiError && error.transient && !error.isRateLimited;
}
