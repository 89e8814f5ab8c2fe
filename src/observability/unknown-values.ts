import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import { redact } from '../horizon/redact.ts';
import { currentScope, requestSecrets } from './request-scope.ts';

/** What the unknown-value reporter reports to. */
export interface UnknownValueReporterDependencies {
  metrics: Metrics;
  logger: Logger;
  /** Distinct (field, value) pairs given a log line of their own; later ones are only counted. Default 1000. */
  maxLogged?: number;
}

/** Characters of an unknown upstream value kept in its log line; the rest is cut. */
export const MAX_LOGGED_VALUE_LENGTH = 64;

/** Message of the log line for an unknown upstream enum value. */
export const UNKNOWN_VALUE_MESSAGE =
  'upstream sent an enum value this subgraph does not know; served as null';

/**
 * For `HorizonClientOptions.onUnknownValue`: counts every unknown upstream enum value in
 * `horizon_upstream_unknown_enum_values_total{field,value}` and writes one warning per distinct
 * (field, value) for the life of the process, so that a value Meta has just added shows up once in
 * the logs instead of once per read. The value is upstream text: its log line keeps at most
 * `MAX_LOGGED_VALUE_LENGTH` characters, and the set of pairs already logged is bounded.
 */
export function createUnknownValueReporter(
  deps: UnknownValueReporterDependencies,
): (field: string, value: string) => void {
  const { metrics, logger } = deps;
  const maxLogged = deps.maxLogged ?? 1000;
  const logged = new Set<string>();
  let capReported = false;
  return (field, raw) => {
    // Upstream text: a credential echoed as an enum value must reach neither a label nor a line.
    const value = redact(raw, requestSecrets());
    metrics.countUnknownEnumValue(field, value);
    const shown = shorten(value);
    const key = `${field}\u0000${shown}`;
    if (logged.has(key)) return;
    if (logged.size >= maxLogged) {
      if (!capReported) {
        capReported = true;
        logger.warn(
          { maxLogged },
          'too many distinct unknown upstream enum values: further ones are only counted in /metrics',
        );
      }
      return;
    }
    logged.add(key);
    logger.warn(
      {
        requestId: currentScope()?.requestId,
        field,
        value: shown,
        ...(shown === value ? {} : { valueLength: value.length }),
      },
      UNKNOWN_VALUE_MESSAGE,
    );
  };
}

/** At most `MAX_LOGGED_VALUE_LENGTH` characters (code points, so no half surrogate pair), marked when cut. */
function shorten(value: string): string {
  if (value.length <= MAX_LOGGED_VALUE_LENGTH) return value;
  const chars = Array.from(value);
  return chars.length <= MAX_LOGGED_VALUE_LENGTH
    ? value
    : `${chars.slice(0, MAX_LOGGED_VALUE_LENGTH).join('')}…`;
}
