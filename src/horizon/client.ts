import pLimit from 'p-limit';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ReadFields } from '../shared/read-fields.ts';
import type { RouteTemplate } from '../shared/routes.ts';
import { FieldRefusals, type SharedFieldRefusals } from './field-refusals.ts';
import { HorizonApiError, type HorizonApiErrorDetails } from './horizon-api-error.ts';
import { parseUpstreamJson } from './json.ts';
import { redact } from './redact.ts';
import type { CircuitStateName } from './circuit-breakers.ts';
import { Resilience, type ResilienceOptions } from './resilience.ts';
import type { RouteFamily } from './route-families.ts';
import type { RetryMode } from './retry-policy.ts';
import { throttleHintMs, ThrottleCoolDown } from './throttle-cool-down.ts';
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
  /** Most `DELETE`s in flight at once (`HORIZON_DELETE_CONCURRENCY`); more tend to make Meta answer 500/2. Default 5. */
  deleteConcurrency?: number;
  /**
   * Total time a read (GET) may take, headers and body together, ms (`HORIZON_TIMEOUT_MS`).
   * Default 5 000. A body still trickling in when it passes is cut: idle timers alone never fire
   * while bytes keep coming.
   */
  timeoutMs?: number;
  /** The same for writes (POST, DELETE), ms (`HORIZON_WRITE_TIMEOUT_MS`). Default 15 000: real score submits take 3–4 s. */
  writeTimeoutMs?: number;
  /** Largest response body accepted, bytes (`HORIZON_MAX_RESPONSE_BYTES`); past it the connection is dropped. Default 16 MiB. */
  maxResponseBytes?: number;
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
  /** Told when upstream refuses an optional field of a route (it is then left out for a while). */
  onFieldRefused?(route: RouteTemplate, field: string): void;
  /** How long a refused optional field is left out, ms (`HORIZON_FIELD_REFUSAL_TTL_MS`). Default 1 h. */
  fieldRefusalTtlMs?: number;
  /** Where refused fields are also kept for the other replicas (Redis). Default: this process only. */
  sharedFieldRefusals?: SharedFieldRefusals;
  /**
   * The app's upstream call budget (`HORIZON_RATE_LIMIT`), asked before each HTTP attempt; a
   * refused attempt is not sent and fails with kind `over_budget`. Default: no budget.
   */
  admission?: UpstreamAdmission;
  /**
   * The app's pause after Meta throttled it: attempts are not sent until it ends (they fail as
   * throttled, kind `over_budget`). Default: one of this client's own; pass one with a channel to
   * share pauses across replicas.
   */
  coolDown?: ThrottleCoolDown;
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
  /** Aborts the call (the operation's deadline), on top of its own timeout. */
  signal?: AbortSignal;
  /**
   * For deletes retried after a failure that may have applied them: a retry answered "does not
   * exist" (Graph 100/33) means the first attempt did the job, and counts as `{ success: true }`.
   */
  goneMeansDone?: boolean;
  /** Raw query string to send as is (for following `paging.next`); replaces `params`. */
  rawQuery?: string;
  /**
   * The `fields` of a read, core and optional: sent as the `fields` parameter, less the optional
   * ones upstream refused (see `FieldRefusals`).
   */
  fields?: ReadFields;
  /**
   * Whether a transient failure may be retried automatically. Default: `safe` for GET, `never`
   * otherwise; endpoint functions set it explicitly, per call, from what the call does (the API
   * has a GET that writes: `GET /{app_id}/consume_entitlement` would have to say `never`).
   */
  retry?: RetryMode;
}

/** Defaults of `HorizonClientOptions`; the HORIZON_* settings of `src/config.ts` read theirs here. */
export const CLIENT_DEFAULTS = {
  baseUrl: 'https://graph.oculus.com',
  connections: 256,
  timeoutMs: 5_000,
  writeTimeoutMs: 15_000,
  deleteConcurrency: 5,
  maxResponseBytes: 16 * 1024 * 1024,
} as const;

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
  /** Aborts the unit's calls still in flight when it fires (the operation's deadline). */
  readonly signal?: AbortSignal;
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
  readonly #writeTimeoutMs: number;
  readonly #deletes: ReturnType<typeof pLimit>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #secrets: string[];
  readonly #observer?: UpstreamObserver;
  readonly #resilience: Resilience;
  readonly #onUnknownValue?: (field: string, value: string) => void;
  readonly #onFieldRefused?: (route: RouteTemplate, field: string) => void;
  readonly #fields: FieldRefusals;
  readonly #admission?: UpstreamAdmission;
  readonly #coolDown: ThrottleCoolDown;

  constructor(options: HorizonClientOptions) {
    if (!/^\d{1,20}$/.test(options.appId ?? '')) {
      throw new TypeError('HorizonClient: appId must be the numeric app id from the developer dashboard');
    }
    if (typeof options.appSecret !== 'string' || options.appSecret.length === 0) {
      throw new TypeError('HorizonClient: appSecret must be a non-empty string');
    }
    const baseUrl = new URL(options.baseUrl ?? CLIENT_DEFAULTS.baseUrl);
    if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
      throw new TypeError(`HorizonClient: baseUrl must be http(s), got ${baseUrl.protocol}`);
    }
    this.origin = baseUrl.origin;
    this.pathPrefix = baseUrl.pathname.replace(/\/+$/, '');
    this.appId = options.appId;
    this.#appToken = `OC|${options.appId}|${options.appSecret}`;
    this.#secrets = [options.appSecret, this.#appToken];
    this.#timeoutMs = positive(options.timeoutMs, 'timeoutMs') ?? CLIENT_DEFAULTS.timeoutMs;
    this.#writeTimeoutMs =
      positive(options.writeTimeoutMs, 'writeTimeoutMs') ?? CLIENT_DEFAULTS.writeTimeoutMs;
    this.#deletes = pLimit(
      positive(options.deleteConcurrency, 'deleteConcurrency') ?? CLIENT_DEFAULTS.deleteConcurrency,
    );
    const maxResponseSize =
      positive(options.maxResponseBytes, 'maxResponseBytes') ?? CLIENT_DEFAULTS.maxResponseBytes;
    const connections = positive(options.connections, 'connections') ?? CLIENT_DEFAULTS.connections;
    this.#observer = options.observer;
    if (options.onUnknownValue !== undefined && typeof options.onUnknownValue !== 'function') {
      throw new TypeError('HorizonClient: onUnknownValue must be a function');
    }
    this.#onUnknownValue = options.onUnknownValue?.bind(options);
    this.#onFieldRefused = options.onFieldRefused?.bind(options);
    this.#fields = new FieldRefusals(
      positive(options.fieldRefusalTtlMs, 'fieldRefusalTtlMs'),
      options.sharedFieldRefusals,
    );
    this.#resilience = new Resilience(options.resilience);
    this.#admission = options.admission;
    this.#coolDown = options.coolDown ?? new ThrottleCoolDown();
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(baseUrl.origin, { connections, keepAliveTimeout: 30_000, pipelining: 1, maxResponseSize });
  }

  /**
   * Makes one call and returns the parsed JSON body of a successful answer. A call marked safe
   * to repeat may take several HTTP attempts; each one is reported to the observer.
   */
  call(call: UpstreamCall): Promise<Record<string, unknown>> {
    if (call.fields) return this.#callWithFields(call, call.fields);
    const mode = call.retry ?? (call.method === 'GET' ? 'safe' : 'never');
    return call.method === 'DELETE'
      ? this.#deletes(() => this.#execute(call, mode))
      : this.#execute(call, mode);
  }

  /** Runs `call` under the retry policy; see `UpstreamCall.goneMeansDone`. */
  #execute(call: UpstreamCall, mode: RetryMode): Promise<Record<string, unknown>> {
    if (!call.goneMeansDone) return this.#resilience.execute(call.route, mode, () => this.#attempt(call));
    let attempts = 0;
    return this.#resilience.execute(call.route, mode, async () => {
      attempts += 1;
      try {
        return await this.#attempt(call);
      } catch (error) {
        if (attempts > 1 && error instanceof HorizonApiError && error.isNotFound) return { success: true };
        throw error;
      }
    });
  }

  /**
   * A read with a `fields` selection: asks for the core fields and the guesses not refused; when
   * upstream refuses a guess, leaves it out (for the route, for a while) and asks again.
   */
  async #callWithFields(call: UpstreamCall, read: ReadFields): Promise<Record<string, unknown>> {
    for (;;) {
      try {
        return await this.#fields.probe(call.route, read, () => {
          const fields = this.#fields.param(call.route, read);
          return this.call({ ...call, fields: undefined, params: { ...call.params, fields } });
        });
      } catch (error) {
        const field =
          error instanceof HorizonApiError ? this.#fields.refusedBy(error, call.route, read) : undefined;
        if (field === undefined) throw error;
        this.#fields.refuse(call.route, field);
        try {
          this.#onFieldRefused?.(call.route, field);
        } catch {
          // Reporting must never fail a read.
        }
      }
    }
  }

  /**
   * Optional fields of `read` whose acceptance is not known yet: each may cost one refused call
   * before it is left out (the cost guard adds this to its estimate).
   */
  unsettledFields(read: ReadFields): number {
    return this.#fields.unsettled(read.route, read);
  }

  /**
   * One HTTP attempt, sent only if the budget admits it; it holds its place in the budget until it
   * ends, so a slot is reused only a whole window after the call was last on the wire.
   */
  async #attempt(call: UpstreamCall): Promise<Record<string, unknown>> {
    // Not HorizonApiErrors yet: the retry policy and the breaker let refusals through untouched.
    const paused = this.#coolDown.remainingMs();
    if (paused > 0) throw new BudgetRefusal(paused, 'cool-down');
    const admission = this.#admission ? await this.#admission.admit() : undefined;
    if (admission?.admitted === false) throw new BudgetRefusal(admission.retryAfterMs);
    try {
      const body = await this.#send(call);
      this.#coolDown.succeeded();
      return body;
    } catch (error) {
      if (error instanceof HorizonApiError && error.isRateLimited)
        this.#coolDown.throttled(error.retryAfterMs);
      throw error;
    } finally {
      admission?.release();
    }
  }

  /** One HTTP attempt. */
  async #send(call: UpstreamCall): Promise<Record<string, unknown>> {
    const token = call.userToken ?? this.#appToken;
    const secrets = call.userToken ? [...this.#secrets, call.userToken] : this.#secrets;
    const query = call.rawQuery ?? (call.method === 'POST' ? '' : encodeParams(call.params));
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let body: string | undefined;
    if (call.method === 'POST') {
      body = encodeParams(call.params);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const timeout = call.method === 'GET' ? this.#timeoutMs : this.#writeTimeoutMs;
    const deadline = new AttemptDeadline(timeout, call.signal);
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
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: deadline.signal,
      });
      text = await response.body.text();
    } catch (cause) {
      const error = transportError(cause, call.route, secrets);
      done?.({ error });
      throw error;
    } finally {
      deadline.clear();
    }
    const header = response.headers['x-fb-trace-id'];
    try {
      const json = interpretResponse(response.statusCode, response.headers, text, call, secrets);
      done?.({
        status: response.statusCode,
        fbtraceId: typeof header === 'string' ? redact(header, secrets) : undefined,
      });
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
  async follow(
    url: string,
    route: RouteTemplate,
    userToken?: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
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
      signal,
      retry: 'safe',
    });
  }

  /** Passes an unknown upstream enum value to `onUnknownValue`; never throws. */
  reportUnknownValue(field: string, value: string): void {
    try {
      this.#onUnknownValue?.(field, redact(value, this.#secrets));
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
        return this.call(budget.signal ? { ...call, signal: budget.signal } : call);
      },
      follow: (url, route, userToken) => {
        budget.take(route);
        return this.follow(url, route, userToken, budget.signal);
      },
      reportUnknownValue: (field, value) => this.reportUnknownValue(field, value),
    };
  }

  /** Every route family's circuit breaker state (`closed`, `open`, `half-open`). */
  circuitStates(): ReadonlyMap<RouteFamily, CircuitStateName> {
    return this.#resilience.circuitStates();
  }

  /**
   * Removes the app secret, the app token and `moreSecrets` (the tokens a request carried) from a
   * text, in any encoding (see `redact`).
   */
  redact(text: string, moreSecrets: readonly string[] = []): string {
    return redact(text, moreSecrets.length > 0 ? [...this.#secrets, ...moreSecrets] : this.#secrets);
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

/**
 * One deadline for an attempt's headers and body together (undici's own timers are idle timers,
 * which never fire while bytes keep trickling in), joined with the operation's deadline when it
 * has one. A plain timer and one listener: `AbortSignal.timeout`/`AbortSignal.any` per attempt
 * cost several percent of CPU in the benchmark.
 */
class AttemptDeadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #outer?: AbortSignal;
  readonly #onOuterAbort = () => this.#controller.abort(this.#outer?.reason);

  constructor(timeoutMs: number, outer?: AbortSignal) {
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException('the call took too long', 'TimeoutError')),
      timeoutMs,
    );
    this.#outer = outer;
    if (outer?.aborted) this.#onOuterAbort();
    else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
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
  call: Pick<UpstreamCall, 'route' | 'userToken'>,
  secrets: string[],
): Record<string, unknown> {
  const route = call.route;
  const retryAfterMs = throttleHintMs(headers);
  let json: unknown;
  try {
    json = parseUpstreamJson(text);
  } catch {
    json = undefined;
  }
  const envelope = isObject(json) && isObject(json.error) ? json.error : undefined;
  if (status >= 200 && status < 300 && isObject(json) && !envelope) return json;

  const base: Pick<HorizonApiErrorDetails, 'endpoint' | 'status' | 'retryAfterMs' | 'viaUserToken'> = {
    endpoint: route,
    status,
    retryAfterMs,
    ...(call.userToken !== undefined ? { viaUserToken: true as const } : {}),
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
      // Upstream text like the message: an echo of a credential must not ride out in them.
      type: typeof envelope.type === 'string' ? redact(envelope.type, secrets) : undefined,
      fbtraceId: typeof envelope.fbtrace_id === 'string' ? redact(envelope.fbtrace_id, secrets) : undefined,
      errorData: isObject(envelope.error_data) ? scrubObject(envelope.error_data, secrets) : undefined,
      transient: envelope.is_transient === true || statusTransient || code === 1 || code === 2,
    }),
  );
}

function transportError(cause: unknown, route: RouteTemplate, secrets: string[]): HorizonApiError {
  const code = (cause as { code?: string } | undefined)?.code;
  const name = (cause as { name?: string } | undefined)?.name;
  const timeout =
    cause instanceof undiciErrors.HeadersTimeoutError ||
    cause instanceof undiciErrors.BodyTimeoutError ||
    cause instanceof undiciErrors.ConnectTimeoutError ||
    code === 'ETIMEDOUT' ||
    // The call's total deadline (or the operation's) aborted it.
    name === 'TimeoutError' ||
    name === 'AbortError';
  if (cause instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new HorizonApiError(
      `${route}: answer larger than the limit (HORIZON_MAX_RESPONSE_BYTES); connection dropped`,
      {
        kind: 'invalid_response',
        endpoint: route,
        transient: false,
      },
    );
  }
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

function scrubObject(data: Record<string, unknown>, secrets: string[]): Record<string, unknown> {
  return JSON.parse(redact(JSON.stringify(data), secrets)) as Record<string, unknown>;
}

function raise(error: HorizonApiError): never {
  throw error;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
