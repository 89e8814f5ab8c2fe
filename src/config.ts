import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AuthOptions } from './graphql/auth/jwt-verifier.ts';
import type { QueryLimits } from './graphql/limits/query-limits.ts';
import { RESILIENCE_DEFAULTS as RESILIENCE, type ResilienceOptions } from './horizon/index.ts';

/** A whole number within `[min, max]`, `fallback` when unset (resilience settings; see the client). */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Configuration, parsed once from the environment. Every variable is documented in the README's
 * configuration table; an invalid value fails startup with a message naming the variable.
 */
const EnvSchema = z
  .object({
    HORIZON_APP_ID: z
      .string()
      .regex(/^\d{1,20}$/, 'must be the numeric app id from the developer dashboard')
      .optional(),
    HORIZON_APP_SECRET: z.string().min(1, 'must not be empty').optional(),
    HORIZON_APP_SECRET_FILE: z.string().min(1).optional(),
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 key)').optional(),
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_DISABLED: z.enum(['true', 'false']).optional(),
    NODE_ENV: z.string().optional(),
    GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
    FEDERATION_SECURITY_DIRECTIVES: z.enum(['true', 'false']).default('true'),
    MAX_UPSTREAM_COST: z.coerce.number().int().min(1).max(100_000).default(250),
    MAX_QUERY_DEPTH: z.coerce.number().int().min(10).max(100).default(15),
    MAX_ALIASES: z.coerce.number().int().min(1).max(1000).default(30),
    MAX_QUERY_TOKENS: z.coerce.number().int().min(100).max(100_000).default(3000),
    MAX_DIRECTIVES: z.coerce.number().int().min(1).max(1000).default(30),
    HORIZON_GRAPH_URL: z.url({ protocol: /^https?$/ }).default('https://graph.oculus.com'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4001),
    HOST: z.string().min(1).default('0.0.0.0'),
    CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    HORIZON_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(256),
    HORIZON_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(2_000),
    HORIZON_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(128),
    HORIZON_RETRY_MAX_ATTEMPTS: wholeNumber(1, 10, RESILIENCE.retry.maxAttempts),
    HORIZON_RETRY_BUDGET_MS: wholeNumber(0, 120_000, RESILIENCE.retry.budgetMs),
    HORIZON_RETRY_BASE_DELAY_MS: wholeNumber(0, 60_000, RESILIENCE.retry.baseDelayMs),
    HORIZON_BREAKER_THRESHOLD: wholeNumber(1, 10_000, RESILIENCE.breaker.threshold),
    HORIZON_BREAKER_COOLDOWN_MS: wholeNumber(1, 3_600_000, RESILIENCE.breaker.cooldownMs),
    HORIZON_MAX_CONCURRENT_CALLS: wholeNumber(1, 10_000, RESILIENCE.bulkhead.maxConcurrent),
    HORIZON_MAX_QUEUED_CALLS: wholeNumber(0, 1_000_000, RESILIENCE.bulkhead.maxQueued),
    ROUTER_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: z.enum(['true', 'false']).default('false'),
    READINESS_UPSTREAM_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
    EMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  })
  .refine((env) => !(env.HORIZON_APP_SECRET && env.HORIZON_APP_SECRET_FILE), {
    message: 'set HORIZON_APP_SECRET or HORIZON_APP_SECRET_FILE, not both',
    path: ['HORIZON_APP_SECRET_FILE'],
  })
  .refine((env) => !(env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL), {
    message: 'set AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256), not both',
    path: ['AUTH_JWKS_URL'],
  })
  .refine(
    (env) =>
      (env.HORIZON_APP_ID === undefined) ===
      ((env.HORIZON_APP_SECRET ?? env.HORIZON_APP_SECRET_FILE) === undefined),
    {
      message:
        'HORIZON_APP_ID and HORIZON_APP_SECRET (or HORIZON_APP_SECRET_FILE) must be set together (leave both unset to run against the embedded emulator)',
      path: ['HORIZON_APP_ID'],
    },
  );

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
  /** Upstream timeout for headers, and again for the body, in milliseconds. */
  timeoutMs: number;
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
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const appSecret =
    e.HORIZON_APP_SECRET ?? (e.HORIZON_APP_SECRET_FILE && readSecretFile(e.HORIZON_APP_SECRET_FILE));
  return {
    credentials: e.HORIZON_APP_ID && appSecret ? { appId: e.HORIZON_APP_ID, appSecret } : undefined,
    graphUrl: e.HORIZON_GRAPH_URL,
    port: e.PORT,
    host: e.HOST,
    cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
    maxConnections: e.HORIZON_MAX_CONNECTIONS,
    timeoutMs: e.HORIZON_TIMEOUT_MS,
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
    },
    securityDirectives: e.FEDERATION_SECURITY_DIRECTIVES === 'true',
    routerSecret: e.ROUTER_SECRET,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY === 'true',
    readinessUpstreamGraceMs: e.READINESS_UPSTREAM_GRACE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    emulatorLatencyMs: e.EMULATOR_LATENCY_MS,
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
      throw new ConfigError(
        'Invalid configuration:\n  AUTH_DISABLED: cannot be true while AUTH_JWT_SECRET or AUTH_JWKS_URL is set',
      );
    }
    return {
      mode: 'jwt',
      options: {
        jwtSecret: e.AUTH_JWT_SECRET,
        jwksUrl: e.AUTH_JWKS_URL,
        issuer: e.AUTH_ISSUER,
        audience: e.AUTH_AUDIENCE,
      },
    };
  }
  const emulator = e.HORIZON_APP_ID === undefined;
  if (e.AUTH_DISABLED === 'true' || (emulator && e.AUTH_DISABLED !== 'false')) return { mode: 'disabled' };
  throw new ConfigError(
    'Invalid configuration:\n  AUTH_JWT_SECRET: mutations change player state and money, so callers must be authenticated. ' +
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
    throw new ConfigError(
      `Invalid configuration:\n  HORIZON_APP_SECRET_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  if (!content) throw new ConfigError(`Invalid configuration:\n  HORIZON_APP_SECRET_FILE: ${path} is empty`);
  return content;
}
