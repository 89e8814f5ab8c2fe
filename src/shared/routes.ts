/**
 * Route templates of Meta Horizon's server-to-server API, as named in `docs/horizon-api.md`.
 *
 * They are the shared vocabulary of the client (errors and metrics name the template, never the
 * URL), the emulator (request counters and fault injection are keyed by them) and the tests.
 */
export const ROUTES = {
  achievementDefinitionsRead: 'GET /{app_id}/achievement_definitions',
  achievementDefinitionsUpsert: 'POST /{app_id}/achievement_definitions',
  userAchievementsRead: 'GET /{user_id}/achievements',
  userAchievementsWrite: 'POST /{user_id}/achievements',
  achievementRemoveAll: 'POST /achievement_remove_all',
  verifyEntitlement: 'POST /{app_id}/verify_entitlement',
  verifyEntitlementGet: 'GET /{app_id}/verify_entitlement',
  consumeEntitlement: 'POST /{app_id}/consume_entitlement',
  consumeEntitlementGet: 'GET /{app_id}/consume_entitlement',
  viewerPurchases: 'GET /{app_id}/viewer_purchases',
  refundEntitlement: 'POST /{app_id}/refund_iap_entitlement',
  availablePurchases: 'GET /application/available_purchases',
  subscriptions: 'GET /application/subscriptions',
  cancelSubscription: 'POST /application/cancel_subscription',
  extendSubscription: 'POST /application/extend_subscription',
  leaderboardsRead: 'GET /{app_id}/leaderboards',
  leaderboardsUpsert: 'POST /{app_id}/leaderboards',
  leaderboardDelete: 'DELETE /{leaderboard_id}',
  leaderboardEntries: 'GET /leaderboard_entries',
  leaderboardSubmitEntry: 'POST /leaderboard_submit_entry',
  leaderboardEntryDelete: 'DELETE /{entry_id}',
  leaderboardRemoveAllEntries: 'POST /leaderboard_remove_all_entries',
  userLookup: 'GET /{user_id}',
  me: 'GET /me',
  userNonceValidate: 'POST /user_nonce_validate',
} as const;

/** One route template, e.g. `GET /{user_id}/achievements`. */
export type RouteTemplate = (typeof ROUTES)[keyof typeof ROUTES];

/** Every route template, for validation of fault-injection requests and for tests. */
export const ALL_ROUTES: readonly RouteTemplate[] = Object.values(ROUTES);
