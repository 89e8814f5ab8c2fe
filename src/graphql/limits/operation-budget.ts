import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';
import type { CallBudget } from '../../horizon/index.ts';
import type { RouteTemplate } from '../../shared/routes.ts';
import { queryTooExpensive } from '../errors.ts';

/**
 * The hard limits of one operation's upstream calls, checked before each call is sent.
 *
 * - Count: the estimate (`upstream-cost.ts`) refuses an operation before it runs; this bounds
 *   what no estimate can know in advance (a player's extra pages, a list longer than assumed):
 *   once `limit` calls were made, further calls fail with QUERY_TOO_EXPENSIVE and are not sent.
 * - Time: `deadlineMs` after the operation's first call, calls still running are aborted and new
 *   ones are not sent; their fields answer UPSTREAM_UNAVAILABLE and what finished is returned.
 */
export class OperationBudget implements CallBudget {
  readonly limit: number;
  readonly #deadlineMs: number | undefined;
  #signal: AbortSignal | undefined;
  #used = 0;

  constructor(limit: number, deadlineMs?: number) {
    this.limit = limit;
    this.#deadlineMs = deadlineMs;
  }

  /**
   * Fires at the operation's deadline (started by its first upstream call). Every attempt in
   * flight listens to it, so it has no listener limit: past 10, Node would otherwise build and
   * print a MaxListenersExceededWarning (an Error with its stack) for every wide operation.
   */
  get signal(): AbortSignal | undefined {
    if (this.#deadlineMs === undefined) return undefined;
    if (!this.#signal) {
      this.#signal = AbortSignal.timeout(this.#deadlineMs);
      setMaxListeners(0, this.#signal);
    }
    return this.#signal;
  }

  take(route: RouteTemplate): void {
    if (this.#used >= this.limit) {
      throw queryTooExpensive(
        `Not fetched: this operation already made ${this.limit} upstream calls, its limit (MAX_UPSTREAM_COST); ${route} was not called. Ask for fewer players or fields per request.`,
        { limit: this.limit },
      );
    }
    if (this.signal?.aborted) {
      throw new GraphQLError(
        `Not fetched: the operation's deadline (REQUEST_DEADLINE_MS, ${this.#deadlineMs} ms) passed before ${route} was called`,
        { extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } },
      );
    }
    this.#used += 1;
  }
}
