import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  parse,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';

// schema.graphql is the public contract: it must build as a Federation v2 subgraph, and everything a
// user can see in an explorer must carry a description.

const sdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');

/** Names of the types the SDL itself defines (federation adds its own, which we do not judge). */
function definedTypeNames(): Set<string> {
  const names = new Set<string>();
  for (const definition of parse(sdl).definitions) {
    if ('name' in definition && definition.name && definition.kind.endsWith('TypeDefinition')) {
      names.add(definition.name.value);
    }
  }
  return names;
}

/** Every schema element of our types that lacks a description, as `Type.field(arg)` paths. */
function undescribed(schema: GraphQLSchema, names: Set<string>): string[] {
  const missing: string[] = [];
  const check = (path: string, description: string | null | undefined): void => {
    if (!description?.trim()) missing.push(path);
  };
  const internal = (name: string): boolean => name.startsWith('_');
  for (const type of Object.values(schema.getTypeMap()) as GraphQLNamedType[]) {
    if (!names.has(type.name) || internal(type.name)) continue;
    check(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (internal(field.name)) continue;
        check(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        check(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    // Scalars and unions have nothing below the type's own description.
  }
  return missing;
}

describe('schema.graphql', () => {
  it('builds as a Federation v2 subgraph', () => {
    expect(() => buildSubgraphSchema({ typeDefs: parse(sdl) })).not.toThrow();
  });

  it('links federation v2.9 or lower', () => {
    const match = /@link\(\s*url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.(\d+)"/.exec(sdl);
    expect(match, 'an @link to the federation spec').not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(9);
  });

  it('exposes User, AchievementDefinition, Product and Leaderboard as entities', () => {
    const schema = buildSubgraphSchema({ typeDefs: parse(sdl) });
    const entity = schema.getType('_Entity');
    expect(entity && isUnionType(entity)).toBe(true);
    const members = isUnionType(entity)
      ? entity
          .getTypes()
          .map((t) => t.name)
          .sort()
      : [];
    expect(members).toEqual(['AchievementDefinition', 'Leaderboard', 'Product', 'User']);
  });

  it('describes every type, field, argument, enum value and input field', () => {
    const schema = buildSubgraphSchema({ typeDefs: parse(sdl) });
    const names = definedTypeNames();
    expect(names.size).toBeGreaterThan(20);
    expect(undescribed(schema, names)).toEqual([]);
  });
});
