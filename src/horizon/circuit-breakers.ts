import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { RouteTemplate } from '../shared/routes.ts';
import { HorizonApiError } from './horizon-api-error.ts';
import { ROUTE_FAMILIES, ROUTE_FAMILY, type RouteFamily } from './route-families.ts';

/** Settled breaker settings (see `BreakerOptions` in `resilience.ts` for their meaning and defaults). */
export interface BreakerSettings {
  threshold: number;
  cooldownMs: number;
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
  readonly #breakers = new Map<RouteFamily, CircuitBreakerPolicy>();

  constructor(settings: BreakerSettings) {
    this.#settings = settings;
  }

  /** The breaker guarding `route`'s family. */
  for(route: RouteTemplate): CircuitBreakerPolicy {
    const family = ROUTE_FAMILY[route];
    let breaker = this.#breakers.get(family);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isUpstreamFailure), {
        halfOpenAfter: this.#settings.cooldownMs,
        breaker: new ConsecutiveBreaker(this.#settings.threshold),
      });
      this.#breakers.set(family, breaker);
    }
    return breaker;
  }

  /** Every family's breaker state (a family not called yet is closed). */
  states(): ReadonlyMap<RouteFamily, CircuitStateName> {
    return new Map(
      ROUTE_FAMILIES.map((family) => [
        family,
        STATE_NAME[this.#breakers.get(family)?.state ?? CircuitState.Closed],
      ]),
    );
  }
}

/** A breaker's state, as metrics and health checks name it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAME: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * What counts against a breaker: transient failures that say the upstream is unwell (5xx, Graph
 * `is_transient`, timeouts, resets). A 4xx is the caller's problem and leaves the count alone; a
 * 429 is Meta answering on purpose with a `Retry-After`, which the caller should see as
 * RATE_LIMITED rather than have hidden behind an open breaker.
 */
function isUpstreamFailure(error: Error): boolean {
  return error instanceof HorizonApiError && error.transient && !error.isRateLimited;
}
