/**
 * The int64 values of Meta Horizon's API (`score`, `target`, `count_progress`, `entry_count`,
 * `supplementary_metric`): one definition of their range and of what counts as one, shared by
 * the client, the GraphQL layer and the emulator.
 */

/** The signed 64-bit range that every int64 value of the API lives in. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** A decimal integer; the group holds its significant digits (`0` for zero). Linear on any input. */
const DECIMAL = /^-?0*([1-9]\d*|0)$/;

/** The exact value of a decimal integer string within int64, or undefined. */
export function parseInt64(text: string): bigint | undefined {
  const digits = DECIMAL.exec(text)?.[1];
  // Every int64 has at most 19 significant digits; checking that first spares BigInt a long run.
  if (digits === undefined || digits.length > 19) return undefined;
  const value = BigInt(text);
  return inRange(value) ? value : undefined;
}

/**
 * The exact value of an int64 given as a `bigint`, a safe-integer JS number or a decimal string;
 * undefined for anything else (a number beyond 2^53 may already have lost digits).
 */
export function toInt64(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return inRange(value) ? value : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') return parseInt64(value);
  return undefined;
}

function inRange(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}
