import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  Kind,
  visit,
  type ConstValueNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLContext } from '../context.ts';

/** `[]`: authenticated only; otherwise any one of the scope sets, with all of its scopes. */
export type Rule = readonly (readonly string[])[];

const SECURITY_DIRECTIVES = new Set(['requiresScopes', 'authenticated']);

/** The `@requiresScopes` / `@authenticated` rule of every annotated field, by `Type.field`. */
export function scopeRules(typeDefs: DocumentNode): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION)
      continue;
    for (const field of definition.fields ?? []) {
      const rule = ruleOf(field);
      if (rule) rules.set(`${definition.name.value}.${field.name.value}`, rule);
    }
  }
  return rules;
}

/**
 * The subgraph's own enforcement of the rules (defense in depth: a router may enforce the same
 * annotations). Every annotated field is wrapped so the check runs before its resolver (and
 * before its `subscribe`, for a subscription field), so a refused call never reaches Meta.
 */
export function enforceScopes(schema: GraphQLSchema, rules: Map<string, Rule>): GraphQLSchema {
  for (const [coordinate, rule] of rules) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) throw new Error(`enforceScopes: ${coordinate} is not in the schema`);
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, ctx: GraphQLContext, info) => {
      check(rule, ctx, coordinate);
      return resolve(source, args, ctx, info);
    };
    // A subscription field is checked when subscribing too, so a refused caller never gets a stream.
    const subscribe = field.subscribe;
    if (subscribe) {
      field.subscribe = (source, args, ctx: GraphQLContext, info) => {
        check(rule, ctx, coordinate);
        return subscribe(source, args, ctx, info);
      };
    }
  }
  return schema;
}

/**
 * The same SDL without `@requiresScopes` / `@authenticated` (usages and `@link` imports), for
 * gateways that refuse supergraphs with `for: SECURITY` features (`@apollo/gateway`). The
 * subgraph still enforces the rules itself.
 */
export function withoutSecurityDirectives(typeDefs: DocumentNode): DocumentNode {
  return visit(typeDefs, {
    Directive(node) {
      return SECURITY_DIRECTIVES.has(node.name.value) ? null : undefined;
    },
    ListValue(node) {
      const values = node.values.filter(
        (v) => !(v.kind === Kind.STRING && SECURITY_DIRECTIVES.has(v.value.slice(1))),
      );
      return values.length === node.values.length ? undefined : { ...node, values };
    },
  });
}

function ruleOf(field: FieldDefinitionNode): Rule | null {
  let rule: Rule | null = null;
  for (const directive of field.directives ?? []) {
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
