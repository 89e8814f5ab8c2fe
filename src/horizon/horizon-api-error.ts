import type { RouteTemplate } from '../shared/routes.ts';

/** What went wrong, from the client's point of view. */
export type HorizonErrorKind =
  /** The API answered with a Graph error envelope or a non-2xx status. */
  | 'api'
  /** The API answered 2xx/4xx/5xx but the body was not the JSON we expected. */
  | 'invalid_response'
  /** No answer (headers or body) within the configured timeout. */
  | 'timeout'
  /** The connection failed or was reset before a complete answer. */
  | 'network'
  /** Not sent: the route family's circuit breaker is open after repeated transient failures. */
  | 'circuit_open'
  /** Not sent: too many upstream calls of this app are already running and queued (bulkhead). */
  | 'overloaded'
  /** Not sent: the app's upstream call budget (`HORIZON_RATE_LIMIT`) is spent for now; see `retryAfterMs`. */
  | 'over_budget';

/** Everything we know about one failed upstream call. All fields are free of secrets. */
export interface HorizonApiErrorDetails {
  /** Failure category. */
  kind: HorizonErrorKind;
  /** Route template of the endpoint, e.g. `GET /{user_id}/achievements` (never the URL). */
  endpoint: RouteTemplate;
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** Graph error `code` (190 bad token, 100 bad parameter, 12075 unknown leaderboard, ...). */
  code?: number;
  /** Graph `error_subcode` (33: object does not exist). */
  subcode?: number;
  /** Graph error `type`, e.g. `OCApiException`. */
  type?: string;
  /** Meta's trace id for support requests. */
  fbtraceId?: string;
  /** Whether the same call may succeed if tried again later. */
  transient: boolean;
  /** Milliseconds the server asked us to wait (`Retry-After`), when it said. */
  retryAfterMs?: number;
  /** Graph `error_data`, when present (e.g. `{ api_name }` for 12075). */
  errorData?: Record<string, unknown>;
  /**
   * False when the request surely never reached the API (the connection could not be opened);
   * otherwise absent. Only meaningful for `timeout` and `network` failures.
   */
  sent?: false;
  /** True when the call acted with a player's token rather than the app's credentials. */
  viaUserToken?: true;
}

/**
 * What a failed write may have done upstream, for idempotency: `not_applied` (never sent, or the
 * API said it did not process it: 429, 503, 408, throttling), `refused` (a definite answer that a
 * retry would not change: other 4xx), or `in_doubt` (500/502/504, a malformed 2xx, a timeout or
 * reset after the request was sent).
 */
export type WriteOutcome = 'not_applied' | 'refused' | 'in_doubt';

/**
 * The one error type that leaves `src/horizon/`. Messages are scrubbed of the app secret and of
 * any access token before the error is built, so it is safe to log or to show.
 */
export class HorizonApiError extends Error implements HorizonApiErrorDetails {
  override readonly name = 'HorizonApiError';
  readonly kind: HorizonErrorKind;
  readonly endpoint: RouteTemplate;
  readonly status?: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly type?: string;
  readonly fbtraceId?: string;
  readonly transient: boolean;
  readonly retryAfterMs?: number;
  readonly errorData?: Record<string, unknown>;
  readonly sent?: false;
  readonly viaUserToken?: true;

  constructor(message: string, details: HorizonApiErrorDetails) {
    super(message);
    this.kind = details.kind;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.code = details.code;
    this.subcode = details.subcode;
    this.type = details.type;
    this.fbtraceId = details.fbtraceId;
    this.transient = details.transient;
    this.retryAfterMs = details.retryAfterMs;
    this.errorData = details.errorData;
    if (details.sent === false) this.sent = false;
    if (details.viaUserToken) this.viaUserToken = true;
  }

  /** What this failure of a write may have done upstream (see `WriteOutcome`). */
  get writeOutcome(): WriteOutcome {
    if (this.kind === 'circuit_open' || this.kind === 'overloaded' || this.kind === 'over_budget')
      return 'not_applied';
    if (this.sent === false) return 'not_applied';
    if (this.kind === 'timeout' || this.kind === 'network' || this.kind === 'invalid_response')
      return 'in_doubt';
    if (this.isRateLimited || this.status === 503 || this.status === 408) return 'not_applied';
    if (this.status !== undefined && this.status >= 500) return 'in_doubt';
    return 'refused';
  }

  /** A unknown object (Graph code 100 subcode 33), unknown leaderboard (12075) or HTTP 404. */
  get isNotFound(): boolean {
    return this.status === 404 || this.code === 12075 || (this.code === 100 && this.subcode === 33);
  }

  /** The token was rejected (HTTP 401 or Graph code 190). */
  get isUnauthenticated(): boolean {
    return this.status === 401 || this.code === 190;
  }

  /**
   * Meta refused the app's own credentials (a token error on a call made with the app token): the
   * subgraph's configuration is wrong, not the caller's request.
   */
  get isAppCredentialsRejected(): boolean {
    return this.isUnauthenticated && !this.viaUserToken;
  }

  /** HTTP 403, or Graph code 10 (permission denied) or 200 (permissions error). */
  get isForbidden(): boolean {
    return this.status === 403 || this.code === 10 || this.code === 200;
  }

  /**
   * The upstream refused a parameter value (Graph code 100, other than "does not exist"). For a list of user ids
   * (`USER_IDS` reads) that means at least one id is not a user of the app.
   */
  get isInvalidParameter(): boolean {
    return this.code === 100 && !this.isNotFound;
  }

  /**
   * The user id a refusal names, when its message says which one ("invalid user id: N"); the
   * wording is Meta's write-error text and may be absent on reads, so callers must cope without.
   */
  get refusedUserId(): string | undefined {
    if (!this.isInvalidParameter) return undefined;
    return /invalid user id:?\s*(\d+)/i.exec(this.message)?.[1];
  }

  /** HTTP 429 or one of Graph's throttling codes (4, 17, 32, 613), or our own budget refused the call. */
  get isRateLimited(): boolean {
    return (
      this.kind === 'over_budget' ||
      this.status === 429 ||
      (this.code !== undefined && THROTTLING_CODES.has(this.code))
    );
  }

  toJSON(): HorizonApiErrorDetails & { message: string } {
    return {
      message: this.message,
      kind: this.kind,
      endpoint: this.endpoint,
      status: this.status,
      code: this.code,
      subcode: this.subcode,
      type: this.type,
      fbtraceId: this.fbtraceId,
      transient: this.transient,
      retryAfterMs: this.retryAfterMs,
      errorData: this.errorData,
      sent: this.sent,
    };
  }
}

/** Graph API throttling codes: app (4), user (17), page (32) and custom (613) rate limits. */
const THROTTLING_CODES = new Set([4, 17, 32, 613]);
