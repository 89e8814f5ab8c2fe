import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Request, Response } from 'express';

/** Name of our tracer (the instrumentation scope in exported spans). */
export const TRACER_NAME = 'horizon-player-state-subgraph';

/** Default `service.name` when `OTEL_SERVICE_NAME` is not set. */
export const DEFAULT_SERVICE_NAME = 'horizon-player-state-subgraph';

/** The tracer every span of ours comes from; a no-op until `startTracing` registers a provider. */
export const tracer = trace.getTracer(TRACER_NAME);

/** A started tracing setup. */
export interface Tracing {
  /** False when the environment left tracing off; everything then costs next to nothing. */
  readonly enabled: boolean;
  /** Flushes pending spans and stops exporting (call once, at shutdown). */
  shutdown(): Promise<void>;
}

/** Options of `startTracing`. */
export interface TracingOptions {
  /**
   * Span processors to use instead of the exporters named by `OTEL_TRACES_EXPORTER` (tests pass
   * an in-memory exporter here). Giving them turns tracing on regardless of the environment,
   * unless `OTEL_SDK_DISABLED=true`.
   */
  spanProcessors?: SpanProcessor[];
}

/**
 * Whether the standard `OTEL_*` variables ask for traces. Tracing is off by default: unlike the
 * SDK's own default (an OTLP exporter to localhost), a subgraph started without any OTEL_*
 * variable exports nothing. `OTEL_SDK_DISABLED=true` wins over everything.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return !(exporters.length === 1 && exporters[0] === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the OpenTelemetry Node SDK for traces when the environment asks for it (see
 * `tracingRequested`): exporters, sampler, propagators (W3C `traceparent` by default), resource
 * and limits all come from the standard `OTEL_*` variables. Only traces: metrics are served by
 * `/metrics` and logs go to stdout, so the SDK's metric and log exporters are not started.
 * No auto-instrumentation is loaded (the current releases need Node 22); our spans are made by
 * the GraphQL request middleware and plugin and by the upstream observer.
 */
export async function startTracing(
  env: NodeJS.ProcessEnv = process.env,
  options: TracingOptions = {},
): Promise<Tracing> {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  if (disabled || (!options.spanProcessors && !tracingRequested(env))) {
    return { enabled: false, shutdown: async () => {} };
  }
  // Loaded only when asked for: the SDK and its exporters are a large import.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // The SDK reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES itself; ours is only the fallback.
    serviceName: namesService(env) ? undefined : DEFAULT_SERVICE_NAME,
    spanProcessors: options.spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}

function namesService(env: NodeJS.ProcessEnv): boolean {
  return (
    Boolean(env.OTEL_SERVICE_NAME?.trim()) ||
    /(^|,)\s*service\.name=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')
  );
}

/**
 * Starts the SERVER span of one GraphQL HTTP request, continuing the caller's trace from its
 * `traceparent` (through the registered propagator), and ends it when the response is done.
 * Returns the context to run the request in, so resolvers, loaders and upstream calls nest under
 * it. The operation plugin names it once the operation is known (`query UserProfile`).
 */
export function startRequestSpan(req: Request, res: Response, requestId: string): Context {
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    `${req.method} /graphql`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'http.route': '/graphql',
        'horizon.request_id': requestId,
      },
    },
    parent,
  );
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return trace.setSpan(parent, span);
}

/** The span of the request whose async work is running (a non-recording one when tracing is off). */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}

/** Runs `work` inside `ctx`. */
export function withContext<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}
