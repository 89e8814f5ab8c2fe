/**
 * int64 values (`score`, `target`, `count_progress`, `entry_count`, `supplementary_metric`) arrive
 * as JSON numbers or as decimal strings. The transport parses JSON losslessly (unsafe integers
 * stay strings), so here both shapes become an exact decimal string.
 */
export type Int64String = string;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Decimal string of an int64 value, or undefined when absent or not an integer in range. */
export function toInt64String(value: unknown): Int64String | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? String(value) : undefined;
  }
  if (typeof value === 'bigint') return inRange(value) ? value.toString() : undefined;
  if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    return inRange(n) ? n.toString() : undefined;
  }
  return undefined;
}

function inRange(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}
