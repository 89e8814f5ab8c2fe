import { createHash } from 'node:crypto';
import { badUserInput } from '../errors.ts';
import type { IdempotencyStore } from './idempotency-store.ts';

/**
 * Runs a non-idempotent write at most once per idempotency key. A repeat with the same
 * arguments gets the first outcome (success or error) without calling Meta again, including while
 * the first call is still running; the same key with other arguments is BAD_USER_INPUT.
 * Failures are remembered too: after a timeout the write may or may not have happened upstream,
 * so only a new key may try again.
 */
export async function idempotent<T>(
  store: IdempotencyStore,
  key: string | null | undefined,
  operation: string,
  args: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  if (key == null) return run();
  if (key.length === 0 || key.length > 200)
    throw badUserInput('idempotencyKey must be 1 to 200 characters', 'idempotencyKey');
  const scoped = `${operation}:${key}`;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([operation, sortKeys(args)]))
    .digest('hex');
  const seen = store.get(scoped);
  if (seen) {
    if (seen.fingerprint !== fingerprint) {
      throw badUserInput(
        `idempotencyKey '${key}' was already used for ${operation} with other arguments`,
        'idempotencyKey',
      );
    }
    return seen.outcome as Promise<T>;
  }
  const outcome = run();
  store.set(scoped, { fingerprint, outcome });
  return outcome;
}

function sortKeys(args: Record<string, unknown>): [string, unknown][] {
  return Object.entries(args)
    .filter(([name, value]) => name !== 'idempotencyKey' && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
