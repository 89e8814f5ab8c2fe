import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  Kind,
  type ConstValueNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLContext } from '../context.ts';

/**
 * The subgraph's own enforcement of `@requiresScopes` and `@authenticated` (defense in depth: a
 * router may enforce the same annotations). Every field carrying one is wrapped so the check runs
 * before its resolver, so a refused call never reaches Meta.
 */
export function enforceScopes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = ruleOf(field);
      if (!rule) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx: GraphQLContext, info) => {
        check(rule, ctx, `${type.name}.${field.name}`);
        return resolve(source, args, ctx, info);
      };
    }
  }
  return schema;
}

/** `null`: no rule; `[]`: authenticated only; otherwise any one of the scope sets, all of its scopes. */
type Rule = readonly (readonly string[])[];

function ruleOf(field: GraphQLField<unknown, unknown>): Rule | null {
  let rule: Rule | null = null;
  for (const directive of field.astNode?.directives ?? []) {
    if (directive.name.value === 'authenticated') rule ??= [];
    if (directive.name.value === 'requiresScopes') {
      const scopes = directive.arguments?.find((a) => a.name.value === 'scopes')?.value;
      rule = listOf(scopes).map((set) => listOf(set).map((s) => (s.kind === Kind.STRING ? s.value : '')));
    }
  }
  return rule;
}

function listOf(node: ConstValueNode | undefined): readonly ConstValueNode[] {
  return node?.kind === Kind.LIST ? node.values : [];
}

function check(rule: Rule, ctx: GraphQLContext, coordinate: string): void {
  const caller = ctx.caller;
  if (caller.kind === 'unchecked') return;
  if (caller.kind === 'anonymous') {
    throw new GraphQLError(`${coordinate} needs a bearer token in the authorization header`, {
      extensions: { code: 'UNAUTHENTICATED', retryable: false },
    });
  }
  if (caller.kind === 'invalid') {
    throw new GraphQLError(`${coordinate}: the bearer token was refused: ${caller.reason}`, {
      extensions: { code: 'UNAUTHENTICATED', retryable: false },
    });
  }
  if (rule.length === 0 || rule.some((set) => set.every((scope) => caller.scopes.has(scope)))) return;
  const needed = rule.map((set) => set.join(' + ')).join(' or ');
  throw new GraphQLError(`${coordinate} needs scope ${needed}`, {
    extensions: { code: 'FORBIDDEN', retryable: false, requiredScopes: rule },
  });
}
