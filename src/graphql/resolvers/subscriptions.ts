import type { Resolvers, SubscriptionCancelReason } from '../../generated/resolvers-types.ts';
import { costs } from '../data/cost.ts';
import { SubscriptionsSource } from '../data/subscriptions.ts';
import { succeeded } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import { checkId, checkRange, checkSku } from '../validate.ts';

const { ofUserCost, changeCost } = SubscriptionsSource;

/** The API's integer `cancel_reason` for each enum value. */
const CANCEL_REASON: Record<SubscriptionCancelReason, number> = {
  OTHER: 0,
  PRICING: 1,
  CONTENT: 2,
  USAGE: 3,
  PURCHASE_BY_MISTAKE: 4,
  TECHNICAL_ISSUES: 5,
};

export const subscriptionResolvers: Resolvers = {
  Mutation: {
    cancelSubscription: costs([changeCost], async (_root, { userId, sku, reason, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      return idempotent(ctx, idempotencyKey, 'cancelSubscription', { userId, sku, reason }, async () =>
        succeeded(await ctx.data.subscriptions.cancel(userId, sku, CANCEL_REASON[reason])),
      );
    }),
    extendSubscription: costs([changeCost], async (_root, { userId, sku, days, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      checkRange(days, 1, 365, 'days');
      return idempotent(ctx, idempotencyKey, 'extendSubscription', { userId, sku, days }, async () =>
        succeeded(await ctx.data.subscriptions.extend(userId, sku, days)),
      );
    }),
  },
  User: {
    subscriptions: costs([ofUserCost], (user, _args, ctx) => ctx.data.subscriptions.ofUser(user.id)),
  },
  PlatformSubscription: {
    isActive: (s) => s.isActive ?? false,
    isTrial: (s) => s.isTrial ?? false,
    periodStart: (s) => s.periodStartTime ?? null,
    periodEnd: (s) => s.periodEndTime ?? null,
    // A cancelled subscription does not renew, whatever renewal time upstream still carries
    // (the reference does not say that cancelling clears `next_renewal_time`).
    nextRenewalAt: (s) => (s.cancellationTime ? null : (s.nextRenewalTime ?? null)),
    nextPriceTerm: (s) => (s.cancellationTime ? null : (s.nextPriceTerm ?? null)),
    cancelledAt: (s) => s.cancellationTime ?? null,
  },
};
