/**
 * Maps a method and path to an endpoint, named by its route template from `src/shared/routes.ts`
 * (the name request counters and fault injection use). Literal path segments beat `{param}` ones,
 * so `/me` is not a user id; endpoints that share a shape (`DELETE /{leaderboard_id}` and
 * `DELETE /{entry_id}`) are told apart by what the id is.
 */
import type { RouteTemplate } from '../shared/routes.ts';
import type { RequestContext } from './context.ts';
import { unknownObject, unknownPath } from './graph-errors.ts';
import type { EmulatorState } from './state.ts';

/** Which tokens an endpoint accepts before its own checks run. */
export type Auth = 'app' | 'any';

/** One endpoint. */
export interface Endpoint {
  route: RouteTemplate;
  auth: Auth;
  /** For endpoints sharing method and path shape: whether this one serves the request. */
  claims?(segments: readonly string[], state: EmulatorState): boolean;
  /** Returns the 200 response body, or throws a GraphError. */
  handle(ctx: RequestContext): unknown;
}

interface CompiledEndpoint extends Endpoint {
  method: string;
  pattern: string[];
  literals: number;
}

/** The endpoints, ready to be matched against requests. */
export class Router {
  private readonly endpoints: CompiledEndpoint[];

  constructor(endpoints: readonly Endpoint[]) {
    this.endpoints = endpoints.map((endpoint) => {
      const [method, path] = endpoint.route.split(' ') as [string, string];
      const pattern = path.split('/').filter(Boolean);
      return { ...endpoint, method, pattern, literals: pattern.filter((s) => !s.startsWith('{')).length };
    });
  }

  /** The endpoint for a request, or the Graph error for a path or method nothing serves. */
  match(method: string, segments: readonly string[], state: EmulatorState): Endpoint {
    const shaped = this.endpoints.filter(
      (e) =>
        e.pattern.length === segments.length &&
        e.pattern.every((part, i) => part.startsWith('{') || part === segments[i]),
    );
    if (shaped.length === 0) {
      // Graph names the components after the first (the node) that it could not resolve.
      throw unknownPath(`/${segments.slice(1).join('/')}`);
    }
    const mostSpecific = Math.max(...shaped.map((e) => e.literals));
    const candidates = shaped.filter((e) => e.literals === mostSpecific && e.method === method);
    const endpoint = candidates.find((e) => e.claims?.(segments, state) ?? true);
    if (!endpoint) throw unknownObject(method, segments[0] ?? '');
    return endpoint;
  }
}
