import type { Resolvers } from '../../generated/resolvers-types.ts';
import { choice, costs } from '../data/cost.ts';
import { EntitlementsSource } from '../data/entitlements.ts';
import { destructive, succeeded } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import { checkId, checkSku, checkText } from '../validate.ts';

const { purchasesCost, ownsAppCost, catalogCost, consumeCost, refundCost } = EntitlementsSource;

/** Subscription terms appear in the catalog as `<SKU>:SUBSCRIPTION__<TERM>` rows. */
const SUBSCRIPTION_SKU = /^(.+):SUBSCRIPTION__[A-Z]+$/;

export const entitlementResolvers: Resolvers = {
  Query: {
    products: costs([catalogCost], async (_root, _args, ctx) => [
      ...(await ctx.data.entitlements.catalog()).values(),
    ]),
  },
  Mutation: {
    consumeEntitlement: costs([consumeCost], async (_root, { userId, sku, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      return idempotent(ctx, idempotencyKey, 'consumeEntitlement', { userId, sku }, async () =>
        succeeded(await ctx.data.entitlements.consume(userId, sku)),
      );
    }),
    refundEntitlement: costs(
      refundCost,
      async (_root, { userId, sku, reason, dryRun, idempotencyKey }, ctx) => {
        checkId(userId, 'userId');
        checkSku(sku, 'sku');
        checkText(reason, 'reason');
        const args = { userId, sku, reason, dryRun };
        return idempotent(ctx, idempotencyKey, 'refundEntitlement', args, () =>
          destructive(
            ctx,
            { operation: 'refundEntitlement', target: `user ${userId} sku ${sku}`, reason, dryRun },
            () => ctx.data.entitlements.describeRefund(userId, sku),
            () => ctx.data.entitlements.refund(userId, sku, reason),
          ),
        );
      },
    ),
  },
  User: {
    // Only entitlements that still grant the item: expired rows are left out.
    entitlements: costs([purchasesCost], (user, _args, ctx) => ctx.data.entitlements.current(user.id)),
    hasEntitlement: costs(
      [choice((args) => (args.sku == null ? ownsAppCost : purchasesCost))],
      (user, { sku }, ctx) =>
        // Ownership of the app itself is only answered by verify_entitlement.
        sku == null
          ? ctx.data.entitlements.ownsApp(user.id)
          : ctx.data.entitlements.owns(user.id, checkSku(sku, 'sku')),
    ),
  },
  Entitlement: {
    grantedAt: (p) => p.grantTime ?? 0,
    expiresAt: (p) => (p.expirationTime ? p.expirationTime : null),
    product: costs(
      [catalogCost],
      async (p, _args, ctx) => (await ctx.data.entitlements.product(p.sku)) ?? null,
    ),
  },
  Product: {
    __resolveReference: costs(
      [catalogCost],
      async (ref, ctx) => (await ctx.data.entitlements.product(ref.sku)) ?? null,
    ),
    type: (item) => item.type ?? (SUBSCRIPTION_SKU.test(item.sku) ? 'SUBSCRIPTION' : null),
    price: (item) => {
      const price = item.price;
      if (price?.currency === undefined || price.amountInHundredths === undefined) return null;
      return {
        currency: price.currency,
        amountInHundredths: price.amountInHundredths,
        formatted: price.formatted ?? `${(price.amountInHundredths / 100).toFixed(2)} ${price.currency}`,
      };
    },
  },
};
