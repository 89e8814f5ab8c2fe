/** Why the subgraph is not ready, as `/readyz` says it. */
export type NotReadyReason =
  'starting' | 'draining' | 'upstream unreachable' | 'upstream credentials rejected';

/**
 * Whether the shared state (Redis) answers. `unavailable` does not make the replica not ready:
 * it still serves reads and key-less writes (keyed writes fail with IDEMPOTENCY_STORE_UNAVAILABLE).
 */
export type RedisAvailability = 'available' | 'unavailable';

/** The body of `/readyz`; `redis` only when REDIS_URL is set. */
export type ReadinessReport = (
  | { status: 'ready' }
  | {
      status: 'not ready';
      reason: NotReadyReason;
      /** With `upstream unreachable`: for how long, and the last failure seen. */
      upstream?: { unreachableForMs: number; lastFailure?: string };
    }
) & { redis?: RedisAvailability };

/** Options of `Readiness`. */
export interface ReadinessOptions {
  /**
   * How long the upstream may stay unreachable before the subgraph reports not ready, ms.
   * 0 leaves the upstream out of readiness (only starting and draining count).
   */
  upstreamGraceMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** How one upstream attempt or probe went, for readiness. */
export type UpstreamReachability = { reachable: true } | { reachable: false; failure: string };

/**
 * Readiness of this process: not ready until the server has started, not ready once draining,
 * and not ready while the upstream has been unreachable (transport failures, 502/503/504) for
 * longer than the grace period. Any answer from the upstream counts as reachable, 4xx included:
 * a bad request says nothing about whether Meta is up.
 */
export class Readiness {
  readonly #graceMs: number;
  readonly #probeEveryMs: number;
  readonly #now: () => number;
  #phase: 'starting' | 'serving' | 'draining' = 'starting';
  #unreachableSince?: number;
  #lastFailure?: string;
  #lastSeen = Number.NEGATIVE_INFINITY;
  #probing?: Promise<void>;
  #redis?: () => boolean;
  #credentialsRejected?: string;

  constructor(options: ReadinessOptions) {
    if (!Number.isInteger(options.upstreamGraceMs) || options.upstreamGraceMs < 0)
      throw new TypeError(
        `Readiness: upstreamGraceMs must be an integer >= 0, got ${String(options.upstreamGraceMs)}`,
      );
    this.#graceMs = options.upstreamGraceMs;
    // Probe often enough to notice an outage within the grace period, but not more than every 5 s.
    this.#probeEveryMs = Math.min(this.#graceMs, 5_000);
    this.#now = options.now ?? Date.now;
  }

  /** The server listens and GraphQL is mounted. */
  markStarted(): void {
    if (this.#phase === 'starting') this.#phase = 'serving';
  }

  /** Reports Redis in every report (`redis: available | unavailable`); `up` is read each time. */
  watchRedis(up: () => boolean): void {
    this.#redis = up;
  }

  /** Shutdown began: load balancers should stop sending new requests. */
  markDraining(): void {
    this.#phase = 'draining';
  }

  get draining(): boolean {
    return this.#phase === 'draining';
  }

  /**
   * Meta refused the app's credentials (`failure` says where), or, with undefined, an app call
   * succeeded since. A replica whose credentials are refused can serve nothing: not ready, with
   * the reason, until a call succeeds again.
   */
  recordCredentials(failure: string | undefined): void {
    this.#credentialsRejected = failure;
  }

  /** Records how an upstream attempt went (from the upstream observer, or a probe). */
  recordUpstream(result: UpstreamReachability): void {
    this.#lastSeen = this.#now();
    if (result.reachable) {
      this.#unreachableSince = undefined;
      this.#lastFailure = undefined;
    } else {
      this.#unreachableSince ??= this.#lastSeen;
      this.#lastFailure = result.failure;
    }
  }

  /**
   * The current report. When no upstream answer has been seen for a while, `probe` (one cheap
   * upstream call, rejecting with its failure) runs first, so an idle subgraph still notices an
   * outage and a not-ready one, which gets no traffic, notices the recovery.
   */
  async check(probe?: () => Promise<unknown>): Promise<ReadinessReport> {
    if (probe && this.#phase === 'serving' && this.#graceMs > 0) {
      if (this.#now() - this.#lastSeen >= this.#probeEveryMs) await this.#runProbe(probe);
    }
    return this.report();
  }

  /** The current report, without probing. */
  report(): ReadinessReport {
    const report = this.#report();
    if (!this.#redis) return report;
    return { ...report, redis: this.#redis() ? 'available' : 'unavailable' };
  }

  #report(): ReadinessReport {
    if (this.#phase !== 'serving') return { status: 'not ready', reason: this.#phase };
    if (this.#credentialsRejected !== undefined) {
      return {
        status: 'not ready',
        reason: 'upstream credentials rejected',
        upstream: { unreachableForMs: 0, lastFailure: this.#credentialsRejected },
      };
    }
    if (this.#graceMs > 0 && this.#unreachableSince !== undefined) {
      const unreachableForMs = this.#now() - this.#unreachableSince;
      if (unreachableForMs >= this.#graceMs)
        return {
          status: 'not ready',
          reason: 'upstream unreachable',
          upstream: { unreachableForMs, lastFailure: this.#lastFailure },
        };
    }
    return { status: 'ready' };
  }

  /** One probe at a time; concurrent checks wait for the same one. */
  #runProbe(probe: () => Promise<unknown>): Promise<void> {
    this.#probing ??= probe()
      .then(
        () => this.recordUpstream({ reachable: true }),
        (error: unknown) => {
          const result = reachabilityOfError(error);
          if (result) this.recordUpstream(result);
        },
      )
      .finally(() => {
        this.#probing = undefined;
      });
    return this.#probing;
  }
}

/**
 * What an upstream error says about reachability: no answer, a 502/503/504, or an open circuit
 * breaker (repeated transient failures) means unreachable; any other answer means reachable; a
 * call refused locally (bulkhead full, budget spent) or an error that is not an upstream one says
 * nothing.
 */
export function reachabilityOfError(error: unknown): UpstreamReachability | undefined {
  const { name, kind, status, endpoint } = (error ?? {}) as {
    name?: string;
    kind?: string;
    status?: number;
    endpoint?: string;
  };
  if (name !== 'HorizonApiError' || kind === 'overloaded' || kind === 'over_budget') return undefined;
  const where = endpoint ? `${endpoint}: ` : '';
  if (kind === 'timeout' || kind === 'network' || kind === 'circuit_open')
    return { reachable: false, failure: `${where}${kind}` };
  if (status === 502 || status === 503 || status === 504)
    return { reachable: false, failure: `${where}HTTP ${status}` };
  return { reachable: true };
}
