/**
 * The export command's Horizon client: built by `horizonClient` exactly as the server's (same
 * resilience, timeouts, breaker and `HORIZON_RATE_LIMIT` budget, on Redis with `REDIS_URL`), with
 * an admission that waits for room instead of refusing: the export's own rate first
 * (`--max-rate`, capped by `EXPORT_MAX_RATE` when no budget is set), then the app's budget.
 */
import type { Config } from '../config.ts';
import type { HorizonClient, UpstreamAdmission } from '../horizon/index.ts';
import type { Logger } from '../logger.ts';
import { createObservability } from '../observability/index.ts';
import type { SharedState } from '../shared-state/index.ts';
import { budget, horizonClient, sharedState, type Upstream } from '../start-from-config.ts';
import { rateAdmission, waitingAdmission } from './run.ts';

/** The export's calls per second: `maxRate`, capped by EXPORT_MAX_RATE unless a budget is set. */
export function exportRate(config: Config, maxRate: number | undefined): number | undefined {
  if (config.rateLimit) return maxRate;
  return Math.min(maxRate ?? Number.POSITIVE_INFINITY, config.export.maxRate);
}

/** A client for one export process, and what to close after it. */
export async function exportClient(
  config: Config,
  upstream: Upstream,
  options: { logger: Logger; maxRate?: number },
): Promise<{ client: HorizonClient; shared?: SharedState; close(): Promise<void> }> {
  const observability = createObservability({ logger: options.logger, defaultMetrics: false });
  const shared: SharedState | undefined = await sharedState(
    config,
    upstream.appId,
    options.logger,
    observability,
  );
  const admissions: UpstreamAdmission[] = [];
  const rate = exportRate(config, options.maxRate);
  if (rate !== undefined) admissions.push(rateAdmission(rate));
  const appBudget = budget(config, shared, observability);
  if (appBudget) admissions.push(appBudget);
  // Every attempt (retries included) waits for room in the export's rate and the app's budget.
  const client = horizonClient(config, upstream, observability, shared, waitingAdmission(...admissions));
  return {
    client,
    // With REDIS_URL: also the purchase-event history the `purchase-events` export reads.
    shared,
    async close() {
      await client.close();
      await shared?.close();
    },
  };
}
