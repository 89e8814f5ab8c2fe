/**
 * Graph cursor paging (reference §1.6): `{data, paging:{cursors:{before,after}, previous, next}}`.
 * Cursors are opaque base64 positions in the list being paged. `next`/`previous` are absolute URLs
 * on the host the client called, carrying every query parameter of the request and — like the
 * real API — the `access_token`, even when the token came in a header.
 */
import { invalidParam } from './graph-errors.ts';
import type { Params } from './params.ts';

/** Page size when the request has no `limit`. */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger `limit` values are clamped to this. */
export const MAX_PAGE_SIZE = 1000;

/** What paging needs to know about the request. */
export interface PageRequest {
  params: Params;
  /** The request URL as the client addressed it (scheme and Host header included). */
  url: URL;
  /** The access token the request authenticated with. */
  token: string;
}

/** The `paging` object of a list response. */
export interface Paging {
  cursors: { before: string; after: string };
  previous?: string;
  next?: string;
}

/** How a list departs from plain paging (strict mode's whole-board walks). */
export interface PageOptions {
  /** At most this many rows per page, whatever `limit` asks; the links keep the `limit` asked for. */
  maxRows?: number;
  /**
   * `paging.next` carries a cursor that is refused (HTTP 400 code 100) when followed, while
   * `paging.cursors.after` stays good: the broken `next` public clients work around.
   */
  brokenNext?: boolean;
}

/** One page of `items`, starting at `start` unless the request carries an `after`/`before` cursor. */
export function takePage<T>(
  items: readonly T[],
  request: PageRequest,
  start = 0,
  options: PageOptions = {},
): { data: T[]; paging?: Paging } {
  const { params } = request;
  const asked = pageSize(params);
  const limit = Math.min(asked, options.maxRows ?? asked);
  const after = params.get('after');
  const before = params.get('before');
  let end: number;
  if (after !== undefined) {
    start = decodeCursor(after) + 1;
    end = start + limit;
  } else if (before !== undefined) {
    end = Math.min(decodeCursor(before), items.length);
    start = Math.max(0, end - limit);
  } else {
    end = start + limit;
  }
  const data = items.slice(start, end);
  // Graph leaves `paging` out of an empty page.
  if (data.length === 0) return { data };
  const last = start + data.length - 1;
  const paging: Paging = { cursors: { before: encodeCursor(start), after: encodeCursor(last) } };
  if (start > 0) paging.previous = pageUrl(request, asked, 'before', encodeCursor(start));
  if (last + 1 < items.length) {
    const cursor = options.brokenNext ? encodeCursor(last, BROKEN_CURSOR_PREFIX) : encodeCursor(last);
    paging.next = pageUrl(request, asked, 'after', cursor);
  }
  return { data, paging };
}

/** The page size a request asks for: `limit`, clamped to the maximum. */
export function pageSize(params: Params): number {
  return Math.min(params.int('limit', 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

function pageUrl(request: PageRequest, limit: number, direction: 'before' | 'after', cursor: string): string {
  const url = new URL(request.url);
  for (const name of ['access_token', 'after', 'before', 'limit']) url.searchParams.delete(name);
  url.searchParams.set('limit', String(limit));
  url.searchParams.set(direction, cursor);
  url.searchParams.set('access_token', request.token);
  return url.toString();
}

const CURSOR_PREFIX = 'emulator-position:';
/** The cursor of a broken `next` link: it names a position, but is never accepted. */
const BROKEN_CURSOR_PREFIX = 'emulator-next-link:';

function encodeCursor(index: number, prefix = CURSOR_PREFIX): string {
  return Buffer.from(`${prefix}${index}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // A broken `next` fails like any cursor upstream cannot use (strict mode's stand-in).
  if (text.startsWith(BROKEN_CURSOR_PREFIX)) throw invalidParam('Invalid paging cursor');
  const index = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(index) || index < 0) throw invalidParam('Invalid paging cursor');
  return index;
}
