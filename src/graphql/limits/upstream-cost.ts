import {
  getArgumentValues,
  getNamedType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** How many leaderboards an app is assumed to have when a query walks all of them. */
export const ASSUMED_LEADERBOARDS = 10;
/** Page size of `Leaderboard.entries` when `first` is omitted (as in the resolver). */
const DEFAULT_ENTRIES = 20;
/** User ids per `USER_IDS` call (as in the loader). */
const USER_IDS_PER_CALL = 100;

/** Which per-player loader a `User` field uses; fields of one kind share one call per player. */
const USER_FIELD_KIND: Record<string, string> = {
  achievements: 'achievements',
  entitlements: 'purchases',
  subscriptions: 'subscriptions',
  alias: 'profile',
  orgScopedId: 'profile',
};

/** Caches read at most once per request (then shared across requests for their TTL). */
const CACHED_READS: Record<string, string> = {
  'Query.achievementDefinitions': 'definitions',
  'AchievementProgress.definition': 'definitions',
  'Query.leaderboard': 'leaderboards',
  'Query.leaderboards': 'leaderboards',
  'User.leaderboardEntries': 'leaderboards',
  'LeaderboardEntry.leaderboard': 'leaderboards',
  'Query.products': 'catalog',
  'Entitlement.product': 'catalog',
};

/**
 * Estimates how many upstream calls an operation can cause, before it runs: per-player fields
 * cost one call per player (players counted from `users(ids)`, `_entities` representations and
 * leaderboard pages), batched fields one call per leaderboard per 100 players, cached reads at
 * most one each, mutations one each. It errs on the high side: the point is to refuse a query
 * that would fan out to hundreds of calls before it costs any.
 */
export function estimateUpstreamCalls(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const onceKeys = new Set<string>();
  let total = 0;

  const walk = (set: SelectionSetNode, typeName: string, players: number, perType?: Map<string, number>) => {
    const type = schema.getType(typeName);
    const kinds = new Set<string>();
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const target = selection.typeCondition?.name.value ?? typeName;
        walk(selection.selectionSet, target, perType?.get(target) ?? players);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (fragment) {
          const target = fragment.typeCondition.name.value;
          walk(fragment.selectionSet, target, perType?.get(target) ?? players);
        }
        continue;
      }
      if (!isObjectType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const args = safeArgs(() => getArgumentValues(field, selection, variables));
      const coordinate = `${typeName}.${field.name}`;
      const cached = CACHED_READS[coordinate];
      if (cached && !onceKeys.has(cached)) {
        onceKeys.add(cached);
        total += 1;
      }
      let childPlayers = players;
      let childPerType: Map<string, number> | undefined;
      if (typeName === 'Mutation')
        total += 2; // the write, plus a possible read of its payload
      else if (coordinate === 'Query.users') childPlayers = listLength(args.ids);
      else if (coordinate === 'Query._entities') childPerType = countByTypename(args.representations);
      else if (coordinate === 'Query.leaderboards') childPlayers = ASSUMED_LEADERBOARDS;
      else if (coordinate === 'Leaderboard.entries') {
        total += players * (args.around != null ? 2 : 1);
        childPlayers = players * (typeof args.first === 'number' ? args.first : DEFAULT_ENTRIES);
      } else if (typeName === 'User') {
        if (field.name === 'hasEntitlement') kinds.add(args.sku == null ? 'ownership' : 'purchases');
        else if (USER_FIELD_KIND[field.name]) kinds.add(USER_FIELD_KIND[field.name]!);
        else if (field.name === 'leaderboardEntry') {
          const key = `entry:${String(args.leaderboard)}`;
          if (!onceKeys.has(key)) {
            onceKeys.add(key);
            total += Math.ceil(players / USER_IDS_PER_CALL);
          }
        } else if (field.name === 'leaderboardEntries') {
          total += Math.ceil(players / USER_IDS_PER_CALL) * ASSUMED_LEADERBOARDS;
          childPlayers = players * ASSUMED_LEADERBOARDS;
        }
      }
      if (selection.selectionSet) {
        walk(selection.selectionSet, getNamedType(field.type).name, childPlayers, childPerType);
      }
    }
    total += kinds.size * players;
  };

  const root = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  walk(operation.selectionSet, root, 1);
  return total;
}

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 1;
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
