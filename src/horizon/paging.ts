import type { RouteTemplate } from '../shared/routes.ts';
import { isObject, type HorizonTransport, type UpstreamCall } from './client.ts';
import { HorizonApiError } from './horizon-api-error.ts';

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
 * Iterates every page of a Graph list, following `paging.next` until it is absent. The client
 * strips the `access_token` the API puts in those URLs and refuses URLs to another host.
 * `maxPages` bounds the walk so a misbehaving upstream cannot keep us looping.
 */
export async function* pages(
  client: HorizonTransport,
  first: UpstreamCall,
  maxPages = 1000,
): AsyncGenerator<GraphPage, void, undefined> {
  let page = readPage(await client.call(first), first.route);
  yield page;
  for (let n = 1; page.nextUrl && page.rows.length > 0; n++) {
    if (n >= maxPages) {
      throw new HorizonApiError(`${first.route}: more than ${maxPages} pages, stopped`, {
        kind: 'invalid_response',
        endpoint: first.route,
        transient: false,
      });
    }
    page = readPage(await client.follow(page.nextUrl, first.route, first.userToken), first.route);
    yield page;
  }
}

/** Every row of every page, in order. */
export async function allRows(
  client: HorizonTransport,
  first: UpstreamCall,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const page of pages(client, first)) rows.push(...page.rows);
  return rows;
}
