/** The Horizon S2S client: the only way the rest of the project reaches Meta's API. */
export {
  CLIENT_DEFAULTS,
  HorizonClient,
  type CallBudget,
  type HorizonTransport,
  type HorizonClientOptions,
  type UpstreamCall,
  type UpstreamObserver,
  type UpstreamOutcome,
} from './client.ts';
export {
  HorizonApiError,
  type HorizonApiErrorDetails,
  type HorizonErrorKind,
  type WriteOutcome,
} from './horizon-api-error.ts';
export {
  RESILIENCE_DEFAULTS,
  type BreakerOptions,
  type BulkheadOptions,
  type ResilienceOptions,
  type RetryOptions,
} from './resilience.ts';
export type { RetryMode } from './retry-policy.ts';
export {
  parseRateLimit,
  SlidingWindowBudget,
  type Admission,
  type BudgetHooks,
  type RateLimit,
  type UpstreamAdmission,
} from './upstream-budget.ts';
export {
  THROTTLE_COOL_DOWN_MS,
  ThrottleCoolDown,
  type CoolDownChannel,
  type CoolDownHooks,
} from './throttle-cool-down.ts';
export { DEFAULT_FIELD_REFUSAL_TTL_MS, type SharedFieldRefusals } from './field-refusals.ts';
export { buildFields, type FieldSelection } from './fields.ts';
export { toInt64String, type Int64String } from './int64.ts';
export { pages, allRows, type GraphPage } from './paging.ts';
export { redact } from './redact.ts';
export * from './endpoints/achievements.ts';
export * from './endpoints/entitlements.ts';
export * from './endpoints/subscriptions.ts';
export * from './endpoints/leaderboards.ts';
export * from './endpoints/users.ts';
export * from './endpoints/probe.ts';
export type { CircuitStateName } from './circuit-breakers.ts';
export { ROUTE_FAMILIES, type RouteFamily } from './route-families.ts';
