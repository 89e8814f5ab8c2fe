/**
 * How data-source methods declare what they cost upstream, and how a resolver says which of
 * those costs it incurs. The upstream-cost guard (`limits/upstream-cost.ts`) reads nothing else:
 * a cost is declared once, beside the method that pays it.
 */

import type { ReadFields } from '../../shared/read-fields.ts';

/** Lists shared by every request (cached across requests for the cache TTL). */
export type SharedListName = 'definitions' | 'leaderboards' | 'catalog';

/** Sizes the guard knows before an operation runs (warm caches), else assumes. */
export interface KnownSizes {
  /** How many leaderboards the app has. */
  leaderboards: number;
  /**
   * Calls that finding out which optional fields of a read Meta refuses may still cost (0 once
   * known; see `FieldRefusals` in src/horizon).
   */
  unsettledFields?: (read: ReadFields) => number;
}

/** What every upstream cost may say: the read it makes, when it asks for optional fields. */
interface CostBase {
  readonly read?: ReadFields;
}

/** One kind of upstream work a data-source method does. */
export type UpstreamCost = CostBase &
  /**
   * One call per distinct player. Every field of one selection that reads the same `resource`
   * shares that call (one request-scoped loader per resource).
   */
  (
    | { readonly per: 'player'; readonly resource: string }
    /**
     * One call per `batchSize` players per group (a leaderboard), plus at most `narrowing` calls
     * per batch to find the ids that made upstream refuse it.
     */
    | {
        readonly per: 'batch';
        readonly resource: string;
        readonly batchSize: number;
        readonly narrowing: number;
        /** How many groups one field reads, from its arguments. Default 1. */
        readonly groups?: (args: Record<string, unknown>, sizes: KnownSizes) => number;
        /** Which group it reads; two fields of one selection on the same group share calls. */
        readonly groupKey?: (args: Record<string, unknown>) => string;
      }
    /**
     * At most one call per operation: a list shared across requests, read at most once and
     * refreshed at most once per operation (single-flight).
     */
    | { readonly per: 'operation'; readonly list: SharedListName }
    /** `calls` upstream calls for each parent object (a page read, a write). */
    | { readonly per: 'parent'; readonly calls: (args: Record<string, unknown>) => number }
    /** One of several costs, chosen by the arguments (the field calls one method or another). */
    | { readonly per: 'choice'; readonly pick: (args: Record<string, unknown>) => UpstreamCost }
  );

/** What a resolved field costs, attached to its resolver with `costs()`. */
export interface FieldCost {
  /** The upstream work done for each parent object. */
  readonly upstream: readonly UpstreamCost[];
  /**
   * For list fields: how many objects each parent's result stands for (its children's parents),
   * from the coerced arguments. Default: as many as the parents.
   */
  readonly fanOut?: (args: Record<string, unknown>, sizes: KnownSizes) => number;
  /** Fields of the result that the parent already carries and that therefore cost nothing. */
  readonly provides?: readonly string[];
}

/** Where a resolver's declared cost is kept. */
export const FIELD_COST: unique symbol = Symbol('fieldCost');

/**
 * Declares what `resolve` costs upstream: the data-source costs it incurs (for example
 * `[AchievementsSource.progressCost]`), or a `FieldCost` for list fields. Returns `resolve`
 * itself (typed as given, so the resolver keeps its contextual types), with the cost attached:
 * nothing is added on the hot path.
 */
export function costs<F extends object>(cost: FieldCost | readonly UpstreamCost[], resolve: F): F {
  const declared: FieldCost = isCostList(cost) ? { upstream: cost } : cost;
  return Object.assign(resolve, { [FIELD_COST]: declared });
}

/** The cost declared on a resolver, if any. */
export function declaredCost(resolver: unknown): FieldCost | undefined {
  if (typeof resolver !== 'function') return undefined;
  return (resolver as { [FIELD_COST]?: FieldCost })[FIELD_COST];
}

function isCostList(cost: FieldCost | readonly UpstreamCost[]): cost is readonly UpstreamCost[] {
  return Array.isArray(cost);
}

/** One call per distinct player for `resource`. */
export function perPlayer(resource: string, read?: ReadFields): UpstreamCost {
  return { per: 'player', resource, read };
}

/** At most one read of a shared list per operation. */
export function sharedList(list: SharedListName, read?: ReadFields): UpstreamCost {
  return { per: 'operation', list, read };
}

/** `n` calls per parent object (a function of the arguments, e.g. none on a dry run). */
export function perParent(
  n: number | ((args: Record<string, unknown>) => number),
  read?: ReadFields,
): UpstreamCost {
  return { per: 'parent', calls: typeof n === 'number' ? () => n : n, read };
}

/** The cost of whichever method the arguments make the field call. */
export function choice(pick: (args: Record<string, unknown>) => UpstreamCost): UpstreamCost {
  return { per: 'choice', pick };
}

/** A write that is skipped when `dryRun: true` is passed. */
export const writeUnlessDryRun: UpstreamCost = perParent((args) => (args.dryRun === true ? 0 : 1));
