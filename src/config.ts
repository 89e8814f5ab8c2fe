import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_MAX_TOKEN_AGE_SECONDS, type AuthOptions } from './graphql/auth/jwt-verifier.ts';
import type { QueryLimits } from './graphql/limits/query-limits.ts';
import { DEFAULT_EVENTS_MEMORY_MAX } from './events/memory-purchase-event-log.ts';
import { EXPORT_DEFAULTS } from './export/http.ts';
import {
  CLIENT_DEFAULTS as CLIENT,
  DEFAULT_FIELD_REFUSAL_TTL_MS,
  parseRateLimit,
  RESILIENCE_DEFAULTS as RESILIENCE,
  type RateLimit,
  type ResilienceOptions,
} from './horizon/index.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './server.ts';

/** Sections of the configuration reference, in the order they are printed. */
export const CONFIG_GROUPS = [
  'Meta Horizon S2S API',
  'HTTP server',
  'Callers and limits',
  'Operations: logs, readiness, shutdown',
  'Several replicas (shared state on Redis; docs/replicas.md)',
  "Purchase events from Meta's webhooks (docs/purchase-events.md)",
  'Tracing (OpenTelemetry standard variables, read by its SDK; off unless one of the first three asks for traces)',
] as const;

/**
 * What the configuration reference says about a variable. `scripts/config-reference.ts` prints
 * `docs/configuration.md` and `.env.example` from these, so the reference cannot drift from the code.
 */
export interface VariableDoc {
  group: (typeof CONFIG_GROUPS)[number];
  description: string;
  /** The default as shown, when the schema's own default (or "(unset)") would not say it well. */
  shownDefault?: string;
  /** Never echoed in an error message. */
  secret?: boolean;
}

const documented = <T extends z.ZodType>(schema: T, doc: VariableDoc): T => schema.meta({ ...doc });

const [HORIZON, SERVER, CALLERS, OPERATIONS, REPLICAS, EVENTS, TRACING] = CONFIG_GROUPS;

/** A whole number within `[min, max]`, `fallback` when unset; every failure says the same thing. */
const wholeNumber = (min: number, max: number, fallback: number) => {
  const error = `must be a whole number ${min}–${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};
const flag = () => z.enum(['true', 'false'], { error: 'must be true or false' });
const httpUrl = () =>
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://host:port' });
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Configuration, parsed once from the environment. Every variable carries its documentation
 * (`VariableDoc`); an invalid value fails startup with one line per variable naming it, what it
 * must be, and (secrets aside) the value it got.
 */
export const EnvSchema = z
  .object({
    HORIZON_APP_ID: documented(
      z
        .string()
        .regex(/^\d{1,20}$/, 'must be the numeric app id from the developer dashboard')
        .optional(),
      {
        group: HORIZON,
        description:
          'Numeric app id. With it and the secret both unset, `npm start` serves DEMO data from the embedded emulator.',
      },
    ),
    HORIZON_APP_SECRET: documented(z.string().min(1, 'must not be empty').optional(), {
      group: HORIZON,
      description:
        'App secret; set together with HORIZON_APP_ID. Sent only in the Authorization header, never logged.',
      secret: true,
    }),
    HORIZON_APP_SECRET_FILE: documented(z.string().min(1).optional(), {
      group: HORIZON,
      description:
        'File holding the secret (Kubernetes/Docker secrets), instead of HORIZON_APP_SECRET (not both).',
    }),
    HORIZON_GRAPH_URL: documented(httpUrl().default('https://graph.oculus.com'), {
      group: HORIZON,
      description: 'Base URL of the API (e.g. a separately started `npm run emulator`).',
    }),
    HORIZON_MAX_CONNECTIONS: documented(wholeNumber(1, 1024, CLIENT.connections), {
      group: HORIZON,
      description: 'Connection cap of the upstream keep-alive pool.',
    }),
    HORIZON_TIMEOUT_MS: documented(wholeNumber(1, 120_000, CLIENT.timeoutMs), {
      group: HORIZON,
      description: 'Total time one upstream read attempt may take, headers and body together, ms.',
    }),
    HORIZON_WRITE_TIMEOUT_MS: documented(wholeNumber(1, 300_000, CLIENT.writeTimeoutMs), {
      group: HORIZON,
      description:
        'Total time one upstream write (POST, DELETE) may take, ms; real score submits take 3–4 s.',
    }),
    HORIZON_MAX_RESPONSE_BYTES: documented(wholeNumber(1024, 1024 ** 3, CLIENT.maxResponseBytes), {
      group: HORIZON,
      description:
        'Largest upstream response body accepted; past it the connection is dropped and the field fails (UPSTREAM_ERROR).',
    }),
    HORIZON_FIELD_REFUSAL_TTL_MS: documented(wholeNumber(1, 7 * 86_400_000, DEFAULT_FIELD_REFUSAL_TTL_MS), {
      group: HORIZON,
      description:
        'How long an optional upstream field that Meta refused is left out of its route before it is asked for again, ms.',
    }),
    HORIZON_DELETE_CONCURRENCY: documented(wholeNumber(1, 100, CLIENT.deleteConcurrency), {
      group: HORIZON,
      description:
        'Upstream DELETEs (entries, leaderboards) in flight at once; more tends to make Meta answer 500, code 2.',
    }),
    HORIZON_BATCH_CONCURRENCY: documented(wholeNumber(1, 256, 128), {
      group: HORIZON,
      description: 'Upstream calls of one request in flight at once.',
    }),
    HORIZON_RETRY_MAX_ATTEMPTS: documented(wholeNumber(1, 10, RESILIENCE.retry.maxAttempts), {
      group: HORIZON,
      description: 'Attempts of a call that is safe to repeat, the first included (1 = no retries).',
    }),
    HORIZON_RETRY_BUDGET_MS: documented(wholeNumber(0, 120_000, RESILIENCE.retry.budgetMs), {
      group: HORIZON,
      description: "No retry starts after this many ms from the call's start.",
    }),
    HORIZON_RETRY_BASE_DELAY_MS: documented(wholeNumber(0, 60_000, RESILIENCE.retry.baseDelayMs), {
      group: HORIZON,
      description: 'Bound of the first full-jitter backoff, doubled for each later one.',
    }),
    HORIZON_BREAKER_THRESHOLD: documented(wholeNumber(1, 10_000, RESILIENCE.breaker.threshold), {
      group: HORIZON,
      description: "Consecutive transient failures that open a route family's circuit breaker.",
    }),
    HORIZON_BREAKER_COOLDOWN_MS: documented(wholeNumber(1, 3_600_000, RESILIENCE.breaker.cooldownMs), {
      group: HORIZON,
      description: 'How long an open breaker fails fast before letting a trial call through.',
    }),
    HORIZON_MAX_CONCURRENT_CALLS: documented(wholeNumber(1, 10_000, RESILIENCE.bulkhead.maxConcurrent), {
      group: HORIZON,
      description: 'Bulkhead: upstream attempts on the wire at once, for the whole app.',
    }),
    HORIZON_MAX_QUEUED_CALLS: documented(wholeNumber(0, 1_000_000, RESILIENCE.bulkhead.maxQueued), {
      group: HORIZON,
      description: 'Bulkhead: calls waiting for a slot before new ones are refused (`RATE_LIMITED`).',
    }),
    CACHE_TTL_SECONDS: documented(wholeNumber(0, 86_400, 60), {
      group: HORIZON,
      description: 'Cross-request cache of achievement definitions, leaderboards and the catalog (0 = off).',
    }),
    PORT: documented(wholeNumber(0, 65535, 4001), {
      group: SERVER,
      description: 'HTTP port (0 = any free port).',
    }),
    HOST: documented(z.string().min(1).optional(), {
      group: SERVER,
      description:
        'Interface to listen on (`127.0.0.1`: this machine only). Unset while serving DEMO data (no credentials), only 127.0.0.1: auth is off then.',
      shownDefault: '0.0.0.0 (demo: 127.0.0.1)',
    }),
    ROUTER_SECRET: documented(z.string().min(16, 'must be at least 16 characters').optional(), {
      group: SERVER,
      description:
        'When set (16+ characters), only requests carrying it in `router-authorization` reach /graphql.',
      secret: true,
    }),
    AUTH_JWT_SECRET: documented(z.string().min(32, 'must be at least 32 characters (HS256 key)').optional(), {
      group: CALLERS,
      description: 'HS256 key (32+ characters) verifying the JWT the gateway forwards.',
      secret: true,
    }),
    AUTH_JWKS_URL: documented(httpUrl().optional(), {
      group: CALLERS,
      description: 'JWKS URL for RS256/ES256 JWTs, instead of AUTH_JWT_SECRET (not both).',
    }),
    AUTH_ISSUER: documented(z.string().min(1).optional(), {
      group: CALLERS,
      description: "Required `iss` of callers' JWTs, when set.",
    }),
    AUTH_AUDIENCE: documented(z.string().min(1).optional(), {
      group: CALLERS,
      description: "Required `aud` of callers' JWTs, when set.",
    }),
    AUTH_MAX_TOKEN_AGE_SECONDS: documented(wholeNumber(1, 86_400, DEFAULT_MAX_TOKEN_AGE_SECONDS), {
      group: CALLERS,
      description:
        "Longest life a caller's JWT may claim: `exp` is required and may lie at most this far after `iat` (or after now, without `iat`); an `iat` in the future is refused.",
    }),
    AUTH_DISABLED: documented(flag().optional(), {
      group: CALLERS,
      description:
        '`true` accepts every caller. Needed with real credentials and no key; unset with the embedded emulator means disabled.',
    }),
    NODE_ENV: documented(z.string().optional(), {
      group: CALLERS,
      description:
        '`production` turns introspection off by default, and refuses to start without Meta credentials (never demo data).',
    }),
    GRAPHQL_INTROSPECTION: documented(flag().optional(), {
      group: CALLERS,
      description: '`true`/`false`: introspection and the landing page.',
      shownDefault: 'on unless production',
    }),
    FEDERATION_SECURITY_DIRECTIVES: documented(flag().default('false'), {
      group: CALLERS,
      description:
        '`true` serves @requiresScopes/@authenticated in the SDL, for a router that enforces them (a GraphOS plan); `@apollo/gateway` refuses them. The subgraph enforces scopes either way.',
    }),
    MAX_UPSTREAM_COST: documented(wholeNumber(1, 100_000, 250), {
      group: CALLERS,
      description: 'Most upstream calls an operation may be estimated to cause.',
    }),
    EXPORT_MAX_IDS: documented(wholeNumber(1, 1_000_000, EXPORT_DEFAULTS.maxIds), {
      group: CALLERS,
      description: 'Most player ids in one `POST /exports/players` (docs/export.md).',
    }),
    EXPORT_MAX_RATE: documented(wholeNumber(1, 10_000, EXPORT_DEFAULTS.maxRate), {
      group: CALLERS,
      description:
        'Upstream calls per second of one export (the `npm run export` command or an `/exports/…` answer) when HORIZON_RATE_LIMIT is unset; with it set, exports spend from that budget instead.',
    }),
    MAX_QUERY_DEPTH: documented(wholeNumber(10, 100, 15), {
      group: CALLERS,
      description: 'Deepest selection.',
    }),
    MAX_ALIASES: documented(wholeNumber(1, 1000, 30), {
      group: CALLERS,
      description: 'Most aliases in an operation.',
    }),
    MAX_QUERY_TOKENS: documented(wholeNumber(100, 100_000, 3000), {
      group: CALLERS,
      description: 'Most tokens in a document.',
    }),
    MAX_DIRECTIVES: documented(wholeNumber(1, 1000, 30), {
      group: CALLERS,
      description: 'Most directives in an operation.',
    }),
    REQUEST_DEADLINE_MS: documented(wholeNumber(100, 600_000, 20_000), {
      group: CALLERS,
      description:
        'Deadline of one GraphQL operation, ms: upstream calls still running then are cut, their fields answer UPSTREAM_UNAVAILABLE, and what finished is returned.',
    }),
    LOG_LEVEL: documented(
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
      {
        group: OPERATIONS,
        description: 'fatal, error, warn, info, debug, trace or silent.',
      },
    ),
    LOG_PRETTY: documented(flag().default('false'), {
      group: OPERATIONS,
      description:
        '`true`: human-readable lines when stdout is a terminal (pino-pretty, a dev dependency); JSON otherwise.',
    }),
    READINESS_UPSTREAM_GRACE_MS: documented(wholeNumber(0, 3_600_000, 30_000), {
      group: OPERATIONS,
      description:
        '/readyz turns not ready once the upstream has been unreachable (no answer, 502/503/504) this long; 0 = ignore the upstream.',
    }),
    SHUTDOWN_DELAY_MS: documented(wholeNumber(0, 600_000, 0), {
      group: OPERATIONS,
      description:
        'After SIGTERM, /readyz says draining and serving goes on this long before the server stops accepting (~5000 behind a load balancer).',
    }),
    SHUTDOWN_TIMEOUT_MS: documented(wholeNumber(0, 600_000, DEFAULT_SHUTDOWN_TIMEOUT_MS), {
      group: OPERATIONS,
      description: 'Then in-flight requests get this long to finish before their connections are cut.',
    }),
    REDIS_URL: documented(
      z
        .url({
          protocol: /^rediss?$/,
          error: 'must be a redis:// or rediss:// URL, e.g. redis://:password@redis:6379/0',
        })
        .optional(),
      {
        group: REPLICAS,
        description:
          'Redis 7 or Valkey (password and database index in the URL; `rediss://` for TLS). Turns on what replicas share: idempotency keys, the upstream budget, cache invalidations. Unset: all of it in this process.',
        secret: true,
      },
    ),
    REDIS_KEY_PREFIX: documented(
      z
        .string()
        .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1–64 letters, digits or : . _ -')
        .default('horizon:'),
      {
        group: REPLICAS,
        description:
          'Prefix of every Redis key and channel (the app id follows it): one Redis can serve several deployments.',
      },
    ),
    HORIZON_RATE_LIMIT: documented(
      z
        .string()
        .transform((text, ctx) => {
          try {
            return parseRateLimit(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
        })
        .optional(),
      {
        group: REPLICAS,
        description:
          'Upstream budget of the app, e.g. `600/10s`: at most 600 calls to Meta in any 10 s (a sliding window), across every replica with REDIS_URL, per process without. A call over it is not sent: RATE_LIMITED with retryAfterMs.',
        shownDefault: '(unset = no budget)',
      },
    ),
    HORIZON_WEBHOOK_VERIFY_TOKEN: documented(z.string().min(1).optional(), {
      group: EVENTS,
      description:
        'Turns on `GET`/`POST /webhooks/horizon`: the Verify Token entered in the dashboard (Development > Webhooks). Unset: both answer 404.',
      secret: true,
    }),
    HORIZON_WEBHOOK_SECRET: documented(z.string().min(1, 'must not be empty').optional(), {
      group: EVENTS,
      description: 'Key of the `X-Hub-Signature-256` HMAC of deliveries; Meta signs with the app secret.',
      shownDefault: '(HORIZON_APP_SECRET)',
      secret: true,
    }),
    HORIZON_WEBHOOK_ALLOW_UNSIGNED: documented(flag().default('false'), {
      group: EVENTS,
      description:
        '`true` records deliveries without checking their signature (anyone who reaches the URL can then forge purchases; warned at start).',
    }),
    HORIZON_WEBHOOK_DEDUPE_TTL_S: documented(wholeNumber(60, 30 * 86_400, 259_200), {
      group: EVENTS,
      description:
        'How long a delivery is remembered to drop its repeats, s (Meta retries for 36 h); on Redis with REDIS_URL, in a bounded LRU without.',
    }),
    HORIZON_EVENTS_MAX: documented(wholeNumber(1000, 1_000_000_000, 1_000_000), {
      group: EVENTS,
      description:
        'Events kept in the Redis stream with REDIS_URL (`XADD … MAXLEN ~`), oldest dropped first.',
    }),
    HORIZON_EVENTS_MEMORY_MAX: documented(wholeNumber(1, 10_000_000, DEFAULT_EVENTS_MEMORY_MAX), {
      group: EVENTS,
      description: 'Events kept in memory without REDIS_URL, oldest dropped first; they are lost on restart.',
    }),
    EMULATOR_LATENCY_MS: documented(wholeNumber(0, 600_000, 0), {
      group: OPERATIONS,
      description: 'Demo/test only: delay the embedded emulator adds to every response.',
    }),
    EMULATOR_STRICT: documented(flag().optional(), {
      group: OPERATIONS,
      description:
        'Demo/test only: `true` makes the embedded emulator answer as public code shows the real API does (refuses guessed fields, string user ids, broken `next` links, Facebook-style throttling).',
    }),
    EMULATOR_LATENCY_PROFILE: documented(z.enum(['off', 'realistic']).default('off'), {
      group: OPERATIONS,
      description:
        'Demo/test only: `realistic` delays the embedded emulator like the real API (writes 3–4 s, reads 100–300 ms).',
    }),
    // Read by OpenTelemetry's SDK (src/observability), not by loadConfig: listed for the reference.
    OTEL_TRACES_EXPORTER: documented(z.string().optional(), {
      group: TRACING,
      description: 'otlp, console or zipkin (comma-separated); `none` = off.',
      shownDefault: '(unset = off)',
    }),
    OTEL_EXPORTER_OTLP_ENDPOINT: documented(z.string().optional(), {
      group: TRACING,
      description: 'Collector base URL, e.g. http://otel-collector:4318; setting it turns traces on (OTLP).',
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: documented(z.string().optional(), {
      group: TRACING,
      description: 'Full traces URL, e.g. http://otel-collector:4318/v1/traces; turns traces on too.',
    }),
    OTEL_EXPORTER_OTLP_PROTOCOL: documented(z.string().optional(), {
      group: TRACING,
      description: 'http/protobuf, http/json or grpc.',
      shownDefault: 'http/protobuf',
    }),
    OTEL_EXPORTER_OTLP_HEADERS: documented(z.string().optional(), {
      group: TRACING,
      description: 'Headers for the collector, e.g. `authorization=Bearer abc`.',
      secret: true,
    }),
    OTEL_SERVICE_NAME: documented(z.string().optional(), {
      group: TRACING,
      description: '`service.name` of the spans.',
      shownDefault: 'horizon-player-state-subgraph',
    }),
    OTEL_RESOURCE_ATTRIBUTES: documented(z.string().optional(), {
      group: TRACING,
      description: 'e.g. `deployment.environment=prod,service.version=1.4.0`.',
    }),
    OTEL_TRACES_SAMPLER: documented(z.string().optional(), {
      group: TRACING,
      description:
        "e.g. parentbased_traceidratio: follows the gateway's decision, samples new traces by ratio.",
      shownDefault: 'parentbased_always_on',
    }),
    OTEL_TRACES_SAMPLER_ARG: documented(z.string().optional(), {
      group: TRACING,
      description: 'e.g. 0.1 for 10 % of new traces.',
    }),
    OTEL_PROPAGATORS: documented(z.string().optional(), {
      group: TRACING,
      description: 'W3C traceparent/tracestate/baggage from the gateway.',
      shownDefault: 'tracecontext,baggage',
    }),
    OTEL_SDK_DISABLED: documented(z.string().optional(), {
      group: TRACING,
      description: '`true` turns tracing off whatever else is set.',
      shownDefault: 'false',
    }),
  })
  .superRefine((env, ctx) => {
    const secret = env.HORIZON_APP_SECRET ?? env.HORIZON_APP_SECRET_FILE;
    if (env.HORIZON_APP_SECRET && env.HORIZON_APP_SECRET_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['HORIZON_APP_SECRET_FILE'],
        message: 'cannot be set together with HORIZON_APP_SECRET (not both): keep one of them',
      });
    }
    if (env.HORIZON_APP_ID !== undefined && secret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['HORIZON_APP_SECRET'],
        message:
          'must be set (or HORIZON_APP_SECRET_FILE) because HORIZON_APP_ID is; unset both to run against the embedded emulator',
      });
    }
    if (env.HORIZON_APP_ID === undefined && secret !== undefined) {
      const given = env.HORIZON_APP_SECRET ? 'HORIZON_APP_SECRET' : 'HORIZON_APP_SECRET_FILE';
      ctx.addIssue({
        code: 'custom',
        path: ['HORIZON_APP_ID'],
        message: `must be set because ${given} is; unset both to run against the embedded emulator`,
      });
    }
    if (env.NODE_ENV === 'production' && env.HORIZON_APP_ID === undefined && secret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['HORIZON_APP_ID'],
        message:
          'and HORIZON_APP_SECRET (or HORIZON_APP_SECRET_FILE) must be set when NODE_ENV=production: production never serves the demo data of the embedded emulator',
      });
    }
    if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWKS_URL'],
        message:
          'cannot be set together with AUTH_JWT_SECRET: use AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256), not both',
      });
    }
  });

/** A documented variable of the configuration: name, schema and documentation. */
export interface DocumentedVariable extends VariableDoc {
  name: string;
  /** The default as the reference shows it. */
  default: string;
}

/** Every variable the subgraph reads, in the reference's order, with its documentation. */
export function configVariables(): DocumentedVariable[] {
  return Object.entries(EnvSchema.shape).map(([name, schema]) => {
    const doc = schema.meta() as VariableDoc | undefined;
    if (!doc?.description) throw new Error(`config: ${name} has no documentation (wrap it in documented())`);
    const parsedDefault = schema.safeParse(undefined);
    const fallback =
      parsedDefault.success && parsedDefault.data !== undefined ? String(parsedDefault.data) : '(unset)';
    return { ...doc, name, default: doc.shownDefault ?? fallback };
  });
}

/** The subgraph's settings. */
export interface Config {
  /** Real Meta credentials, or undefined to start the embedded emulator with the demo fixture. */
  credentials?: { appId: string; appSecret: string };
  /** Base URL of the S2S API (ignored when the embedded emulator runs). */
  graphUrl: string;
  port: number;
  host: string;
  /** TTL of the cross-request caches (definitions, leaderboards, catalog), in milliseconds. */
  cacheTtlMs: number;
  /** Connection cap of the upstream pool. */
  maxConnections: number;
  /** Total time of one upstream read attempt, headers and body, in milliseconds. */
  timeoutMs: number;
  /** The same for writes. */
  writeTimeoutMs: number;
  /** Largest upstream response body accepted, bytes. */
  maxResponseBytes: number;
  /** How long a refused optional upstream field is left out, ms. */
  fieldRefusalTtlMs: number;
  /** Upstream DELETEs in flight at once. */
  deleteConcurrency: number;
  /** How many upstream calls of one DataLoader batch run at once. */
  batchConcurrency: number;
  /** Upstream retries, circuit breakers and bulkhead. */
  resilience: ResilienceOptions;
  /** How callers' JWTs are verified, or `disabled` (local runs only). */
  auth: { mode: 'disabled' } | { mode: 'jwt'; options: AuthOptions };
  /** Whether introspection and the landing page are on (off by default in production). */
  introspection: boolean;
  /** Query limits applied before execution. */
  limits: QueryLimits;
  /** Whether the served SDL carries `@requiresScopes`/`@authenticated` (false for `@apollo/gateway`). */
  securityDirectives: boolean;
  /** Shared secret the router sends in `router-authorization`; undefined accepts any caller. */
  routerSecret?: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Human-readable logs when stdout is a terminal (needs the pino-pretty dev dependency). */
  logPretty: boolean;
  /** How long the upstream may be unreachable before `/readyz` says not ready, ms; 0 ignores it. */
  readinessUpstreamGraceMs: number;
  /** How long shutdown lets in-flight requests finish before cutting connections, ms. */
  shutdownTimeoutMs: number;
  /** How long shutdown keeps serving after `/readyz` turned not ready, ms (load balancer lag). */
  shutdownDelayMs: number;
  /** Delay the embedded emulator adds to every response, ms (demos and tests only). */
  emulatorLatencyMs: number;
  /** The embedded emulator's strict mode and latency profile (demo and tests only). */
  emulatorMode: { strict: boolean; latencyProfile: 'off' | 'realistic' };
  /** Shared state across replicas (`REDIS_URL`); undefined keeps everything in this process. */
  redis?: { url: string; keyPrefix: string };
  /** The app's upstream budget (`HORIZON_RATE_LIMIT`); undefined = none. */
  rateLimit?: RateLimit;
  /** Purchase events from Meta's webhooks: the log's bounds and `/webhooks/horizon`. */
  purchaseEvents: PurchaseEventsConfig;
  /** Exports (docs/export.md): ids per `POST /exports/players`, and calls/s without a budget. */
  export: { maxIds: number; maxRate: number };
}

/** `HORIZON_EVENTS_*` and `HORIZON_WEBHOOK_*`. */
export interface PurchaseEventsConfig {
  /** Events kept in the Redis stream (`HORIZON_EVENTS_MAX`). */
  streamMax: number;
  /** Events kept in memory without Redis (`HORIZON_EVENTS_MEMORY_MAX`). */
  memoryMax: number;
  /** How long a delivery's dedupe key lives, s (`HORIZON_WEBHOOK_DEDUPE_TTL_S`). */
  dedupeTtlSeconds: number;
  /** `/webhooks/horizon`, when `HORIZON_WEBHOOK_VERIFY_TOKEN` is set. */
  webhook?: {
    verifyToken: string;
    /** `HORIZON_WEBHOOK_SECRET`; undefined = the app secret. */
    secret?: string;
    allowUnsigned: boolean;
  };
}

/** Thrown for a bad environment; the message names each offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `FOO= npm start` should behave like not setting FOO.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw invalid(...parsed.error.issues.map((issue) => describeIssue(issue, present)));
  }
  const e = parsed.data;
  const appSecret =
    e.HORIZON_APP_SECRET ?? (e.HORIZON_APP_SECRET_FILE && readSecretFile(e.HORIZON_APP_SECRET_FILE));
  const credentials = e.HORIZON_APP_ID && appSecret ? { appId: e.HORIZON_APP_ID, appSecret } : undefined;
  return {
    credentials,
    graphUrl: e.HORIZON_GRAPH_URL,
    port: e.PORT,
    // Demo data comes with auth off: keep it off the network unless HOST says otherwise.
    host: e.HOST ?? (credentials ? '0.0.0.0' : '127.0.0.1'),
    cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
    maxConnections: e.HORIZON_MAX_CONNECTIONS,
    timeoutMs: e.HORIZON_TIMEOUT_MS,
    writeTimeoutMs: e.HORIZON_WRITE_TIMEOUT_MS,
    maxResponseBytes: e.HORIZON_MAX_RESPONSE_BYTES,
    fieldRefusalTtlMs: e.HORIZON_FIELD_REFUSAL_TTL_MS,
    deleteConcurrency: e.HORIZON_DELETE_CONCURRENCY,
    batchConcurrency: e.HORIZON_BATCH_CONCURRENCY,
    resilience: {
      retry: {
        maxAttempts: e.HORIZON_RETRY_MAX_ATTEMPTS,
        budgetMs: e.HORIZON_RETRY_BUDGET_MS,
        baseDelayMs: e.HORIZON_RETRY_BASE_DELAY_MS,
      },
      breaker: { threshold: e.HORIZON_BREAKER_THRESHOLD, cooldownMs: e.HORIZON_BREAKER_COOLDOWN_MS },
      bulkhead: { maxConcurrent: e.HORIZON_MAX_CONCURRENT_CALLS, maxQueued: e.HORIZON_MAX_QUEUED_CALLS },
    },
    auth: authConfig(e),
    introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    limits: {
      maxUpstreamCost: e.MAX_UPSTREAM_COST,
      maxDepth: e.MAX_QUERY_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_QUERY_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
      deadlineMs: e.REQUEST_DEADLINE_MS,
    },
    securityDirectives: e.FEDERATION_SECURITY_DIRECTIVES === 'true',
    routerSecret: e.ROUTER_SECRET,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY === 'true',
    readinessUpstreamGraceMs: e.READINESS_UPSTREAM_GRACE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    emulatorLatencyMs: e.EMULATOR_LATENCY_MS,
    emulatorMode: { strict: e.EMULATOR_STRICT === 'true', latencyProfile: e.EMULATOR_LATENCY_PROFILE },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
    rateLimit: e.HORIZON_RATE_LIMIT,
    export: { maxIds: e.EXPORT_MAX_IDS, maxRate: e.EXPORT_MAX_RATE },
    purchaseEvents: {
      streamMax: e.HORIZON_EVENTS_MAX,
      memoryMax: e.HORIZON_EVENTS_MEMORY_MAX,
      dedupeTtlSeconds: e.HORIZON_WEBHOOK_DEDUPE_TTL_S,
      webhook: e.HORIZON_WEBHOOK_VERIFY_TOKEN
        ? {
            verifyToken: e.HORIZON_WEBHOOK_VERIFY_TOKEN,
            secret: e.HORIZON_WEBHOOK_SECRET,
            allowUnsigned: e.HORIZON_WEBHOOK_ALLOW_UNSIGNED === 'true',
          }
        : undefined,
    },
  };
}

/**
 * Enforcement is on whenever a key is configured. Without one it is off only when asked
 * (`AUTH_DISABLED=true`) or when the embedded emulator serves demo data; with real Meta
 * credentials and no decision, startup fails rather than expose privileged mutations.
 */
function authConfig(e: z.infer<typeof EnvSchema>): Config['auth'] {
  if (e.AUTH_JWT_SECRET || e.AUTH_JWKS_URL) {
    if (e.AUTH_DISABLED === 'true') {
      throw invalid(
        'AUTH_DISABLED cannot be true while AUTH_JWT_SECRET or AUTH_JWKS_URL is set: unset one of them',
      );
    }
    return {
      mode: 'jwt',
      options: {
        jwtSecret: e.AUTH_JWT_SECRET,
        jwksUrl: e.AUTH_JWKS_URL,
        issuer: e.AUTH_ISSUER,
        audience: e.AUTH_AUDIENCE,
        maxTokenAgeSeconds: e.AUTH_MAX_TOKEN_AGE_SECONDS,
      },
    };
  }
  const emulator = e.HORIZON_APP_ID === undefined;
  if (e.AUTH_DISABLED === 'true' || (emulator && e.AUTH_DISABLED !== 'false')) return { mode: 'disabled' };
  throw invalid(
    'AUTH_JWT_SECRET is needed: mutations change player state and money, so callers must be authenticated. ' +
      'Set AUTH_JWT_SECRET (HS256 shared key) or AUTH_JWKS_URL (RS256/ES256 keys) to verify the JWT the gateway forwards, ' +
      'or AUTH_DISABLED=true to accept every caller (only behind a gateway that enforces @requiresScopes).',
  );
}

/** A mounted secret file (Kubernetes, Docker secrets): its content without the trailing newline. */
function readSecretFile(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw invalid(
      `HORIZON_APP_SECRET_FILE cannot be read: ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  if (!content) throw invalid(`HORIZON_APP_SECRET_FILE names an empty file: ${path}`);
  return content;
}

/** A `ConfigError` listing one line per problem. */
function invalid(...lines: string[]): ConfigError {
  return new ConfigError(`Invalid configuration:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}

/** `PORT must be a whole number 0–65535 (got "abc")`; a secret's value is never echoed. */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '(environment)');
  const raw = env[name];
  const schema = EnvSchema.shape[name as keyof typeof EnvSchema.shape] as z.ZodType | undefined;
  const secret = (schema?.meta() as VariableDoc | undefined)?.secret;
  const got =
    raw === undefined || secret || issue.code === 'custom'
      ? ''
      : ` (got "${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}")`;
  return `${name} ${issue.message}${got}`;
}
