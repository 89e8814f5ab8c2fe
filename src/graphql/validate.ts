import { parseInt64 } from '../shared/int64.ts';
import { badUserInput } from './errors.ts';

// Argument validation, done before any upstream call. Messages say what is wrong and what is
// expected; the error code is BAD_USER_INPUT.

const ID = /^\d{1,20}$/;
const API_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const SKU = /^[A-Za-z0-9_.:-]{1,200}$/;

/** A Horizon id: a decimal string of 1 to 20 digits. */
export function checkId(value: string, argument: string): string {
  if (!ID.test(value)) throw badUserInput(`${argument} must be a decimal id of 1 to 20 digits`, argument);
  return value;
}

/** An achievement or leaderboard `api_name`: letters, digits, `_`, `.`, `-`, at most 100. */
export function checkApiName(value: string, argument: string): string {
  if (!API_NAME.test(value)) {
    throw badUserInput(`${argument} must be 1 to 100 letters, digits, '_', '.' or '-'`, argument);
  }
  return value;
}

/** A product sku: letters, digits, `_ . : -`, at most 200 (subscription skus contain `:`). */
export function checkSku(value: string, argument: string): string {
  if (!SKU.test(value))
    throw badUserInput(`${argument} must be 1 to 200 letters, digits, '_', '.', ':' or '-'`, argument);
  return value;
}

/** A count to add: a positive int64. */
export function checkPositiveInt64(value: string, argument: string): string {
  const count = parseInt64(value);
  if (count === undefined || count <= 0n)
    throw badUserInput(`${argument} must be a positive integer`, argument);
  return value;
}

/** A bitfield: only `0` and `1`, at most `length` characters, at least one `1`. */
export function checkBits(value: string, length: number | undefined, argument: string): string {
  if (!/^[01]+$/.test(value)) throw badUserInput(`${argument} must contain only '0' and '1'`, argument);
  if (!value.includes('1')) throw badUserInput(`${argument} must set at least one bit ('1')`, argument);
  if (length !== undefined && value.length > length) {
    throw badUserInput(`${argument} has ${value.length} bits but the achievement has ${length}`, argument);
  }
  return value;
}

/** `extra_data_base64`: valid base64 of at most 2,048 decoded bytes. */
export function checkBase64(value: string, argument: string): string {
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;
  if (!ok) throw badUserInput(`${argument} must be standard base64`, argument);
  if (Buffer.from(value, 'base64').length > 2048)
    throw badUserInput(`${argument} decodes to more than 2048 bytes`, argument);
  return value;
}

/** An integer within `[min, max]`. */
export function checkRange(value: number, min: number, max: number, argument: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`${argument} must be an integer from ${min} to ${max}`, argument);
  }
  return value;
}

/** A free-text reason: 1 to 500 characters. */
export function checkText(value: string, argument: string): string {
  if (value.trim().length === 0 || value.length > 500)
    throw badUserInput(`${argument} must be 1 to 500 characters`, argument);
  return value;
}

/** A list argument of at most `max` items (see `LIST_LIMITS`). */
export function checkListLength<T>(values: readonly T[], max: number, argument: string): readonly T[] {
  if (values.length > max)
    throw badUserInput(`${argument} may hold at most ${max} items, got ${values.length}`, argument);
  return values;
}
