import { toInt64 } from '../shared/int64.ts';

/**
 * int64 values (`score`, `target`, `count_progress`, `entry_count`, `supplementary_metric`) arrive
 * as JSON numbers or as decimal strings. The transport parses JSON losslessly (unsafe integers
 * stay strings), so here both shapes become an exact decimal string.
 */
export type Int64String = string;

/** Decimal string of an int64 value, or undefined when absent or not an integer in range. */
export function toInt64String(value: unknown): Int64String | undefined {
  return toInt64(value)?.toString();
}
