import { GraphQLError } from 'graphql';
import { HorizonApiError, type WriteOutcome } from '../horizon/horizon-api-error.ts';

/** Stable `extensions.code` values of this subgraph (see the README's error table). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'QUERY_TOO_EXPENSIVE'
  | 'UPSTREAM_CREDENTIALS_REJECTED'
  | 'IDEMPOTENCY_IN_DOUBT'
  | 'IDEMPOTENCY_IN_FLIGHT'
  | 'IDEMPOTENCY_STORE_UNAVAILABLE';

/** Our own argument validation failed; no upstream call was made. */
export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', retryable: false, argument } });
}

/** A thing the caller named does not exist (decided by us, e.g. an unknown leaderboard name). */
export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND', retryable: false } });
}

/**
 * The operation would cost (or has cost) more upstream calls than `MAX_UPSTREAM_COST` allows.
 * `extensions` adds the numbers (limit, estimate) and, for a refusal before execution, the HTTP status.
 */
export function queryTooExpensive(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_EXPENSIVE', retryable: false, ...extensions },
  });
}

/** The `extensions.code` an upstream failure maps to. */
export function codeFor(error: HorizonApiError): ErrorCode {
  if (error.kind === 'timeout' || error.kind === 'network' || error.kind === 'circuit_open') {
    return 'UPSTREAM_UNAVAILABLE';
  }
  // Our own bulkhead shed the call: like a 429, the caller should slow down and try again.
  if (error.kind === 'overloaded') return 'RATE_LIMITED';
  if (error.isRateLimited) return 'RATE_LIMITED';
  if (error.isAppCredentialsRejected) return 'UPSTREAM_CREDENTIALS_REJECTED';
  if (error.isUnauthenticated) return 'UNAUTHENTICATED';
  if (error.isForbidden) return 'FORBIDDEN';
  if (error.isNotFound) return 'NOT_FOUND';
  if (error.status !== undefined && error.status >= 500) return 'UPSTREAM_ERROR';
  if (error.kind === 'invalid_response') return 'UPSTREAM_ERROR';
  return 'BAD_REQUEST';
}

/** The error the caller sees for a failed upstream call: a stable code plus the upstream details (secret-free). */
export function upstreamFailure(error: HorizonApiError): GraphQLError {
  const message = error.isAppCredentialsRejected
    ? `Meta refused this subgraph's app credentials (HORIZON_APP_ID / HORIZON_APP_SECRET): the subgraph's configuration must be fixed; nothing is wrong with this request. (${error.message})`
    : error.message;
  return new GraphQLError(message, {
    // Kept for `writeOutcomeOf`; never shown (responses carry message and extensions only).
    originalError: error,
    extensions: {
      code: codeFor(error),
      // Throttling (often HTTP 400 without `is_transient`) is not retried at once by the client,
      // but the caller may well retry after a pause.
      retryable: (error.transient || error.isRateLimited) && !error.isAppCredentialsRejected,
      // How long to wait, when upstream (`Retry-After`) or our own budget said.
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      upstream: {
        status: error.status ?? null,
        code: error.code ?? null,
        subcode: error.subcode ?? null,
        type: error.type ?? null,
        fbtraceId: error.fbtraceId ?? null,
        endpoint: error.endpoint,
      },
    },
  });
}

/**
 * What a field fails with: upstream failures become `upstreamFailure`, GraphQLErrors pass
 * through, anything else stays as it is (Apollo masks it as an internal error).
 */
export function asFieldError(error: unknown): Error {
  if (error instanceof HorizonApiError) return upstreamFailure(error);
  return error instanceof Error ? error : new Error(String(error));
}

/** `work`, with its failure mapped by `asFieldError`. For the data sources' single upstream calls. */
export async function mapFailure<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw asFieldError(error);
  }
}

/**
 * What a failed write may have done upstream: what the client knows of an upstream failure, and
 * `not_applied` for our own refusals (validation, limits), which are decided before any call.
 */
export function writeOutcomeOf(error: unknown): WriteOutcome {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof HorizonApiError) return original.writeOutcome;
  if (original instanceof GraphQLError) return 'not_applied';
  return 'in_doubt';
}
