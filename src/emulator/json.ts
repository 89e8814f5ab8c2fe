/**
 * JSON with exact 64-bit integers, read and written with lossless-json.
 *
 * Scores, counts and targets are int64 upstream. `JSON.parse` and `JSON.stringify` route every number
 * through a double, which silently corrupts values above 2^53, and Node 20 has neither
 * `JSON.rawJSON` nor reviver source text. So the emulator carries int64 values as `bigint` and uses
 * these two functions at its edges (fixture files, JSON request bodies, every response).
 */
import { isInteger, parse, stringify, type DuplicateKeyInfo } from 'lossless-json';

/** How `bigint` values are written: as JSON strings (`"12"`) or as bare digits (`12`). */
export interface JsonWriteOptions {
  int64AsString: boolean;
}

/**
 * Serializes `value` like `JSON.stringify`, except that `bigint` values are written exactly, as a
 * string or as raw digits. Keys whose value is `undefined` are omitted (the API omits unset keys).
 */
export function stringifyJson(value: unknown, options: JsonWriteOptions): string {
  return stringify(value, options.int64AsString ? bigintAsString : undefined) ?? 'null';
}

/**
 * Parses JSON text like `JSON.parse` (the last of duplicate keys wins), except that integers
 * outside the safe range come back as `bigint` so that no digit is lost. Throws a `SyntaxError`
 * naming the offset of the first problem.
 */
export function parseJson(text: string): unknown {
  try {
    return parse(text, null, { parseNumber, onDuplicateKey: lastValue });
  } catch (error) {
    throw error instanceof SyntaxError ? withOffset(error) : error;
  }
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function parseNumber(text: string): number | bigint {
  const value = Number(text);
  return isInteger(text) && !Number.isSafeInteger(value) ? BigInt(text) : value;
}

function lastValue({ newValue }: DuplicateKeyInfo): unknown {
  return newValue;
}

/** lossless-json ends its messages with "at position N"; ours lead with the offset. */
function withOffset(error: SyntaxError): SyntaxError {
  const match = /^(.*) at position (\d+)$/.exec(error.message);
  if (!match) return error;
  return new SyntaxError(`Invalid JSON at offset ${match[2]}: ${match[1]}`, { cause: error });
}
