import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { RouteTemplate } from '../shared/routes.ts';
import { HorizonApiError, type HorizonApiErrorDetails } from './horizon-api-error.ts';
import { parseUpstreamJson } from './json.ts';
import { redact } from './redact.ts';
import type { CircuitStateName } from './circuit-breakers.ts';
import { Resilience, type ResilienceOptions } from './resilience.ts';
import type { RouteFamily } from './route-families.ts';
import type { RetryMode } from './retry-policy.ts';
import { BudgetRefusal, type UpstreamAdmission } from './upstream-budget.ts';

/** How to reach Meta's server-to-server API and with which app credentials. */
export interface HorizonClientOptions {
  /** Base URL of the API. Default `https://graph.oculus.com`; the emulator's URL in local runs. */
  baseUrl?: string;
  /** The app id from the developer dashboard (numeric string). */
  appId: string;
  /** The app secret. Only ever sent in the `Authorization` header, never in a URL. */
  appSecret: string;
  /** Maximum concurrent connections to the API. Default 256. */
  connections?: number;
  /** Milliseconds to wait for response headers, and again for the body. Default 10 000. */
  timeoutMs?: number;
  /** Dispatcher to use instead of the client's own pool (unit tests with `MockAgent`). */
  dispatcher?: Dispatcher;
  /** Told about every HTTP attempt (metrics, logs, traces). */
  observer?: UpstreamObserver;
  /** Retries, circuit breakers and the bulkhead; see `RESILIENCE_DEFAULTS`. */
  resilience?: ResilienceOptions;
  /**
   * Told when an answer carries an enum value this client does not know (Meta adds values
   * without notice): `field` is a stable name such as `leaderboard.sort_order`, `value` the raw
   * upstream text, unbounded in length. The value itself reads as absent. Logs and metrics; an
   * exception thrown here is ignored.
   */
  onUnknownValue?(field: string, value: string): void;
  /**
   * The app's upstream call budget (`HORIZON_RATE_LIMIT`), asked before each HTTP attempt; a
   * refused attempt is not sent and fails with kind `over_budget`. Default: no budget.
   */
  admission?: UpstreamAdmission;
}

/** How one HTTP attempt ended. */
export interface UpstreamOutcome {
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** The failure, when the attempt failed. */
  error?: HorizonApiError;
  /** Meta's trace id (`x-fb-trace-id` header or the error body), when known. */
  fbtraceId?: string;
}

/**
 * Watches upstream traffic without touching it: `onCallStart` runs when an HTTP attempt begins
 * (inside the caller's async context, so a tracing span started here is a child of the caller's)
 * and returns the function to call once when the attempt ends.
 */
export interface UpstreamObserver {
  onCallStart(call: {
    route: RouteTemplate;
    method: UpstreamCall['method'];
  }): (outcome: UpstreamOutcome) => void;
}

/** Parameter values sent upstream; `undefined` ones are left out. */
export type UpstreamParams = Record<string, string | number | boolean | undefined>;

/** One upstream call, described by its route template and its concrete path. */
export interface UpstreamCall {
  /** Route template, used in errors and metrics instead of the URL. */
  route: RouteTemplate;
  method: 'GET' | 'POST' | 'DELETE';
  /** Concrete path, ids already substituted and encoded: `/123/achievements`. */
  path: string;
  /** Query parameters (GET, DELETE) or form-encoded body (POST). */
  params?: UpstreamParams;
  /** A player's user access token: the call acts as that user instead of as the app. */
  userToken?: string;
  /** Raw query string to send as is (for following `paging.next`); replaces `params`. */
  rawQuery?: string;
  /**
   * Whether a transient failure may be retried automatically. Default: `safe` for GET, `never`
   * otherwise; endpoint functions set it explicitly, per call, from what the call does (the API
   * has a GET that writes: `GET /{app_id}/consume_entitlement` would have to say `never`).
   */
  retry?: RetryMode;
}

const DEFAULTS = { baseUrl: 'https://graph.oculus.com', connections: 256, timeoutMs: 10_000 };

/**
 * What the endpoint functions need of a client: the app id, one call, following a page link, and
 * somewhere to report an upstream enum value they do not know. `HorizonClient` is one;
 * `HorizonClient.metered()` gives a per-operation view that counts calls.
 */
export interface HorizonTransport {
  readonly appId: string;
  call(call: UpstreamCall): Promise<Record<string, unknown>>;
  follow(url: string, route: RouteTemplate, userToken?: string): Promise<Record<string, unknown>>;
  /** An answer carried `value` in `field`, which the client does not know (see `read.enumOf`). */
  reportUnknownValue(field: string, value: string): void;
}

/**
 * A limit on the upstream calls of one unit of work (a GraphQL operation). `take` runs before
 * each call (first attempt and each page followed; retries of one call are not counted again)
 * and throws to refuse it.
 */
export interface CallBudget {
  take(route: RouteTemplate): void;
}

/**
 * The only code that talks to Meta's S2S API: authentication, encoding, timeouts, retries,
 * circuit breakers and a bulkhead, JSON parsing without int64 loss, and turning every failure
 * into a secret-free `HorizonApiError`. The typed endpoint functions in `./endpoints/` build on
 * `call`.
 */
export class HorizonClient implements HorizonTransport {
  readonly appId: string;
  /** Origin of the API. */
  readonly origin: string;
  /** Path prefix of the API (usually empty), without a trailing slash. */
  readonly pathPrefix: string;
  readonly #appToken: string;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #secrets: string[];
  readonly #observer?: UpstreamObserver;
  readonly #resilience: Resilience;
  readonly #onUnknownValue?: (field: string, value: string) => void;
  readonly #admission?: UpstreamAdmission;

  constructor(options: HorizonClientOptions) {
    if (!/^\d{1,20}$/.test(options.appId ?? '')) {
      throw new TypeError('HorizonClient: appId must be the numeric app id from the developer dashboard');
    }
    if (typeof options.appSecret !== 'string' || options.appSecret.length === 0) {
      throw new TypeError('HorizonClient: appSecret must be a non-empty string');
    }
    const baseUrl = new URL(options.baseUrl ?? DEFAULTS.baseUrl);
    if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
      throw new TypeError(`HorizonClient: baseUrl must be http(s), got ${baseUrl.protocol}`);
    }
    this.origin = baseUrl.origin;
    this.pathPrefix = baseUrl.pathname.replace(/\/+$/, '');
    this.appId = options.appId;
    this.#appToken = `OC|${options.appId}|${options.appSecret}`;
    this.#secrets = [options.appSecret, this.#appToken];
    this.#timeoutMs = positive(options.timeoutMs, 'timeoutMs') ?? DEFAULTS.timeoutMs;
    const connections = positive(options.connections, 'connections') ?? DEFAULTS.connections;
    this.#observer = options.observer;
    if (options.onUnknownValue !== undefined && typeof options.onUnknownValue !== 'function') {
      throw new TypeError('HorizonClient: onUnknownValue must be a function');
    }
    this.#onUnknownValue = options.onUnknownValue?.bind(options);
    this.#resilience = new Resilience(options.resilience);
    this.#admission = options.admission;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(baseUrl.origin, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  /**
   * Makes one call and returns the parsed JSON body of a successful answer. A call marked safe
   * to repeat may take several HTTP attempts; each one is reported to the observer.
   */
  call(call: UpstreamCall): Promise<Record<string, unknown>> {
    const mode = call.retry ?? (call.method === 'GET' ? 'safe' : 'never');
    return this.#resilience.execute(call.route, mode, () => this.#attempt(call));
  }

  /** One HTTP attempt, sent only if the budget admits it. */
  async #attempt(call: UpstreamCall): Promise<Record<string, unknown>> {
    if (this.#admission) {
      const admission = await this.#admission.admit();
      // Not a HorizonApiError yet: the retry policy and the breaker let it through untouched.
      if (!admission.admitted) throw new BudgetRefusal(admission.retryAfterMs);
    }
    const token = call.userToken ?? this.#appToken;
    const secrets = call.userToken ? [...this.#secrets, call.userToken] : this.#secrets;
    const query = call.rawQuery ?? (call.method === 'POST' ? '' : encodeParams(call.params));
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let body: string | undefined;
    if (call.method === 'POST') {
      body = encodeParams(call.params);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const done = this.#observer?.onCallStart({ route: call.route, method: call.method });
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await this.#dispatcher.request({
        origin: this.origin,
        method: call.method,
        path: `${this.pathPrefix}${call.path}${query ? `?${query}` : ''}`,
        headers,
        body,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      text = await response.body.text();
    } catch (cause) {
      const error = transportError(cause, call.route, secrets);
      done?.({ error });
      throw error;
    }
    const header = response.headers['x-fb-trace-id'];
    try {
      const json = interpretResponse(response.statusCode, response.headers, text, call.route, secrets);
      done?.({ status: response.statusCode, fbtraceId: typeof header === 'string' ? header : undefined });
      return json;
    } catch (error) {
      const apiError = error as HorizonApiError;
      done?.({ status: response.statusCode, error: apiError, fbtraceId: apiError.fbtraceId });
      throw error;
    }
  }

  /**
   * Follows a `paging.next` / `paging.previous` URL. It must point at the configured API host;
   * the `access_token` it carries (the real API puts one there) is dropped, and our own
   * credentials go in the header as for every call.
   */
  async follow(url: string, route: RouteTemplate, userToken?: string): Promise<Record<string, unknown>> {
    let next: URL;
    try {
      next = new URL(url);
    } catch {
      throw new HorizonApiError('Paging URL is not a valid URL', {
        kind: 'invalid_response',
        endpoint: route,
        transient: false,
      });
    }
    if (next.origin !== this.origin || !next.pathname.startsWith(`${this.pathPrefix}/`)) {
      throw new HorizonApiError(`Refusing to follow a paging URL to another host (${next.host})`, {
        kind: 'invalid_response',
        endpoint: route,
        transient: false,
      });
    }
    next.searchParams.delete('access_token');
    return this.call({
      route,
      method: 'GET',
      path: next.pathname.slice(this.pathPrefix.length),
      rawQuery: next.searchParams.toString(),
      userToken,
      retry: 'safe',
    });
  }

  /** Passes an unknown upstream enum value to `onUnknownValue`; never throws. */
  reportUnknownValue(field: string, value: string): void {
    try {
      this.#onUnknownValue?.(field, value);
    } catch {
      // Reporting is best effort: a failing log or metric must not fail the read it describes.
    }
  }

  /**
   * This client as seen by one unit of work: every call and every page followed first passes
   * `budget.take()`, which may refuse it before anything is sent.
   */
  metered(budget: CallBudget): HorizonTransport {
    return {
      appId: this.appId,
      call: (call) => {
        budget.take(call.route);
        return this.call(call);
      },
      follow: (url, route, userToken) => {
        budget.take(route);
        return this.follow(url, route, userToken);
      },
      reportUnknownValue: (field, value) => this.reportUnknownValue(field, value),
    };
  }

  /** Every route family's circuit breaker state (`closed`, `open`, `half-open`). */
  circuitStates(): ReadonlyMap<RouteFamily, CircuitStateName> {
    return this.#resilience.circuitStates();
  }

  /** Removes the app secret and any tokens from a text before it leaves the client. */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /** Closes the connection pool (when the client created it). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Keeps the token out of `console.log(client)` and `util.inspect`. */
  toJSON(): { appId: string; baseUrl: string } {
    return { appId: this.appId, baseUrl: this.origin + this.pathPrefix };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `HorizonClient { appId: '${this.appId}', baseUrl: '${this.origin}${this.pathPrefix}' }`;
  }
}

function encodeParams(params: UpstreamParams | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined) search.set(key, String(value));
  }
  return search.toString();
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`HorizonClient: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Turns an answer into its JSON body, or throws the `HorizonApiError` it describes. */
function interpretResponse(
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  text: string,
  route: RouteTemplate,
  secrets: string[],
): Record<string, unknown> {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  let json: unknown;
  try {
    json = parseUpstreamJson(text);
  } catch {
    json = undefined;
  }
  const envelope = isObject(json) && isObject(json.error) ? json.error : undefined;
  if (status >= 200 && status < 300 && isObject(json) && !envelope) return json;

  const base: Pick<HorizonApiErrorDetails, 'endpoint' | 'status' | 'retryAfterMs'> = {
    endpoint: route,
    status,
    retryAfterMs,
  };
  const statusTransient = status >= 500 || status === 429;
  if (!envelope) {
    const what = json === undefined ? 'a body that is not JSON' : 'an unexpected JSON body';
    return raise(
      new HorizonApiError(`${route} answered HTTP ${status} with ${what}`, {
        ...base,
        kind: status >= 200 && status < 300 ? 'invalid_response' : 'api',
        transient: statusTransient,
      }),
    );
  }
  const code = typeof envelope.code === 'number' ? envelope.code : undefined;
  const message = typeof envelope.message === 'string' ? envelope.message : `HTTP ${status}`;
  return raise(
    new HorizonApiError(redact(`${route}: ${message}`, secrets), {
      ...base,
      kind: 'api',
      code,
      subcode: typeof envelope.error_subcode === 'number' ? envelope.error_subcode : undefined,
      type: typeof envelope.type === 'string' ? envelope.type : undefined,
      fbtraceId: typeof envelope.fbtrace_id === 'string' ? envelope.fbtrace_id : undefined,
      errorData: isObject(envelope.error_data) ? scrubObject(envelope.error_data, secrets) : undefined,
      transient: envelope.is_transient === true || statusTransient || code === 1 || code === 2,
    }),
  );
}

function transportError(cause: unknown, route: RouteTemplate, secrets: string[]): HorizonApiError {
  const code = (cause as { code?: string } | undefined)?.code;
  const timeout =
    cause instanceof undiciErrors.HeadersTimeoutError ||
    cause instanceof undiciErrors.BodyTimeoutError ||
    cause instanceof undiciErrors.ConnectTimeoutError ||
    code === 'ETIMEDOUT';
  const detail = cause instanceof Error ? cause.message : String(cause);
  // A connection that could not be opened carried no request: a write is safe to try again.
  const notSent = cause instanceof undiciErrors.ConnectTimeoutError || CONNECT_FAILURES.has(code ?? '');
  return new HorizonApiError(
    redact(`${route}: ${timeout ? 'timed out' : 'connection failed'} (${detail})`, secrets),
    {
      kind: timeout ? 'timeout' : 'network',
      endpoint: route,
      transient: true,
      ...(notSent ? { sent: false as const } : {}),
    },
  );
}

/** Socket errors raised while connecting, before any byte of the request was written. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds. */
function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function scrubObject(data: Record<string, unknown>, secrets: string[]): Record<string, unknown> {
  return JSON.parse(redact(JSON.stringify(data), secrets)) as Record<string, unknown>;
}

function raise(error: HorizonApiError): never {
  throw error;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
