import type { Resolvers } from '../../generated/resolvers-types.ts';
import { DateTime, Int64 } from '../scalars.ts';
import { achievementResolvers } from './achievements.ts';
import { entitlementResolvers } from './entitlements.ts';
import { leaderboardResolvers } from './leaderboards.ts';
import { purchaseEventResolvers } from './purchase-events.ts';
import { subscriptionResolvers } from './subscriptions.ts';
import { userResolvers } from './users.ts';

/** Every domain's resolvers merged per type (one module per domain). */
export const resolvers: Resolvers = merge([
  { DateTime, Int64 },
  userResolvers,
  achievementResolvers,
  entitlementResolvers,
  subscriptionResolvers,
  leaderboardResolvers,
  purchaseEventResolvers,
]);

function merge(parts: Resolvers[]): Resolvers {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) {
      out[type] =
        type === 'DateTime' || type === 'Int64' ? (fields as never) : { ...out[type], ...(fields as object) };
    }
  }
  return out as Resolvers;
}
