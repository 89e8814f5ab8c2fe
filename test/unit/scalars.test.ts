import { describe, expect, it } from 'vitest';
import { DateTime, Int64 } from '../../src/graphql/scalars.ts';

describe('Int64', () => {
  it('serializes numbers and strings to exact decimal strings', () => {
    expect(Int64.serialize(42)).toBe('42');
    expect(Int64.serialize('9007199254740993')).toBe('9007199254740993');
  });

  it('accepts decimal strings and safe integers as input and refuses the rest', () => {
    expect(Int64.parseValue('9223372036854775807')).toBe('9223372036854775807');
    expect(Int64.parseValue(7)).toBe('7');
    expect(() => Int64.parseValue(2 ** 60)).toThrow(/safe integer/);
    expect(() => Int64.parseValue('9223372036854775808')).toThrow();
    expect(() => Int64.parseValue('12.5')).toThrow();
  });
});

describe('DateTime', () => {
  it('serializes Unix seconds and +0000 strings as ISO-8601 UTC', () => {
    expect(DateTime.serialize(1459815726)).toBe('2016-04-05T00:22:06.000Z');
    expect(DateTime.serialize('2021-03-09T13:04:20+0000')).toBe('2021-03-09T13:04:20.000Z');
  });

  it('parses ISO-8601 input and refuses other strings', () => {
    expect((DateTime.parseValue('2026-11-02T00:00:00Z') as Date).getTime()).toBe(Date.UTC(2026, 10, 2));
    expect(() => DateTime.parseValue('yesterday')).toThrow(/ISO-8601/);
    expect(() => DateTime.parseValue(1234)).toThrow();
  });
});
