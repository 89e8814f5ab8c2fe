/**
 * Operations: per-operation log lines, Prometheus metrics, OpenTelemetry spans, readiness.
 * `createObservability` wires them once per server; give its `upstreamObserver` and
 * `onUnknownValue` to the `HorizonClient` and the whole object to `startServer`.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { CoolDownHooks, UpstreamObserver } from '../horizon/index.ts';
import type { LoaderHooks } from '../graphql/loaders/per-key-loader.ts';
import type { SharedListHooks } from '../graphql/loaders/shared-list.ts';
import type { Logger } from '../logger.ts';
import { Metrics } from './metrics.ts';
import { operationPlugin, refusalRecorder, type Refusal } from './operation-plugin.ts';
import { Readiness } from './readiness.ts';
import { createUnknownValueReporter } from './unknown-values.ts';
import { createUpstreamObserver } from './upstream-observer.ts';

export { Metrics, type CacheName, type OperationOutcome } from './metrics.ts';
export { Readiness, type ReadinessReport } from './readiness.ts';
export type { Refusal } from './operation-plugin.ts';
export { graphqlRequestScope, requestId, requestSecrets, REQUEST_ID_HEADER } from './request-scope.ts';
export { startTracing, tracingRequested, type Tracing } from './tracing.ts';

/** Options of `createObservability`. */
export interface ObservabilityOptions {
  logger: Logger;
  /** See `READINESS_UPSTREAM_GRACE_MS`. Default 30 000; 0 leaves the upstream out of readiness. */
  readinessUpstreamGraceMs?: number;
  /** Distinct operation names kept as metric labels. Default 200. */
  maxOperationNames?: number;
  /** Collect Node's default process metrics. Default true. */
  defaultMetrics?: boolean;
}

/** Everything one server reports through. */
export interface Observability {
  metrics: Metrics;
  readiness: Readiness;
  /** For `HorizonClientOptions.observer`. */
  upstreamObserver: UpstreamObserver;
  /** For `HorizonClientOptions.onUnknownValue`: a warning once per (field, value), and a counter. */
  onUnknownValue: (field: string, value: string) => void;
  /** For `HorizonClientOptions.onFieldRefused`: a warning and a count per refusal (at most one per route, field and TTL). */
  onFieldRefused: (route: string, field: string) => void;
  /** For `ThrottleCoolDown`'s hooks: a warning and a count per pause of the app after Meta throttled it. */
  coolDownHooks: CoolDownHooks;
  /** For the per-request loaders. */
  loaderHooks: LoaderHooks;
  /** For the shared TTL caches. */
  cacheHooks: SharedListHooks;
  /** The Apollo plugin: one log line, metrics and the span name per operation. */
  plugin: ApolloServerPlugin;
  /** The same line and metrics for a request refused before Apollo (outcome `rejected`). */
  recordRefusal: (refusal: Refusal) => void;
}

export function createObservability(options: ObservabilityOptions): Observability {
  const { logger } = options;
  const metrics = new Metrics({
    maxOperationNames: options.maxOperationNames,
    defaultMetrics: options.defaultMetrics,
  });
  const readiness = new Readiness({ upstreamGraceMs: options.readinessUpstreamGraceMs ?? 30_000 });
  return {
    metrics,
    readiness,
    upstreamObserver: createUpstreamObserver({ metrics, logger, readiness }),
    onUnknownValue: createUnknownValueReporter({ metrics, logger }),
    onFieldRefused: (route, field) => {
      metrics.countRefusedField(route, field);
      logger.warn(
        { route, field },
        'upstream refused an optional field: it is left out of this route for HORIZON_FIELD_REFUSAL_TTL_MS and the GraphQL fields it fed are null',
      );
    },
    coolDownHooks: {
      onBegin: (ms, origin) => {
        metrics.countCoolDown(origin);
        logger.warn(
          { pauseMs: ms, origin },
          origin === 'local'
            ? 'Meta throttled this app: every upstream call pauses (answered RATE_LIMITED with retryAfterMs)'
            : 'another replica was throttled by Meta: every upstream call of this replica pauses too',
        );
      },
    },
    loaderHooks: {
      onBatch: (loader, size) => metrics.observeBatch(loader, size),
      onMemoLookup: (loader, hit) => metrics.cacheLookup(`loader:${loader}`, hit),
    },
    cacheHooks: { onLookup: (cache, hit) => metrics.cacheLookup(cache, hit) },
    plugin: operationPlugin({ logger, metrics }),
    recordRefusal: refusalRecorder({ logger, metrics }),
  };
}
