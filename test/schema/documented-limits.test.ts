import { readFileSync } from 'node:fs';
import { buildASTSchema, isObjectType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/graphql/limits/query-limits.ts';
import { DEFAULT_PAGE_SIZE, LIST_LIMITS } from '../../src/graphql/limits/list-limits.ts';

// The limits the schema's descriptions state are the ones the code enforces (declared once in
// src/graphql/limits): change one and this test names the description to update.

const sdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });

function argument(type: string, field: string, name: string): string {
  const t = schema.getType(type);
  if (!isObjectType(t)) throw new Error(`${type} is not an object type`);
  const arg = t.getFields()[field]?.args.find((a) => a.name === name);
  if (!arg) throw new Error(`${type}.${field}(${name}:) not found`);
  return arg.description ?? '';
}

describe('documented limits', () => {
  it('states the list maxima on every list argument', () => {
    expect(argument('Query', 'users', 'ids')).toContain(`at most ${LIST_LIMITS.userIds} per request`);
    expect(argument('Query', 'achievementDefinitions', 'apiNames')).toContain(
      `at most ${LIST_LIMITS.apiNames}`,
    );
    expect(argument('User', 'achievements', 'apiNames')).toContain(`at most ${LIST_LIMITS.apiNames}`);
    expect(argument('Leaderboard', 'entries', 'userIds')).toContain(`1 to ${LIST_LIMITS.entryUserIds}`);
    expect(argument('Leaderboard', 'entries', 'first')).toContain(
      `from 1 to ${LIST_LIMITS.pageSize}. Omitted or null: ${DEFAULT_PAGE_SIZE}.`,
    );
    for (const type of ['Query', 'User'])
      expect(argument(type, 'purchaseEvents', 'first')).toContain(
        `from 1 to ${LIST_LIMITS.eventPageSize}. Omitted or null: ${DEFAULT_PAGE_SIZE}.`,
      );
  });

  it('states the default upstream-call limit', () => {
    expect(schema.getQueryType()?.description).toContain(
      `more than ${DEFAULT_LIMITS.maxUpstreamCost} upstream calls`,
    );
  });
});
