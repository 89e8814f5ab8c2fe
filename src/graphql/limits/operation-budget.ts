import type { CallBudget } from '../../horizon/index.ts';
import type { RouteTemplate } from '../../shared/routes.ts';
import { queryTooExpensive } from '../errors.ts';

/**
 * The hard limit on one operation's upstream calls, checked before each call is sent. The
 * estimate (`upstream-cost.ts`) refuses an operation before it runs; this bounds what no
 * estimate can know in advance (a player's extra pages, a list longer than assumed): once
 * `limit` calls were made, further calls fail with QUERY_TOO_EXPENSIVE and are not sent, and the
 * fields that needed them are null.
 */
export class OperationBudget implements CallBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Calls made so far. */
  get used(): number {
    return this.#used;
  }

  take(route: RouteTemplate): void {
    if (this.#used >= this.limit) {
      throw queryTooExpensive(
        `Not fetched: this operation already made ${this.limit} upstream calls, its limit (MAX_UPSTREAM_COST); ${route} was not called. Ask for fewer players or fields per request.`,
        { limit: this.limit },
      );
    }
    this.#used += 1;
  }
}
