import { isSafeNumber, parse } from 'lossless-json';

/**
 * Parses an upstream JSON body without losing int64 precision: integers beyond 2^53 stay
 * decimal strings (which `toInt64String` accepts), every other number becomes a JS number.
 */
export function parseUpstreamJson(text: string): unknown {
  return parse(text, null, (value) => (isSafeNumber(value) ? Number(value) : value));
}
