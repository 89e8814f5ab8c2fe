import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger.ts';
import type { Metrics, OperationOutcome } from './metrics.ts';
import { currentScope, type RequestScope } from './request-scope.ts';
import { activeSpan } from './tracing.ts';

/** What the operation plugin reports to. */
export interface OperationPluginDependencies {
  logger: Logger;
  metrics: Metrics;
}

/** Longest operation name written to a log line or span as is. */
const MAX_LOGGED_NAME = 100;

/**
 * One log line, one duration sample and the span name per GraphQL operation. The line says what
 * ran (`operationName`, `operationType`), how long it took, how many upstream HTTP attempts it
 * cost (counted on the request scope by the upstream observer), which error codes it returned,
 * and the request id that ties it to the gateway's logs and to `upstream call failed` lines.
 * Requests refused before they become an operation (context creation failed, malformed request)
 * get the same line (type `unknown`, outcome `rejected`, with a `rejection`), so every GraphQL
 * request is one line; `refusalRecorder` writes it for the requests refused before Apollo.
 */
export function operationPlugin(deps: OperationPluginDependencies): ApolloServerPlugin {
  const { logger, metrics } = deps;
  // Per operation, keyed by Apollo's request context (the same object in every hook).
  const running = new WeakMap<object, Running>();

  /** Records the operation once: from `willSendResponse`, or from the unexpected-error hook. */
  function finish(
    state: Running,
    operation: { operation: string } | undefined,
    operationName: string | null | undefined,
    errors: readonly Pick<GraphQLFormattedError, 'extensions'>[],
    hasData: boolean,
    rejection?: string,
  ): void {
    if (state.done) return;
    state.done = true;
    const { scope, span } = state;
    const seconds = Number(process.hrtime.bigint() - state.started) / 1e9;
    const codes = errors.map(codeOf);
    const errorCodes = [...new Set(codes)].sort();
    const outcome: OperationOutcome = rejection
      ? 'rejected'
      : errors.length === 0
        ? 'success'
        : hasData
          ? 'partial'
          : 'error';
    const operationType = operation?.operation ?? 'unknown';

    metrics.observeOperation(
      { operationName: metrics.operationName(operationName), operationType, outcome },
      seconds,
    );
    for (const code of codes) metrics.countError(code);

    if (span) {
      span.setAttribute('horizon.upstream_calls', scope?.upstreamCalls ?? 0);
      if (errorCodes.length > 0) span.setAttribute('graphql.error_codes', errorCodes);
      if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodes.join(',') });
    }
    const traceId = span?.isRecording() ? span.spanContext().traceId : undefined;
    logger.info(
      {
        requestId: scope?.requestId,
        operationName: operationName?.slice(0, MAX_LOGGED_NAME) ?? null,
        operationType,
        durationMs: Math.round(seconds * 10_000) / 10,
        upstreamCalls: scope?.upstreamCalls ?? 0,
        upstreamFailures: scope?.upstreamFailures ?? 0,
        errorCodes,
        outcome,
        ...(rejection ? { rejection } : {}),
        ...(traceId ? { traceId } : {}),
      },
      'graphql operation',
    );
  }

  /** A request refused before it became an operation: the same line, type `unknown`. */
  function rejected(error: Error, rejection: string): void {
    const scope = currentScope();
    const state: Running = {
      started: scope?.startedAt ?? process.hrtime.bigint(),
      scope,
      span: activeSpan(),
      done: false,
    };
    finish(state, undefined, null, [error as { extensions?: Record<string, unknown> }], false, rejection);
  }

  return {
    async requestDidStart(requestContext) {
      const scope = currentScope();
      const state: Running = {
        // From when the request entered its scope: context creation (JWT checks) counts too.
        started: scope?.startedAt ?? process.hrtime.bigint(),
        scope,
        span: activeSpan(),
        done: false,
      };
      running.set(requestContext, state);
      return {
        async didResolveOperation({ operation, operationName }) {
          const type = operation?.operation;
          if (!state.span || !type) return;
          const name = operationName ? operationName.slice(0, MAX_LOGGED_NAME) : undefined;
          state.span.updateName(name ? `${type} ${name}` : type);
          state.span.setAttribute('graphql.operation.type', type);
          if (name) state.span.setAttribute('graphql.operation.name', name);
        },

        async willSendResponse({ operation, operationName, response }) {
          const { errors, hasData } = resultOf(response);
          finish(state, operation, operationName, errors, hasData);
        },
      };
    },

    // A plugin that throws (e.g. while parsing) ends the request without `willSendResponse`.
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      const state = running.get(requestContext);
      if (!state) return;
      const graphqlError = error as { extensions?: Record<string, unknown> };
      finish(state, requestContext.operation, requestContext.operationName, [graphqlError], false);
    },

    async contextCreationDidFail({ error }) {
      rejected(error, 'context creation failed');
    },

    async invalidRequestWasReceived({ error }) {
      rejected(error, 'invalid request');
    },
  };
}

/** An HTTP request refused before Apollo saw it, as `refusalRecorder` records it. */
export interface Refusal {
  /** The id `requestId` chose, when that middleware ran. */
  requestId?: string;
  /** `process.hrtime.bigint()` when the request arrived, when known. */
  startedAt?: bigint;
  /** The `extensions.code` the answer carried. */
  code: string;
  /** The HTTP status of the answer. */
  status: number;
  /** Why, in a few fixed words (`body is not JSON`, `unknown path`, ...). */
  rejection: string;
}

/**
 * For requests refused before they reach Apollo (body parser failures, unknown paths, not ready
 * yet, missing router secret): the operation log line with outcome `rejected`, an operation
 * duration sample and a count of the error code, as for any GraphQL request. At `info`: these
 * are the caller's mistakes, not ours.
 */
export function refusalRecorder(deps: OperationPluginDependencies): (refusal: Refusal) => void {
  const { logger, metrics } = deps;
  return (refusal) => {
    const seconds =
      refusal.startedAt === undefined ? 0 : Number(process.hrtime.bigint() - refusal.startedAt) / 1e9;
    metrics.observeOperation(
      { operationName: metrics.operationName(null), operationType: 'unknown', outcome: 'rejected' },
      seconds,
    );
    metrics.countError(refusal.code);
    logger.info(
      {
        requestId: refusal.requestId,
        operationName: null,
        operationType: 'unknown',
        durationMs: Math.round(seconds * 10_000) / 10,
        upstreamCalls: 0,
        upstreamFailures: 0,
        errorCodes: [refusal.code],
        outcome: 'rejected' satisfies OperationOutcome,
        rejection: refusal.rejection,
        status: refusal.status,
      },
      'graphql operation',
    );
  };
}

/** One operation in progress. */
interface Running {
  started: bigint;
  scope?: RequestScope;
  span?: Span;
  done: boolean;
}

/** The errors of a response (first payload for incremental delivery) and whether it has data. */
function resultOf(response: GraphQLResponse): {
  errors: readonly GraphQLFormattedError[];
  hasData: boolean;
} {
  const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
  return { errors: result.errors ?? [], hasData: result.data !== undefined && result.data !== null };
}

function codeOf(error: Pick<GraphQLFormattedError, 'extensions'>): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}
