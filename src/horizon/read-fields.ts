import { isObject } from './client.ts';
import { toInt64String, type Int64String } from './int64.ts';

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
  /** `{"success": true}` bodies; anything else is `false`. */
  success(body: Record<string, unknown>): boolean {
    return body.success === true || body.success === 'true';
  },
};

/** Path segment for an id we were given: encoded, so an id can never add path segments. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
