import {
  GraphQLError,
  isUnionType,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/**
 * Requests that are the caller's mistake, answered as such (4xx with a code, logged at `info`
 * by the operation line) instead of falling into Apollo's `INTERNAL_SERVER_ERROR`:
 * subscriptions sent over HTTP, `_entities` representations naming no entity type, and
 * persisted-query extensions Apollo refuses without a code.
 */

/** The code of a subscription sent over HTTP POST/GET (subscriptions use graphql-ws on WebSocket). */
export const OPERATION_NOT_SUPPORTED = 'OPERATION_NOT_SUPPORTED';

/**
 * A validation rule refusing `subscription` operations over HTTP: they are served with the
 * graphql-ws protocol on a WebSocket to the same path (`graphql-ws-server.ts`). Apollo wraps the error as `GRAPHQL_VALIDATION_FAILED` with HTTP 400;
 * `clientMistakeCode` restores `OPERATION_NOT_SUPPORTED`.
 */
export const noSubscriptionsOverHttp: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'subscription') return;
    context.reportError(
      new GraphQLError(
        'Subscriptions are not served over HTTP POST/GET: use the graphql-ws protocol on WebSocket',
        { nodes: [node], extensions: { code: OPERATION_NOT_SUPPORTED } },
      ),
    );
  },
});

/**
 * Makes the schema's `_entities` resolver refuse representations that are not an object whose
 * `__typename` names a member of `_Entity` (`Mutation`, a scalar, no `__typename`): 400
 * `BAD_REQUEST` for the whole field, since a gateway never sends those. Without this,
 * `@apollo/subgraph` fails on them with an internal error. Mutates and returns `schema`.
 */
export function guardEntityRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const entity = schema.getType('_Entity');
  if (!field?.resolve || !isUnionType(entity)) return schema;
  const entityTypes = new Set(entity.getTypes().map((type) => type.name));
  const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve;
  field.resolve = (source, args, context, info) => {
    const representations: unknown = (args as { representations?: unknown }).representations;
    const list = Array.isArray(representations) ? representations : [representations];
    list.forEach((representation, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof representation === 'object' && typeof typename === 'string' && entityTypes.has(typename)) {
        return;
      }
      throw new GraphQLError(
        `representations[${index}] must be an object whose __typename is an entity type of this subgraph (${[...entityTypes].join(', ')})`,
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    });
    return resolve(source, args, context, info);
  };
  return schema;
}

/** Apollo's own message for a persisted query whose `version` is not 1. */
const UNSUPPORTED_PQ_VERSION = 'Unsupported persisted query version';

/**
 * The code a caller's mistake deserves when Apollo gave it none, or the wrong one; undefined for
 * everything else. Apollo refuses a persisted-query hash that does not match the query, and a
 * `version` other than 1, with HTTP 400 and no code (which became `INTERNAL_SERVER_ERROR`).
 */
export function clientMistakeCode(formatted: GraphQLFormattedError, error: unknown): string | undefined {
  // Shapes, not `instanceof`: Apollo and this module may hold different copies of graphql-js.
  const { originalError, path, message, extensions } = (error ?? {}) as {
    originalError?: { extensions?: Record<string, unknown> };
    path?: unknown;
    message?: unknown;
    extensions?: Record<string, unknown>;
  };
  if (originalError?.extensions?.code === OPERATION_NOT_SUPPORTED) return OPERATION_NOT_SUPPORTED;
  if (formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR' || path || originalError) return undefined;
  const status = (extensions?.http as { status?: unknown } | undefined)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return message === UNSUPPORTED_PQ_VERSION ? 'PERSISTED_QUERY_NOT_SUPPORTED' : 'BAD_REQUEST';
}
