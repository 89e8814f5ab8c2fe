import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { toInt64String } from '../horizon/int64.ts';

// Hand-written rather than graphql-scalars: the API mixes Unix *seconds* with ISO strings whose
// offset is `+0000`, and int64 must never pass through a JS number; the library's DateTime treats
// numbers as milliseconds and its BigInt serializes to a number.

/** Exact 64-bit integer, serialized as a decimal string; input is a decimal string or a safe integer. */
export const Int64 = new GraphQLScalarType({
  name: 'Int64',
  description: 'A 64-bit signed integer, exact, serialized as a decimal string.',
  serialize(value) {
    const out = toInt64String(value);
    if (out === undefined) throw new GraphQLError(`Int64 cannot represent ${String(value)}`);
    return out;
  },
  parseValue(value) {
    return parseInt64(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parseInt64(ast.value);
    throw badInput('Int64 must be a decimal string or an integer');
  },
});

/** ISO-8601 date-time in UTC. Output accepts Unix seconds or ISO strings; input yields a `Date`. */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC, e.g. 2026-11-24T20:12:19.000Z.',
  serialize(value) {
    const date = toDate(value);
    if (!date) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDateInput(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseDateInput(ast.value);
    throw badInput('DateTime must be an ISO-8601 string');
  },
});

/** Unix seconds (number) or an ISO string → Date; undefined when it is neither. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

function parseInt64(value: unknown): string {
  const isInput = typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
  const out = isInput ? toInt64String(value) : undefined;
  if (out === undefined) {
    throw badInput(
      `Int64 must be a decimal string or a safe integer within the 64-bit range, got ${JSON.stringify(value)}`,
    );
  }
  return out;
}

function parseDateInput(value: unknown): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? toDate(value) : undefined;
  if (!date) throw badInput(`DateTime must be an ISO-8601 string, got ${JSON.stringify(value)}`);
  return date;
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
