/**
 * Latency profiles (`--latency-profile`, `EMULATOR_LATENCY_PROFILE`): a delay per route, added to
 * the fixed `latencyMs`. `realistic` follows what public reports show of the real API: a score
 * submit took 3.2–3.8 s, so writes take 3–4 s; reads take 100–300 ms (our guess: no public timing).
 * Control endpoints are never delayed.
 */
import { ROUTES, type RouteTemplate } from '../shared/routes.ts';

/** The profiles by name; `off` (the default) adds nothing. */
export const LATENCY_PROFILES = ['off', 'realistic'] as const;

export type LatencyProfile = (typeof LATENCY_PROFILES)[number];

/** Whether a route changes state upstream (slow) or only reads it. */
export type RouteKind = 'read' | 'write';

/** Every route, classified; POSTs that only check something (verify, nonce) count as reads. */
export const ROUTE_KINDS: Readonly<Record<RouteTemplate, RouteKind>> = {
  [ROUTES.achievementDefinitionsRead]: 'read',
  [ROUTES.achievementDefinitionsUpsert]: 'write',
  [ROUTES.userAchievementsRead]: 'read',
  [ROUTES.userAchievementsWrite]: 'write',
  [ROUTES.achievementRemoveAll]: 'write',
  [ROUTES.verifyEntitlement]: 'read',
  [ROUTES.verifyEntitlementGet]: 'read',
  [ROUTES.consumeEntitlement]: 'write',
  [ROUTES.consumeEntitlementGet]: 'write',
  [ROUTES.viewerPurchases]: 'read',
  [ROUTES.refundEntitlement]: 'write',
  [ROUTES.availablePurchases]: 'read',
  [ROUTES.subscriptions]: 'read',
  [ROUTES.cancelSubscription]: 'write',
  [ROUTES.extendSubscription]: 'write',
  [ROUTES.leaderboardsRead]: 'read',
  [ROUTES.leaderboardsUpsert]: 'write',
  [ROUTES.leaderboardDelete]: 'write',
  [ROUTES.leaderboardEntries]: 'read',
  [ROUTES.leaderboardSubmitEntry]: 'write',
  [ROUTES.leaderboardEntryDelete]: 'write',
  [ROUTES.leaderboardRemoveAllEntries]: 'write',
  [ROUTES.userLookup]: 'read',
  [ROUTES.me]: 'read',
  [ROUTES.userNonceValidate]: 'read',
};

/** The `realistic` range of each kind of route, in ms (inclusive bounds). */
export const REALISTIC_MS: Readonly<Record<RouteKind, readonly [min: number, max: number]>> = {
  read: [100, 300],
  write: [3000, 4000],
};

/** Parses a profile name; throws a `TypeError` naming the valid ones. */
export function parseLatencyProfile(value: string): LatencyProfile {
  const found = LATENCY_PROFILES.find((name) => name === value);
  if (!found) throw new TypeError(`latency profile must be one of ${LATENCY_PROFILES.join(', ')}`);
  return found;
}

/**
 * The delay the profile adds to one call of `route` (undefined: a path no endpoint serves, timed
 * as a read), drawn uniformly from the route's range with `random` (0 ≤ random() < 1).
 */
export function profileDelayMs(
  profile: LatencyProfile,
  route: RouteTemplate | undefined,
  random: () => number = Math.random,
): number {
  if (profile === 'off') return 0;
  const [min, max] = REALISTIC_MS[route === undefined ? 'read' : ROUTE_KINDS[route]];
  return Math.round(min + random() * (max - min));
}
