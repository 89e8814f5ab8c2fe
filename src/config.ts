import { z } from 'zod';

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
    HORIZON_GRAPH_URL: z.url({ protocol: /^https?$/ }).default('https://graph.oculus.com'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4001),
    HOST: z.string().min(1).default('0.0.0.0'),
    CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    HORIZON_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(32),
    HORIZON_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(10_000),
    HORIZON_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    ROUTER_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((env) => (env.HORIZON_APP_ID === undefined) === (env.HORIZON_APP_SECRET === undefined), {
    message:
      'HORIZON_APP_ID and HORIZON_APP_SECRET must be set together (leave both unset to run against the embedded emulator)',
    path: ['HORIZON_APP_ID'],
  });

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
  /** Shared secret the router sends in `router-authorization`; undefined accepts any caller. */
  routerSecret?: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
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
  return {
    credentials:
      e.HORIZON_APP_ID && e.HORIZON_APP_SECRET
        ? { appId: e.HORIZON_APP_ID, appSecret: e.HORIZON_APP_SECRET }
        : undefined,
    graphUrl: e.HORIZON_GRAPH_URL,
    port: e.PORT,
    host: e.HOST,
    cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
    maxConnections: e.HORIZON_MAX_CONNECTIONS,
    timeoutMs: e.HORIZON_TIMEOUT_MS,
    batchConcurrency: e.HORIZON_BATCH_CONCURRENCY,
    routerSecret: e.ROUTER_SECRET,
    logLevel: e.LOG_LEVEL,
  };
}
