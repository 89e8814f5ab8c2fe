import { isObject, type HorizonTransport } from './client.ts';
import { toInt64String, type Int64String } from './int64.ts';

/** Where `read.enumOf` reports a value it does not know: the transport the endpoint was given. */
export type UnknownValueReporter = Pick<HorizonTransport, 'reportUnknownValue'>;

/** Options of `read.enumOf`. */
export interface EnumReadOptions {
  /** Applied to the raw text before it is matched (e.g. upper-casing); default none. */
  normalise?: (raw: string) => string;
}

/**
 * Tolerant readers for the fields of a raw upstream row: absent or mistyped keys read as
 * `undefined` (the API omits unset keys), numbers may come as strings and vice versa.
 */
export const read = {
  string(row: Record<string, unknown>, key: string): string | undefined {
    const v = row[key];
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  },
  number(row: Record<string, unknown>, key: string): number | undefined {
    const v = row[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return undefined;
  },
  boolean(row: Record<string, unknown>, key: string): boolean | undefined {
    const v = row[key];
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 1) return true;
    if (v === 'false' || v === 0) return false;
    return undefined;
  },
  int64(row: Record<string, unknown>, key: string): Int64String | undefined {
    return toInt64String(row[key]);
  },
  object(row: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
    const v = row[key];
    return isObject(v) ? v : undefined;
  },
  /**
   * An upstream enum, tolerantly: one of `known` (after `options.normalise`) is returned; any other
   * text is reported to `reporter` under `field` (a stable name such as `leaderboard.sort_order`)
   * and read as `undefined`, like an absent key, because Meta adds enum values without notice and
   * an unknown one must not fail the answer. Absent, empty or non-text values are `undefined`
   * without a report.
   */
  enumOf<const T extends string>(
    row: Record<string, unknown>,
    key: string,
    known: readonly T[],
    field: string,
    reporter: UnknownValueReporter,
    options: EnumReadOptions = {},
  ): T | undefined {
    const raw = read.string(row, key);
    if (raw === undefined || raw === '') return undefined;
    const value = options.normalise ? options.normalise(raw) : raw;
    if ((known as readonly string[]).includes(value)) return value as T;
    reporter.reportUnknownValue(field, raw);
    return undefined;
  },
  /** `{"success": true}` bodies; anything else is `false`. */
  success(body: Record<string, unknown>): boolean {
    return body.success === true || body.success === 'true';
  },
};

/** Path segment for an id we were given: encoded, so an id can never add path segments. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
