import type { RouteTemplate } from '../shared/routes.ts';
import { isObject, type HorizonTransport, type UpstreamCall } from './client.ts';
import { HorizonApiError } from './horizon-api-error.ts';
import { LRUCache } from 'lru-cache';

/** One page of a Graph list, rows still raw. */
export interface GraphPage {
  /** Raw rows of `data`. */
  rows: Record<string, unknown>[];
  /** `paging.cursors.after`, when the API gave one. */
  after?: string;
  /** `paging.cursors.before`, when the API gave one. */
  before?: string;
  /** `paging.next` as given (it may carry a token: never print it). */
  nextUrl?: string;
  /** `summary.total_count`, when `summary=true` was asked. */
  totalCount?: unknown;
}

/** Reads the Graph list envelope `{ data, paging, summary }` of one answer. */
export function readPage(body: Record<string, unknown>, route: RouteTemplate): GraphPage {
  if (!Array.isArray(body.data)) {
    throw new HorizonApiError(`${route} answered without a data list`, {
      kind: 'invalid_response',
      endpoint: route,
      transient: false,
    });
  }
  const paging = isObject(body.paging) ? body.paging : {};
  const cursors = isObject(paging.cursors) ? paging.cursors : {};
  const summary = isObject(body.summary) ? body.summary : {};
  return {
    rows: body.data.filter(isObject),
    after: typeof cursors.after === 'string' ? cursors.after : undefined,
    before: typeof cursors.before === 'string' ? cursors.before : undefined,
    nextUrl: typeof paging.next === 'string' ? paging.next : undefined,
    totalCount: summary.total_count,
  };
}

/**
 * Iterates every page of a Graph list. It follows `paging.next` (the client strips the
 * `access_token` the API puts there and refuses URLs to another host); when following `next`
 * fails, or `next` is missing after a full page that has `paging.cursors.after`, it asks again
 * with the original parameters plus `after=<cursors.after>`, as public clients of the real API
 * had to. A route whose `next` failed once goes straight to `after` for a while. A page shorter
 * than `limit` is not the end while `next` says there is more. `maxPages` bounds the walk so a
 * misbehaving upstream cannot keep us looping.
 */
export async function* pages(
  client: HorizonTransport,
  first: UpstreamCall,
  options: {
    /** Most pages read. Default 1000. */
    maxPages?: number;
    /** Most rows the list can hold (e.g. one per id asked for): reaching it ends the walk. */
    maxRows?: number;
    /** The first page, when the caller has read it already (it is yielded, not asked again). */
    firstPage?: GraphPage;
  } = {},
): AsyncGenerator<GraphPage, void, undefined> {
  const { maxPages = 1000, maxRows = Infinity } = options;
  let page = options.firstPage ?? readPage(await client.call(first), first.route);
  let rows = page.rows.length;
  yield page;
  for (let n = 1; rows < maxRows && hasMore(page, first); n++) {
    if (n >= maxPages) {
      throw new HorizonApiError(`${first.route}: more than ${maxPages} pages, stopped`, {
        kind: 'invalid_response',
        endpoint: first.route,
        transient: false,
      });
    }
    page = readPage(await nextPage(client, first, page), first.route);
    rows += page.rows.length;
    yield page;
  }
}

/** Routes whose `paging.next` links failed, per app: their walks use `after` (for an hour). */
const brokenNext = new LRUCache<string, true>({ max: 1000, ttl: 3_600_000 });

function hasMore(page: GraphPage, first: UpstreamCall): boolean {
  if (page.rows.length === 0) return false;
  if (page.nextUrl !== undefined) return true;
  // No `next`: a full page with a cursor may still have a successor (a broken `next` may be left out).
  const limit = Number(first.params?.limit);
  return page.after !== undefined && Number.isInteger(limit) && page.rows.length >= limit;
}

async function nextPage(client: HorizonTransport, first: UpstreamCall, page: GraphPage) {
  const key = `${client.appId} ${first.route}`;
  if (page.nextUrl !== undefined && !(page.after !== undefined && brokenNext.has(key))) {
    try {
      return await client.follow(page.nextUrl, first.route, first.userToken);
    } catch (error) {
      if (page.after === undefined || !isBrokenLink(error)) throw error;
      brokenNext.set(key, true);
    }
  }
  return client.call({ ...first, params: { ...first.params, after: page.after } });
}

/** A `next` link upstream refused or we would not follow; not a throttle, an outage or a token problem. */
function isBrokenLink(error: unknown): boolean {
  if (!(error instanceof HorizonApiError)) return false;
  if (error.kind === 'invalid_response') return true;
  if (error.kind !== 'api' || error.isRateLimited || error.isUnauthenticated) return false;
  return error.status === undefined || error.status < 500 || error.code === 100;
}

/** Every row of every page, in order. */
export async function allRows(
  client: HorizonTransport,
  first: UpstreamCall,
): Promise<Record<string, unknown>[]> {
  // Most lists fit in one page: read it without the generator's promises.
  const page = readPage(await client.call(first), first.route);
  if (!hasMore(page, first)) return page.rows;
  const rows: Record<string, unknown>[] = [];
  for await (const more of pages(client, first, { firstPage: page })) rows.push(...more.rows);
  return rows;
}
