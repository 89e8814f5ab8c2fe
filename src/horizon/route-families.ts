import type { RouteTemplate } from '../shared/routes.ts';

/** A group of routes served by the same part of Meta's backend; each has its own circuit breaker. */
export type RouteFamily = 'achievements' | 'entitlements' | 'subscriptions' | 'leaderboards' | 'users';

/** Every family, for reports that list them all. */
export const ROUTE_FAMILIES: readonly RouteFamily[] = [
  'achievements',
  'entitlements',
  'subscriptions',
  'leaderboards',
  'users',
];

/**
 * The family of every route template. Written out rather than parsed from the template because
 * the templates do not say it (`DELETE /{entry_id}` is a leaderboard route, `GET /{user_id}` a
 * users route); typed as a full record so that a new route cannot be added without a family.
 */
export const ROUTE_FAMILY: Readonly<Record<RouteTemplate, RouteFamily>> = {
  'GET /{app_id}/achievement_definitions': 'achievements',
  'POST /{app_id}/achievement_definitions': 'achievements',
  'GET /{user_id}/achievements': 'achievements',
  'POST /{user_id}/achievements': 'achievements',
  'POST /achievement_remove_all': 'achievements',
  'POST /{app_id}/verify_entitlement': 'entitlements',
  'GET /{app_id}/verify_entitlement': 'entitlements',
  'POST /{app_id}/consume_entitlement': 'entitlements',
  'GET /{app_id}/consume_entitlement': 'entitlements',
  'GET /{app_id}/viewer_purchases': 'entitlements',
  'POST /{app_id}/refund_iap_entitlement': 'entitlements',
  'GET /application/available_purchases': 'entitlements',
  'GET /application/subscriptions': 'subscriptions',
  'POST /application/cancel_subscription': 'subscriptions',
  'POST /application/extend_subscription': 'subscriptions',
  'GET /{app_id}/leaderboards': 'leaderboards',
  'POST /{app_id}/leaderboards': 'leaderboards',
  'DELETE /{leaderboard_id}': 'leaderboards',
  'GET /leaderboard_entries': 'leaderboards',
  'POST /leaderboard_submit_entry': 'leaderboards',
  'DELETE /{entry_id}': 'leaderboards',
  'POST /leaderboard_remove_all_entries': 'leaderboards',
  'GET /{user_id}': 'users',
  'GET /me': 'users',
  'POST /user_nonce_validate': 'users',
};
