import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteTemplate } from '../shared/routes.ts';

/**
 * How a GraphQL operation ended: no errors, errors beside data, or errors and no data; or
 * `rejected`, refused before it became an operation (malformed HTTP request, unknown path, not
 * ready yet, no router secret).
 */
export type OperationOutcome = 'success' | 'partial' | 'error' | 'rejected';

/** The labels of one finished operation (already bounded by `operationName`). */
export interface OperationLabels {
  operationName: string;
  operationType: string;
  outcome: OperationOutcome;
}

/** A cache whose lookups are counted: the shared TTL caches, or a per-request loader memo. */
export type CacheName = 'definitions' | 'leaderboards' | 'catalog' | `loader:${string}`;

/** Options of `Metrics`; every one has a default. */
export interface MetricsOptions {
  /** Distinct operation names kept as label values; later names count as `other`. Default 200. */
  maxOperationNames?: number;
  /** Collect Node's default process metrics (event loop, heap, GC, ...). Default true. */
  defaultMetrics?: boolean;
}

/** Label value of an operation without a name (or one that never resolved). */
export const ANONYMOUS = 'anonymous';
/** Label value of a name or code past the cap, or not shaped like one. */
export const OTHER = 'other';

/**
 * The subgraph's Prometheus series, in a registry of its own (not prom-client's global one), so
 * several servers in one process (tests) do not collide. Every label value is bounded: route
 * templates rather than paths, no user ids, operation names and error codes capped.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #operationNames: BoundedLabel;
  readonly #errorCodes = new BoundedLabel(50, /^[A-Z][A-Z0-9_]{0,63}$/, OTHER);
  readonly #operationDuration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  readonly #operationErrors: Counter<'code'>;
  readonly #upstreamDuration: Histogram<'route' | 'status'>;
  readonly #upstreamInFlight: Gauge<'route'>;
  readonly #batchSize: Histogram<'loader'>;
  readonly #cacheLookups: Counter<'cache' | 'result'>;
  readonly #unknownEnumValues: Counter<'field' | 'value'>;
  readonly #refusedFields: Counter<'route' | 'field'>;
  readonly #coolDowns: Counter<'origin'>;
  /** Field names come from our code, values from upstream: both capped all the same. */
  readonly #unknownFields = new BoundedLabel(50, /^[a-z][a-z0-9_.]{0,99}$/, OTHER);
  readonly #unknownValues = new BoundedLabel(50, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, OTHER);

  constructor(options: MetricsOptions = {}) {
    const maxNames = options.maxOperationNames ?? 200;
    if (!Number.isInteger(maxNames) || maxNames < 0)
      throw new TypeError(`Metrics: maxOperationNames must be an integer >= 0, got ${maxNames}`);
    this.#operationNames = new BoundedLabel(maxNames, /^[_A-Za-z][_0-9A-Za-z]{0,99}$/, OTHER);
    const registers = [this.registry];
    this.#operationDuration = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL operation to sending its response.',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#operationErrors = new Counter({
      name: 'graphql_operation_errors_total',
      help: 'Errors returned in GraphQL responses, by extensions.code.',
      labelNames: ['code'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: 'horizon_upstream_request_duration_seconds',
      help: 'HTTP attempts to the Horizon API by route template and status (or timeout/network when no answer came).',
      labelNames: ['route', 'status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#upstreamInFlight = new Gauge({
      name: 'horizon_upstream_requests_in_flight',
      help: 'HTTP attempts to the Horizon API currently waiting for an answer.',
      labelNames: ['route'],
      registers,
    });
    this.#batchSize = new Histogram({
      name: 'dataloader_batch_size',
      help: 'Keys per DataLoader batch.',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers,
    });
    this.#cacheLookups = new Counter({
      name: 'cache_lookups_total',
      help: 'Lookups in the shared TTL caches and the per-request loader memos, by result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers,
    });
    this.#unknownEnumValues = new Counter({
      name: 'horizon_upstream_unknown_enum_values_total',
      help: 'Upstream answers carrying an enum value the subgraph does not know (served as null), by field and value; values past the first 50 distinct ones, or not shaped like an enum value, count as "other".',
      labelNames: ['field', 'value'],
      registers,
    });
    this.#refusedFields = new Counter({
      name: 'horizon_upstream_refused_fields_total',
      help: 'Optional fields (our guesses) that upstream refused, by route and field; each is then left out of that route for HORIZON_FIELD_REFUSAL_TTL_MS.',
      labelNames: ['route', 'field'],
      registers,
    });
    this.#coolDowns = new Counter({
      name: 'horizon_upstream_throttle_cool_downs_total',
      help: 'Pauses of every upstream call of the app after Meta throttled it: begun here (local) or told by another replica (peer).',
      labelNames: ['origin'],
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Reports circuit breaker states at scrape time: `horizon_upstream_circuit_state{family}` is 0
   * closed, 1 half-open, 2 open (isolated counts as open).
   */
  trackCircuits(read: () => ReadonlyMap<string, string>): void {
    const level: Record<string, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 2 };
    new Gauge({
      name: 'horizon_upstream_circuit_state',
      help: 'Circuit breaker state per upstream route family: 0 closed, 1 half-open, 2 open.',
      labelNames: ['family'],
      registers: [this.registry],
      collect() {
        for (const [family, state] of read()) this.set({ family }, level[state] ?? 2);
      },
    });
  }

  /**
   * Metrics of the upstream budget (`HORIZON_RATE_LIMIT`); give the returned hooks to the budget.
   * Call once per registry.
   */
  budgetHooks(): { onDecision(admitted: boolean, remaining: number): void } {
    const remaining = new Gauge({
      name: 'horizon_upstream_budget_remaining',
      help: 'Upstream calls left in the current HORIZON_RATE_LIMIT window, as of the last call asked for (fleet-wide with Redis).',
      registers: [this.registry],
    });
    const refused = new Counter({
      name: 'horizon_upstream_budget_refused_total',
      help: 'Upstream calls not sent because the HORIZON_RATE_LIMIT budget was spent (answered RATE_LIMITED).',
      registers: [this.registry],
    });
    return {
      onDecision: (admitted, left) => {
        remaining.set(left);
        if (!admitted) refused.inc();
      },
    };
  }

  /**
   * Shared state on Redis, read at scrape time: `shared_state_redis_up` (1 when Redis answers) and
   * `shared_cache_invalidation_subscribed` (0: changes made on other replicas are not heard, and
   * the shared lists live out CACHE_TTL_SECONDS). Returns the hook counting invalidations received.
   */
  trackSharedState(read: () => { redis: boolean; invalidationsLive: boolean }): {
    onInvalidationReceived(list: string): void;
  } {
    const registers = [this.registry];
    new Gauge({
      name: 'shared_state_redis_up',
      help: '1 when Redis (REDIS_URL) answers commands; 0 while keyed writes fail with IDEMPOTENCY_STORE_UNAVAILABLE and the budget is per replica.',
      registers,
      collect() {
        this.set(read().redis ? 1 : 0);
      },
    });
    new Gauge({
      name: 'shared_cache_invalidation_subscribed',
      help: '1 while invalidations from other replicas arrive (Redis pub/sub); 0 while the shared lists fall back to CACHE_TTL_SECONDS.',
      registers,
      collect() {
        this.set(read().invalidationsLive ? 1 : 0);
      },
    });
    const received = new Counter({
      name: 'shared_cache_invalidations_received_total',
      help: 'Shared lists dropped because another replica changed them (list="all": after the subscription was lost and came back).',
      labelNames: ['list'],
      registers,
    });
    return { onInvalidationReceived: (list) => received.inc({ list }) };
  }

  /**
   * Meta's webhook on `/webhooks/horizon`: deliveries by outcome (`duplicate`: every event in it
   * was already recorded) and their events by type and result. Call once per registry.
   */
  webhookHooks(): {
    onDelivery(outcome: string): void;
    onEvents(type: string, result: 'recorded' | 'duplicate', count: number): void;
  } {
    const deliveries = new Counter({
      name: 'horizon_webhook_deliveries_total',
      help: "Deliveries of Meta's webhook, by outcome: recorded, duplicate (all of it already recorded: a retry, or another replica got it), invalid_signature (401), malformed (400), unavailable (503: the log could not be written).",
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    const events = new Counter({
      name: 'horizon_webhook_events_total',
      help: 'Events in accepted webhook deliveries, by type (PurchaseEventType) and result: recorded, or duplicate (dropped).',
      labelNames: ['type', 'result'],
      registers: [this.registry],
    });
    return {
      onDelivery: (outcome) => deliveries.inc({ outcome }),
      onEvents: (type, result, count) => events.inc({ type, result }, count),
    };
  }

  /** The bounded label value for an operation name. */
  operationName(name: string | null | undefined): string {
    return name ? this.#operationNames.value(name) : ANONYMOUS;
  }

  /** Records one finished operation. */
  observeOperation(labels: OperationLabels, seconds: number): void {
    this.#operationDuration.observe(
      { operation_name: labels.operationName, operation_type: labels.operationType, outcome: labels.outcome },
      seconds,
    );
  }

  /** Counts one error of a response by its `extensions.code`. */
  countError(code: string): void {
    this.#operationErrors.inc({ code: this.#errorCodes.value(code) });
  }

  /** Marks an HTTP attempt in flight; call the result once with the status label when it ends. */
  upstreamStarted(route: RouteTemplate): (status: string) => void {
    this.#upstreamInFlight.inc({ route });
    const stop = this.#upstreamDuration.startTimer({ route });
    return (status) => {
      this.#upstreamInFlight.dec({ route });
      stop({ status });
    };
  }

  /** Records the size of one DataLoader batch. */
  observeBatch(loader: string, size: number): void {
    this.#batchSize.observe({ loader }, size);
  }

  /** Counts one cache lookup. */
  cacheLookup(cache: CacheName, hit: boolean): void {
    this.#cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  /** Counts one upstream enum value the client did not know. */
  countUnknownEnumValue(field: string, value: string): void {
    this.#unknownEnumValues.inc({
      field: this.#unknownFields.value(field),
      value: this.#unknownValues.value(value),
    });
  }

  /** Counts one optional field refused by upstream (route templates and field names come from our own lists). */
  countRefusedField(route: string, field: string): void {
    this.#refusedFields.inc({ route, field });
  }

  countCoolDown(origin: 'local' | 'peer'): void {
    this.#coolDowns.inc({ origin });
  }

  /** The exposition text and its content type, for `GET /metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Keeps the first `max` distinct well-formed values of a label; the rest become `fallback`. */
class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(
    readonly max: number,
    readonly shape: RegExp,
    readonly fallback: string,
  ) {}

  value(raw: string): string {
    if (!this.shape.test(raw)) return this.fallback;
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.max) return this.fallback;
    this.#seen.add(raw);
    return raw;
  }
}
