import { cancelSubscription, extendSubscription } from '../../horizon/index.ts';
import type { Resolvers, SubscriptionCancelReason } from '../../generated/resolvers-types.ts';
import { upstream } from '../errors.ts';
import { succeeded } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import { checkId, checkRange, checkSku } from '../validate.ts';

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
    cancelSubscription: async (_root, { userId, sku, reason, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      return idempotent(
        ctx.idempotency,
        idempotencyKey,
        'cancelSubscription',
        { userId, sku, reason },
        async () => {
          const success = await upstream(() =>
            cancelSubscription(ctx.horizon, { ownerId: userId, sku, cancelReason: CANCEL_REASON[reason] }),
          );
          ctx.loaders.subscriptionsByUser.clear(userId);
          return succeeded(success);
        },
      );
    },
    extendSubscription: async (_root, { userId, sku, days, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      checkRange(days, 1, 365, 'days');
      return idempotent(
        ctx.idempotency,
        idempotencyKey,
        'extendSubscription',
        { userId, sku, days },
        async () => {
          const success = await upstream(() =>
            extendSubscription(ctx.horizon, { ownerId: userId, sku, numberOfDays: days }),
          );
          ctx.loaders.subscriptionsByUser.clear(userId);
          return succeeded(success);
        },
      );
    },
  },
  User: {
    subscriptions: (user, _args, ctx) => upstream(() => ctx.loaders.subscriptionsByUser.load(user.id)),
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
