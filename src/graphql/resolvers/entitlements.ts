import type { CatalogItem, Purchase } from '../../horizon/index.ts';
import { consumeEntitlement, refundEntitlement } from '../../horizon/index.ts';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { upstream } from '../errors.ts';
import { checkId, checkSku, checkText } from '../validate.ts';

/** A `viewer_purchases` row still grants the item: it never expires, or expires in the future. */
export function isCurrent(purchase: Purchase, nowSeconds = Date.now() / 1000): boolean {
  return !purchase.expirationTime || purchase.expirationTime > nowSeconds;
}

/** Subscription terms appear in the catalog as `<SKU>:SUBSCRIPTION__<TERM>` rows. */
const SUBSCRIPTION_SKU = /^(.+):SUBSCRIPTION__[A-Z]+$/;

async function catalog(ctx: GraphQLContext): Promise<Map<string, CatalogItem>> {
  return upstream(() => ctx.caches.catalog(ctx.horizon));
}

export const entitlementResolvers: Resolvers = {
  Query: {
    products: async (_root, _args, ctx) => [...(await catalog(ctx)).values()],
  },
  Mutation: {
    consumeEntitlement: async (_root, { userId, sku }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      const success = await upstream(() => consumeEntitlement(ctx.horizon, { userId, sku }));
      ctx.loaders.purchasesByUser.clear(userId);
      return { success };
    },
    refundEntitlement: async (_root, { userId, sku, reason }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      checkText(reason, 'reason');
      const success = await upstream(() => refundEntitlement(ctx.horizon, { userId, sku, reason }));
      ctx.loaders.purchasesByUser.clear(userId);
      return { success };
    },
  },
  User: {
    // Only entitlements that still grant the item: expired rows are left out.
    entitlements: async (user, _args, ctx) =>
      (await upstream(() => ctx.loaders.purchasesByUser.load(user.id))).filter((p) => isCurrent(p)),
    hasEntitlement: async (user, { sku }, ctx) => {
      if (sku == null) {
        // Ownership of the app itself is only answered by verify_entitlement.
        return (await upstream(() => ctx.loaders.appOwnershipByUser.load(user.id))).owned;
      }
      checkSku(sku, 'sku');
      // verify_entitlement(sku) is true exactly when viewer_purchases has a current row for the
      // sku (proven in test/integration/entitlement-equivalence.test.ts), so several skus of one
      // user cost one viewer_purchases read instead of one verify call each.
      const purchases = await upstream(() => ctx.loaders.purchasesByUser.load(user.id));
      return purchases.some((p) => p.sku === sku && isCurrent(p));
    },
  },
  Entitlement: {
    grantedAt: (p) => p.grantTime ?? 0,
    expiresAt: (p) => (p.expirationTime ? p.expirationTime : null),
    product: async (p, _args, ctx) => (await catalog(ctx)).get(p.sku) ?? null,
  },
  Product: {
    __resolveReference: async (ref, ctx) => (await catalog(ctx)).get(ref.sku) ?? null,
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
