import type { MutationResult } from '../../generated/resolvers-types.ts';
import { callerName } from '../auth/caller.ts';
import type { GraphQLContext } from '../context.ts';

/** One destructive operation, described for the audit log and for `dryRun`. */
export interface DestructiveOperation {
  /** The mutation, e.g. `refundEntitlement`. */
  operation: string;
  /** What it acts on, e.g. `user 1000000000000010 sku coins_500`. */
  target: string;
  /** The caller's reason, when given. */
  reason?: string | null;
  /** Validate and describe, without calling Meta's write endpoint. */
  dryRun?: boolean | null;
}

/**
 * Runs a destructive operation (refund, resets, deletes) with an audit line for every attempt:
 * who, what, on what, why, and how it ended. With `dryRun` it only reports what would happen;
 * `preview` (validation plus any reads) runs in both modes, `write` only for real.
 */
export async function destructive(
  ctx: GraphQLContext,
  op: DestructiveOperation,
  preview: () => Promise<string>,
  write: () => Promise<boolean>,
): Promise<MutationResult> {
  const line = {
    audit: true,
    caller: callerName(ctx.caller),
    operation: op.operation,
    target: op.target,
    reason: op.reason ?? null,
    dryRun: op.dryRun === true,
  };
  try {
    const description = await preview();
    if (op.dryRun) {
      ctx.logger.info({ ...line, outcome: 'dry-run' }, `audit: ${op.operation} (dry run)`);
      return { success: true, dryRun: true, message: `Would ${description}` };
    }
    const success = await write();
    ctx.logger.info({ ...line, outcome: success ? 'done' : 'refused' }, `audit: ${op.operation}`);
    return { success, dryRun: false, message: success ? `Done: ${description}` : null };
  } catch (error) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL';
    ctx.logger.warn({ ...line, outcome: 'failed', code }, `audit: ${op.operation} failed`);
    throw error;
  }
}

/** The plain result of a non-destructive mutation. */
export function succeeded(success: boolean): MutationResult {
  return { success, dryRun: false, message: null };
}
