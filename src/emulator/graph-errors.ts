/**
 * Graph-style errors: the `{"error":{message,type,code,error_subcode,error_data,fbtrace_id}}`
 * envelope graph.oculus.com answers with, and constructors for the kinds the emulator raises.
 * Handlers throw a `GraphError`; the server turns it into the HTTP response.
 */
import { randomBytes } from 'node:crypto';

/** Optional parts of a Graph error beyond status, code and message. */
export interface GraphErrorDetails {
  type?: string;
  subcode?: number;
  /** `error_data`; `null` leaves the key out (Facebook-style bodies have none). Default `{}`. */
  data?: Record<string, unknown> | null;
  transient?: boolean;
}

/** An error the emulator answers with, in Graph's envelope. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly details: GraphErrorDetails = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }

  /** The response body; every answer carries a fresh random `fbtrace_id`, as the real API does. */
  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        type: this.details.type ?? 'OCApiException',
        code: this.code,
        error_subcode: this.details.subcode,
        error_data: this.details.data === null ? undefined : (this.details.data ?? {}),
        is_transient: this.details.transient,
        fbtrace_id: randomBytes(17).toString('base64url'),
      },
    };
  }
}

/** 400 code 190: missing, unknown or revoked access token (exact real body, reference §1.9). */
export function invalidToken(): GraphError {
  return new GraphError(400, 190, 'Invalid OAuth 2.0 Access Token');
}

/**
 * 400 code 190 for an app token (`OC|<id>|<secret>`) with a wrong secret or another app's id: the
 * body captured from the real API (public test fixture `error-invalid-app-token.json`).
 */
export function invalidApplication(): GraphError {
  return new GraphError(400, 190, 'Error validating application', { type: 'OAuthException', data: null });
}

/** 400 code 100 for a field the node type does not have, in Facebook Graph's exact wording. */
export function nonexistingField(field: string, nodeType: string): GraphError {
  return new GraphError(
    400,
    100,
    `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
    { type: 'OAuthException', data: null },
  );
}

/** Facebook Graph's throttling answer: HTTP 403, code 4, `is_transient` (strict mode's throttle). */
export function applicationRequestLimit(): GraphError {
  return new GraphError(403, 4, '(#4) Application request limit reached', {
    type: 'OAuthException',
    transient: true,
    data: null,
  });
}

/** HTTP 500 code 2: how graph.oculus.com answers overload (e.g. too many concurrent DELETEs). */
export function unknownErrorOverload(): GraphError {
  return new GraphError(500, 2, 'An unknown error has occurred.', {
    type: 'OAuthException',
    transient: true,
    data: null,
  });
}

/** 400 code 100 for a required parameter that is absent or empty. */
export function missingParam(name: string): GraphError {
  return new GraphError(400, 100, `(#100) The parameter ${name} is required`);
}

/** 400 code 100 for a parameter whose value is not acceptable. */
export function invalidParam(message: string): GraphError {
  return new GraphError(400, 100, `(#100) ${message}`);
}

/** 400 code 100 with the message the Platform SDK documents for a bad user id parameter. */
export function invalidUserParam(name: string, userId: string): GraphError {
  return new GraphError(400, 100, `Parameter ${name}: invalid user id: ${userId}`);
}

/** 400 code 100 subcode 33: Graph's answer for an id in the path that names nothing we can serve. */
export function unknownObject(method: string, id: string): GraphError {
  return new GraphError(
    400,
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
    { subcode: 33 },
  );
}

/** 403 code 10: the token is valid but may not do this (user token on an app-only call, …). */
export function permissionDenied(reason: string): GraphError {
  return new GraphError(403, 10, `(#10) ${reason}`);
}

/** 400 code 12075: the real body for an unknown leaderboard `api_name` (reference §1.9). */
export function unknownLeaderboard(apiName: string): GraphError {
  return new GraphError(400, 12075, 'The requested leaderboard has not been configured for this app', {
    data: { api_name: apiName },
  });
}

/** 400 code 2500 for a path that no endpoint serves, worded like Graph. */
export function unknownPath(path: string): GraphError {
  return new GraphError(400, 2500, `Unknown path components: ${path}`, { type: 'OAuthException' });
}

/** The Graph error a fault with a `status` but no `body` answers with. */
export function defaultErrorForStatus(status: number): GraphError {
  if (status >= 500) {
    return new GraphError(status, 2, 'An unexpected error has occurred. Please retry your request later.', {
      type: 'OAuthException',
      transient: true,
    });
  }
  if (status === 429) {
    return new GraphError(status, 4, 'Application request limit reached', {
      type: 'OAuthException',
      transient: true,
    });
  }
  if (status === 401) return new GraphError(status, 190, 'Invalid OAuth 2.0 Access Token');
  if (status === 403) return new GraphError(status, 10, '(#10) Permission denied');
  return new GraphError(status, 100, '(#100) Invalid parameter');
}
