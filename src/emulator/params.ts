/**
 * Typed access to a request's parameters (query string merged with the body), raising the Graph
 * code-100 errors the API answers with for a missing or malformed value.
 */
import { parseInt64 } from '../shared/int64.ts';
import { invalidParam, missingParam } from './graph-errors.ts';
import { parseJson } from './json.ts';

/** A request's parameters by name; the body wins over the query string for the same name. */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** The raw value; an empty value counts as absent (`api_name=` is a missing api_name). */
  get(name: string): string | undefined {
    const value = this.values.get(name);
    return value === '' ? undefined : value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  required(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw missingParam(name);
    return value;
  }

  /** Booleans travel as `true`/`false` (reference §1.5); `1`/`0` are tolerated. */
  bool(name: string, fallback: boolean): boolean {
    const value = this.get(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw invalidParam(`Param ${name} must be a boolean (true or false)`);
  }

  /** A whole number within `[min, max]` (JS-safe range; for counts, days, offsets and times). */
  int(name: string, min: number, max: number): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw invalidParam(`Param ${name} must be an integer between ${min} and ${max}`);
    }
    return parsed;
  }

  requiredInt(name: string, min: number, max: number): number {
    this.required(name);
    return this.int(name, min, max) as number;
  }

  /** A signed 64-bit integer, exact (scores, counts, targets). */
  int64(name: string): bigint | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const parsed = parseInt64(value);
    if (parsed === undefined) {
      throw invalidParam(`Param ${name} must be a 64-bit integer`);
    }
    return parsed;
  }

  requiredInt64(name: string): bigint {
    this.required(name);
    return this.int64(name) as bigint;
  }

  /** One of `allowed`; `ignoreCase` where the docs show both spellings (`simple` vs `SIMPLE`). */
  oneOf<T extends string>(name: string, allowed: readonly T[], ignoreCase = false): T | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const found = allowed.find((option) => (ignoreCase ? option === value.toUpperCase() : option === value));
    if (found === undefined) throw invalidParam(`Param ${name} must be one of ${allowed.join(', ')}`);
    return found;
  }

  /** A JSON array of strings, as `api_names=["A","B"]` travels. */
  jsonStringArray(name: string): string[] | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = parseJson(value);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
      throw invalidParam(`Param ${name} must be a JSON array of strings, like ["A","B"]`);
    }
    return parsed;
  }

  /**
   * A list of numeric ids given as a JSON array (of strings or numbers) or as `1,2,3`. With
   * `integersOnly` (strict mode), ids written as JSON strings (`["123"]`) are refused: the only doc
   * says "list of integers". Integers are read exactly, also beyond 2^53.
   */
  idList(name: string, { integersOnly = false } = {}): string[] | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    let items: unknown[];
    if (value.trimStart().startsWith('[')) {
      try {
        const parsed = parseJson(value);
        items = Array.isArray(parsed) ? parsed : [];
      } catch {
        items = [undefined];
      }
      const quoted = integersOnly ? items.findIndex((item) => typeof item === 'string') : -1;
      if (quoted >= 0) throw invalidParam(`Param ${name}[${quoted}] must be an integer`);
    } else {
      items = value.split(',').map((item) => item.trim());
    }
    const ids = items.map((item) =>
      typeof item === 'number' || typeof item === 'bigint' ? String(item) : item,
    );
    if (!ids.every((id): id is string => typeof id === 'string' && /^\d+$/.test(id))) {
      throw invalidParam(`Param ${name} must be a list of user ids (JSON array or comma-separated)`);
    }
    return ids;
  }

  /** A comma-separated list of strings, as `skus=A,B` travels. */
  csv(name: string): string[] | undefined {
    return this.get(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
}
