import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { UpstreamObserver, UpstreamOutcome } from '../horizon/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import { reachabilityOfError, type Readiness } from './readiness.ts';
import { redact } from '../horizon/redact.ts';
import { currentScope, requestSecrets } from './request-scope.ts';
import { tracer } from './tracing.ts';

/** What the upstream observer reports to. */
export interface UpstreamObserverDependencies {
  metrics: Metrics;
  logger: Logger;
  readiness?: Readiness;
}

/**
 * Watches every HTTP attempt of the Horizon client: a duration and in-flight count by route
 * template, a CLIENT span (child of the request's span, since the observer runs in the caller's
 * async context), one more upstream call on the current request's scope, the reachability that
 * `/readyz` reads, and a log line for each failure with its route, status, Graph code and
 * `fbtrace_id` (the id Meta support asks for).
 */
export function createUpstreamObserver(deps: UpstreamObserverDependencies): UpstreamObserver {
  const { metrics, logger, readiness } = deps;
  // Refused app credentials fail every call: one error-level line a minute, the rest at warn.
  const credentialsLog = everyMs(60_000);
  return {
    onCallStart({ route, method }) {
      const scope = currentScope();
      if (scope) scope.upstreamCalls += 1;
      const stop = metrics.upstreamStarted(route);
      const span = tracer.startSpan(route, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'url.template': route.slice(route.indexOf(' ') + 1),
          'horizon.route': route,
        },
      });
      let ended = false;
      return (outcome: UpstreamOutcome) => {
        if (ended) return;
        ended = true;
        const { status, error, fbtraceId } = outcome;
        stop(status !== undefined ? String(status) : (error?.kind ?? 'unknown'));

        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        // Spans leave the process (OTLP): upstream text in them loses the request's credentials
        // too (the client already removed the app's and the call's own).
        if (fbtraceId) span.setAttribute('horizon.fbtrace_id', redact(fbtraceId, requestSecrets()));
        if (error) {
          if (error.code !== undefined) span.setAttribute('horizon.graph.error_code', error.code);
          span.setAttribute('error.type', status !== undefined ? String(status) : error.kind);
          span.setStatus({ code: SpanStatusCode.ERROR, message: redact(error.message, requestSecrets()) });
        }
        span.end();

        if (error) {
          if (scope) scope.upstreamFailures += 1;
          const reachability = reachabilityOfError(error);
          if (reachability) readiness?.recordUpstream(reachability);
          if (error.isAppCredentialsRejected) {
            readiness?.recordCredentials(
              `${route}: Meta refused the app credentials (HORIZON_APP_ID / HORIZON_APP_SECRET)`,
            );
          }
          const level =
            error.isAppCredentialsRejected && credentialsLog.due()
              ? 'error'
              : error.isNotFound
                ? 'info'
                : 'warn';
          logger[level](
            {
              requestId: scope?.requestId,
              route,
              status: status ?? null,
              kind: error.kind,
              graphCode: error.code ?? null,
              graphSubcode: error.subcode ?? null,
              fbtraceId: fbtraceId ?? error.fbtraceId ?? null,
              transient: error.transient,
              error: error.message,
            },
            'upstream call failed',
          );
        } else {
          readiness?.recordUpstream({ reachable: true });
          readiness?.recordCredentials(undefined);
        }
      };
    },
  };
}

/** `due()` is true at most once per `ms`. */
function everyMs(ms: number): { due(): boolean } {
  let last = Number.NEGATIVE_INFINITY;
  return {
    due() {
      const now = Date.now();
      if (now - last < ms) return false;
      last = now;
      return true;
    },
  };
}
