import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { callerScope } from '../auth/caller.ts';
import type { GraphQLContext } from '../context.ts';
import { badUserInput, writeOutcomeOf } from '../errors.ts';
import {
  IdempotencyStoreUnavailableError,
  type IdempotencyEntry,
  type IdempotencyStore,
  type StoredOutcome,
} from './idempotency-store.ts';

/** Longest idempotency key accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * How long a repeat waits for a first attempt running on another replica before answering
 * IDEMPOTENCY_IN_FLIGHT, ms; and how often it asks meanwhile (doubling from the first to the last).
 */
export const IN_FLIGHT_WAIT = { totalMs: 10_000, firstPollMs: 20, lastPollMs: 250 } as const;

/**
 * Runs a non-idempotent write at most once per idempotency key, as payment APIs do. A key is
 * scoped by caller and mutation: another caller's key is invisible. It remembers only a definite
 * outcome (success, or a refusal upstream would repeat); a repeat with the same arguments gets it
 * again without calling Meta, and a concurrent repeat shares the running attempt. An attempt that
 * was not applied (never sent, or answered 429/503) frees the key for a retry with it. An attempt
 * that may have been applied (500/502/504, a timeout after sending) leaves the key in doubt: a
 * repeat answers IDEMPOTENCY_IN_DOUBT and never writes again. The same key with other arguments
 * is BAD_USER_INPUT.
 */
export async function idempotent<T>(
  ctx: Pick<GraphQLContext, 'idempotency' | 'caller'>,
  key: string | null | undefined,
  operation: string,
  args: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  if (key == null) return run();
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    throw badUserInput(
      `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      'idempotencyKey',
    );
  const store = ctx.idempotency;
  const scoped = sha256([callerScope(ctx.caller), operation, key]);
  const fingerprint = sha256([operation, sortKeys(args)]);
  const attempt = deferred<T>();
  const known = await claimOrWait(store, scoped, fingerprint, attempt.promise);
  if (known) return replay<T>(known, fingerprint, key, operation);
  try {
    const value = await run();
    await store.complete(scoped, fingerprint, { ok: true, value });
    attempt.resolve(value);
    return value;
  } catch (error) {
    const outcome = writeOutcomeOf(error);
    if (outcome === 'not_applied') await store.release(scoped);
    else if (outcome === 'refused') await store.complete(scoped, fingerprint, stored(error));
    else await store.markInDoubt(scoped, fingerprint);
    attempt.reject(error);
    throw error;
  }
}

/**
 * Claims the key, or returns what is known of it; while the first attempt runs on another replica
 * (in flight, no outcome to share here), asks again until it ends or `IN_FLIGHT_WAIT.totalMs`
 * passes. A key freed meanwhile (that attempt was not applied) is claimed for this one. A store
 * that cannot answer fails the write before any upstream call.
 */
async function claimOrWait(
  store: IdempotencyStore,
  scoped: string,
  fingerprint: string,
  outcome: Promise<unknown>,
): Promise<IdempotencyEntry | undefined> {
  const deadline = Date.now() + IN_FLIGHT_WAIT.totalMs;
  let pollMs: number = IN_FLIGHT_WAIT.firstPollMs;
  for (;;) {
    let known: IdempotencyEntry | undefined;
    try {
      known = await store.claim(scoped, fingerprint, outcome);
    } catch (error) {
      if (!(error instanceof IdempotencyStoreUnavailableError)) throw error;
      throw new GraphQLError(
        'The idempotency store is unreachable, so this write with an idempotencyKey was not sent; try again shortly',
        { extensions: { code: 'IDEMPOTENCY_STORE_UNAVAILABLE', retryable: true, retryAfterMs: 1000 } },
      );
    }
    const waiting = known?.state === 'in_flight' && !known.outcome && known.fingerprint === fingerprint;
    if (!waiting || Date.now() + pollMs > deadline) return known;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(pollMs * 2, IN_FLIGHT_WAIT.lastPollMs);
  }
}

/** What a repeat of a known key answers. */
async function replay<T>(
  known: IdempotencyEntry,
  fingerprint: string,
  key: string,
  operation: string,
): Promise<T> {
  if (known.fingerprint !== fingerprint) {
    throw badUserInput(
      `idempotencyKey '${key}' was already used for ${operation} with other arguments`,
      'idempotencyKey',
    );
  }
  if (known.state === 'in_flight') {
    if (known.outcome) return known.outcome as Promise<T>;
    throw new GraphQLError(
      `The first ${operation} with this idempotencyKey is still running; try again shortly`,
      {
        extensions: { code: 'IDEMPOTENCY_IN_FLIGHT', retryable: true, retryAfterMs: 2000 },
      },
    );
  }
  if (known.state === 'in_doubt') {
    throw new GraphQLError(
      `The first ${operation} with this idempotencyKey may have been applied upstream (its answer was lost). Check the player's state, then use a new idempotencyKey if it is still needed.`,
      { extensions: { code: 'IDEMPOTENCY_IN_DOUBT', retryable: false } },
    );
  }
  if (known.result.ok) return known.result.value as T;
  throw new GraphQLError(known.result.error.message, { extensions: known.result.error.extensions });
}

/** A refusal as data: what the caller saw the first time. */
function stored(error: unknown): StoredOutcome {
  const graphql = error instanceof GraphQLError ? error : undefined;
  return {
    ok: false,
    error: { message: graphql?.message ?? 'refused', extensions: { ...graphql?.extensions } },
  };
}

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting on the shared attempt: its failure reaches the first caller directly.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function sortKeys(args: Record<string, unknown>): [string, unknown][] {
  return Object.entries(args)
    .filter(([name, value]) => name !== 'idempotencyKey' && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
