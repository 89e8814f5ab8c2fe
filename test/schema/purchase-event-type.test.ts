import { readFileSync } from 'node:fs';
import { buildASTSchema, isEnumType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PURCHASE_EVENT_TYPES } from '../../src/events/purchase-event-log.ts';

// The event types the webhook intake records are exactly those the schema can answer: a type the
// intake knows but the enum does not would fail every query that reaches such an event.

const schema = buildASTSchema(parse(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')), {
  assumeValidSDL: true,
});

describe('PurchaseEventType', () => {
  it('has exactly the values of PURCHASE_EVENT_TYPES, in the same order', () => {
    const type = schema.getType('PurchaseEventType');
    if (!isEnumType(type)) throw new Error('PurchaseEventType is not an enum');
    expect(type.getValues().map((value) => value.name)).toEqual([...PURCHASE_EVENT_TYPES]);
  });
});
