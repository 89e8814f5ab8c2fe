import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import {
  declaredCost,
  type FieldCost,
  type KnownSizes,
  type SharedListName,
  type UpstreamCost,
} from '../data/cost.ts';
import type { ReadFields } from '../../shared/read-fields.ts';

/** How many leaderboards an app is assumed to have while the leaderboards list is not cached. */
export const ASSUMED_LEADERBOARDS = 10;

/** What the estimate needs besides the operation. */
export interface EstimateInput {
  schema: GraphQLSchema;
  /** The resolver map the schema was built from: each resolver carries its declared cost. */
  resolvers: Resolvers;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The request's variables as sent; they are coerced here, defaults included. */
  variables: Record<string, unknown> | undefined;
  /** Sizes known from warm caches; unknown ones are assumed. */
  sizes?: Partial<KnownSizes>;
}

/**
 * An upper bound of the upstream calls an operation makes, computed before it runs from the
 * costs the resolvers declare (`costs()` in `data/cost.ts`, beside each data-source method):
 * per-player reads once per player and resource in a selection, batched reads once per batch
 * (plus the calls that narrowing a refused batch may take), shared lists once per operation,
 * pages and writes once per parent. Lists multiply what is below them (`fanOut`). Variables are
 * coerced with their defaults, exactly as execution will see them. Mutations run one after the
 * other and may empty caches, so each root mutation field is counted on its own. For a
 * subscription, the estimate is the cost of executing one event (each event runs on its own budget).
 */
export function estimateUpstreamCalls(input: EstimateInput): number {
  const { schema, operation } = input;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variables ?? {});
  // Variables that do not coerce fail the operation before any resolver runs.
  if (coerced.errors) return 0;
  const estimate = new Estimate(input, coerced.coerced);
  const root = ROOTS[operation.operation];
  if (root !== 'Mutation')
    return estimate.selection(operation.selectionSet, root, 1, undefined) + estimate.probes();
  let total = 0;
  for (const field of operation.selectionSet.selections) {
    const one = new Estimate(input, coerced.coerced);
    total +=
      one.selection({ ...operation.selectionSet, selections: [field] }, root, 1, undefined) + one.probes();
  }
  return total;
}

/** The root type of each kind of operation. A subscription's estimate is what each of its events costs. */
const ROOTS = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** One walk of an operation; shared lists are counted once per walk. */
class Estimate {
  readonly #schema: GraphQLSchema;
  readonly #resolvers: Record<string, Record<string, unknown> | undefined>;
  readonly #fragments = new Map<string, FragmentDefinitionNode>();
  readonly #variables: Record<string, unknown>;
  readonly #sizes: KnownSizes;
  readonly #listsRead = new Set<SharedListName>();
  readonly #reads = new Set<ReadFields>();
  readonly #unsettled: (read: ReadFields) => number;

  constructor(input: EstimateInput, variables: Record<string, unknown>) {
    this.#schema = input.schema;
    this.#resolvers = input.resolvers as Record<string, Record<string, unknown> | undefined>;
    this.#variables = variables;
    this.#sizes = { leaderboards: input.sizes?.leaderboards ?? ASSUMED_LEADERBOARDS };
    this.#unsettled = input.sizes?.unsettledFields ?? (() => 0);
    for (const definition of input.document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        this.#fragments.set(definition.name.value, definition);
    }
  }

  /**
   * Calls of one selection set on `parents` objects of `typeName`. `provided` names fields the
   * parent already carries; `entities` counts `_entities` representations by type.
   */
  selection(
    set: SelectionSetNode,
    typeName: string,
    parents: number,
    provided: readonly string[] | undefined,
    entities?: Map<string, number>,
  ): number {
    const shared = new Tally(parents);
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FIELD) {
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT ? selection : this.#fragments.get(selection.name.value);
        if (!fragment) continue;
        const target = fragment.typeCondition?.name.value ?? typeName;
        const count = entities?.get(target) ?? parents;
        // A representation costs what the type's reference resolver declares.
        if (entities) {
          const references = new Tally(count);
          total += this.#cost(declaredCost(this.#resolvers[target]?.__resolveReference), {}, references);
          total += references.total();
        }
        total += this.selection(fragment.selectionSet, target, count, provided);
        continue;
      }
      const type = this.#schema.getType(typeName);
      const field = isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
      if (!field || provided?.includes(field.name)) continue;
      const args = safeArgs(() => getArgumentValues(field, selection, this.#variables));
      const cost = declaredCost(this.#resolvers[typeName]?.[field.name]);
      total += this.#cost(cost, args, shared);
      if (!selection.selectionSet) continue;
      const children = parents * (cost?.fanOut?.(args, this.#sizes) ?? 1);
      const byType =
        typeName === 'Query' && field.name === '_entities'
          ? countByTypename(args.representations)
          : undefined;
      total += this.selection(
        selection.selectionSet,
        getNamedType(field.type).name,
        children,
        cost?.provides,
        byType,
      );
    }
    return total + shared.total();
  }

  /**
   * Until upstream has shown which optional fields of a read it serves, each may cost one refused
   * call, once per process: the reads this walk touched that are still unsettled.
   */
  probes(): number {
    let calls = 0;
    for (const read of this.#reads) calls += this.#unsettled(read);
    return calls;
  }

  /** Adds a field's declared costs: per-player and batched ones to `tally`, the rest now. */
  #cost(cost: FieldCost | undefined, args: Record<string, unknown>, tally: Tally): number {
    let now = 0;
    for (const declared of cost?.upstream ?? []) {
      const upstream = declared.per === 'choice' ? declared.pick(args) : declared;
      if (upstream.read) this.#reads.add(upstream.read);
      if (upstream.per === 'operation') {
        if (!this.#listsRead.has(upstream.list)) now += 1;
        this.#listsRead.add(upstream.list);
      } else if (upstream.per === 'parent') {
        now += tally.parents * upstream.calls(args);
      } else {
        tally.add(upstream, args, this.#sizes);
      }
    }
    return now;
  }
}

/**
 * The per-player and batched reads of one selection set: fields reading the same resource (or
 * the same batch group) share the loader's calls.
 */
class Tally {
  readonly parents: number;
  readonly #players = new Set<string>();
  readonly #batches = new Map<string, number>();

  constructor(parents: number) {
    this.parents = parents;
  }

  add(cost: UpstreamCost, args: Record<string, unknown>, sizes: KnownSizes): void {
    if (cost.per === 'player') this.#players.add(cost.resource);
    if (cost.per !== 'batch') return;
    const key = `${cost.resource}:${cost.groupKey?.(args) ?? ''}`;
    const groups = cost.groups?.(args, sizes) ?? 1;
    const calls = groups * Math.ceil(this.parents / cost.batchSize) * (1 + cost.narrowing);
    this.#batches.set(key, Math.max(calls, this.#batches.get(key) ?? 0));
  }

  total(): number {
    let batched = 0;
    for (const calls of this.#batches.values()) batched += calls;
    return this.#players.size * this.parents + batched;
  }
}

function countByTypename(representations: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const rep of Array.isArray(representations) ? representations : []) {
    const name = (rep as { __typename?: unknown } | null)?.__typename;
    if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Argument coercion can fail on bad input; validation reports that, the estimate ignores it. */
function safeArgs(read: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return read();
  } catch {
    return {};
  }
}
