import { LRUCache } from 'lru-cache';
import type { FieldSelection, ReadFields } from '../shared/read-fields.ts';
import type { RouteTemplate } from '../shared/routes.ts';
import { buildFields } from './fields.ts';
import { HorizonApiError } from './horizon-api-error.ts';

/** How long a refused optional field is left out before it is asked for again. Default 1 h. */
export const DEFAULT_FIELD_REFUSAL_TTL_MS = 3_600_000;

/**
 * Refusals kept beyond this process (Redis with `REDIS_URL`), so that a refused field costs one
 * refused call per route for the whole fleet, not per replica. Both methods must not throw.
 */
export interface SharedFieldRefusals {
  /** The fields of `route` some replica saw refused, with the time each is still left out, ms. */
  load(route: RouteTemplate): Promise<{ field: string; remainingMs: number }[]>;
  /** Tells the others: `field` of `route` was refused; leave it out for `ttlMs`. */
  record(route: RouteTemplate, field: string, ttlMs: number): void;
}

/**
 * Which optional fields (our guesses, see `src/shared/read-fields.ts`) upstream refused, per route,
 * for one app. A refused field is left out of that route's reads for `ttlMs`, so it costs one
 * refused call per route, not one per request. While a route's guesses are not yet known to be
 * accepted, one call at a time finds out (`probe`); the others wait for it rather than all being
 * refused at once. With a shared store, the first probe of a route in this process first learns
 * what other replicas saw refused, and each refusal seen here is recorded there.
 */
export class FieldRefusals {
  readonly #refused: LRUCache<string, true>;
  /** Routes whose every remaining guess was accepted by a successful call. */
  readonly #accepted: LRUCache<RouteTemplate, true>;
  readonly #probes = new Map<RouteTemplate, Promise<void>>();
  /** Refusals a probe recorded, by the error that said so (for `refusedBy`). */
  readonly #recorded = new WeakMap<HorizonApiError, string>();
  /** The `fields` parameter per route and set of refused guesses, built once. */
  readonly #built = new Map<string, string>();

  readonly #ttlMs: number;
  readonly #shared?: SharedFieldRefusals;
  /** Routes whose shared refusals this process has loaded. */
  readonly #loaded = new Set<RouteTemplate>();

  constructor(ttlMs = DEFAULT_FIELD_REFUSAL_TTL_MS, shared?: SharedFieldRefusals) {
    this.#ttlMs = ttlMs;
    this.#shared = shared;
    this.#refused = new LRUCache({ max: 1000, ttl: ttlMs });
    this.#accepted = new LRUCache({ max: 1000, ttl: ttlMs });
  }

  /** The selection to ask for: the core fields and the guesses not refused. */
  selection(route: RouteTemplate, read: ReadFields): FieldSelection {
    const guesses = Object.entries(read.optional).flatMap(([name, field]) =>
      this.#refused.has(key(route, name)) ? [] : [field],
    );
    return [...read.core, ...guesses];
  }

  /** The `fields` parameter for `route`: the selection, as text, cached per set of refused guesses. */
  param(route: RouteTemplate, read: ReadFields): string {
    const refused = Object.keys(read.optional).filter((name) => this.#refused.has(key(route, name)));
    const id = `${route}\u0000${refused.join(',')}`;
    let text = this.#built.get(id);
    if (text === undefined) {
      text = buildFields(this.selection(route, read));
      this.#built.set(id, text);
    }
    return text;
  }

  /** Guesses of `read` still asked for on `route` that no call has shown to be accepted yet. */
  unsettled(route: RouteTemplate, read: ReadFields): number {
    if (this.#accepted.has(route)) return 0;
    return Object.keys(read.optional).filter((name) => !this.#refused.has(key(route, name))).length;
  }

  /**
   * Runs `call` as the probe of `route` when its guesses are unsettled: concurrent callers wait
   * for the probe in flight, then run with what it found. A settled route (the usual case) runs
   * `call` straight away, without a promise of its own.
   */
  probe<T>(route: RouteTemplate, read: ReadFields, call: () => Promise<T>): Promise<T> {
    if (!this.#probes.has(route) && this.#accepted.has(route)) return call();
    return this.#probe(route, read, call);
  }

  async #probe<T>(route: RouteTemplate, read: ReadFields, call: () => Promise<T>): Promise<T> {
    for (;;) {
      const running = this.#probes.get(route);
      if (!running) break;
      await running;
    }
    if (this.unsettled(route, read) === 0) return call();
    let finish!: () => void;
    this.#probes.set(route, new Promise((resolve) => (finish = resolve)));
    try {
      await this.#loadShared(route);
      const result = await call();
      this.#accepted.set(route, true);
      return result;
    } catch (error) {
      // Recorded before the waiting calls go on: otherwise the next of them, still seeing the
      // guess unsettled, would ask for it again and be refused in turn.
      const field = error instanceof HorizonApiError ? this.#newlyRefused(error, route, read) : undefined;
      if (field !== undefined) {
        this.refuse(route, field);
        this.#recorded.set(error as HorizonApiError, field);
      }
      throw error;
    } finally {
      this.#probes.delete(route);
      finish();
    }
  }

  /**
   * The optional field of `read` that `error` says upstream does not have (HTTP 400, code 100,
   * "Tried accessing nonexisting field (x)"), if it is one still asked for on `route`, or the one
   * a probe already left out because of this very error.
   */
  refusedBy(error: HorizonApiError, route: RouteTemplate, read: ReadFields): string | undefined {
    return this.#recorded.get(error) ?? this.#newlyRefused(error, route, read);
  }

  #newlyRefused(error: HorizonApiError, route: RouteTemplate, read: ReadFields): string | undefined {
    if (!error.isInvalidParameter) return undefined;
    const name = /nonexisting field \(([^)]+)\)/i.exec(error.message)?.[1];
    if (name === undefined || !Object.hasOwn(read.optional, name)) return undefined;
    return this.#refused.has(key(route, name)) ? undefined : name;
  }

  /** Leaves `field` out of `route`'s reads for the TTL, here and (with a shared store) on every replica. */
  refuse(route: RouteTemplate, field: string): void {
    if (this.#refused.has(key(route, field))) return;
    this.#refused.set(key(route, field), true);
    this.#shared?.record(route, field, this.#ttlMs);
  }

  /** Once per route: the refusals other replicas recorded, each for the time it has left. */
  async #loadShared(route: RouteTemplate): Promise<void> {
    if (!this.#shared || this.#loaded.has(route)) return;
    this.#loaded.add(route);
    for (const { field, remainingMs } of await this.#shared.load(route)) {
      if (remainingMs > 0)
        this.#refused.set(key(route, field), true, { ttl: Math.min(remainingMs, this.#ttlMs) });
    }
  }
}

function key(route: RouteTemplate, field: string): string {
  return `${route}\u0000${field}`;
}
