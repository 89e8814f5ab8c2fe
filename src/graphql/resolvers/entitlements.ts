import type { CatalogItem, Purchase } from '../../horizon/index.ts';
import { consumeEntitlement, refundEntitlement } from '../../horizon/index.ts';
import type { Resolvers } from '../../generated/resolvers-types.ts';
import type { GraphQLContext } from '../context.ts';
import { badUserInput, upstream } from '../errors.ts';
import { destructive, succeeded } from '../mutations/destructive.ts';
import { idempotent } from '../mutations/idempotent.ts';
import { checkId, checkSku, checkText } from '../validate.ts';

/** A `viewer_purchases` row still grants the item: it never expires, or expires in the future. */
export function isCurrent(purchase: Purchase, nowSeconds = Date.now() / 1000): boolean {
  return !purchase.expirationTime || purchase.expirationTime > nowSeconds;
}

/** Subscription terms appear in the catalog as `<SKU>:SUBSCRIPTION__<TERM>` rows. */
const SUBSCRIPTION_SKU = /^(.+):SUBSCRIPTION__[A-Z]+$/;

/**
 * What a refund would do, checked against the player's purchases and the catalog: only a
 * current DURABLE or unconsumed CONSUMABLE entitlement can be refunded.
 */
async function describeRefund(ctx: GraphQLContext, userId: string, sku: string): Promise<string> {
  const owned = (await upstream(() => ctx.loaders.purchasesByUser.load(userId))).find(
    (p) => p.sku === sku && isCurrent(p),
  );
  if (!owned) throw badUserInput(`user ${userId} has no current entitlement to ${sku}`, 'sku');
  const type = (await catalog(ctx)).get(sku)?.type;
  if (type === 'SUBSCRIPTION')
    throw badUserInput(`${sku} is a subscription: cancel it instead of refunding`, 'sku');
  return `refund ${sku}${type ? ` (${type})` : ''} of user ${userId}, granted ${new Date((owned.grantTime ?? 0) * 1000).toISOString()}`;
}

async function catalog(ctx: GraphQLContext): Promise<Map<string, CatalogItem>> {
  return upstream(() => ctx.caches.catalog(ctx.horizon));
}

export const entitlementResolvers: Resolvers = {
  Query: {
    products: async (_root, _args, ctx) => [...(await catalog(ctx)).values()],
  },
  Mutation: {
    consumeEntitlement: async (_root, { userId, sku, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      return idempotent(ctx.idempotency, idempotencyKey, 'consumeEntitlement', { userId, sku }, async () => {
        const success = await upstream(() => consumeEntitlement(ctx.horizon, { userId, sku }));
        ctx.loaders.purchasesByUser.clear(userId);
        return succeeded(success);
      });
    },
    refundEntitlement: async (_root, { userId, sku, reason, dryRun, idempotencyKey }, ctx) => {
      checkId(userId, 'userId');
      checkSku(sku, 'sku');
      checkText(reason, 'reason');
      const args = { userId, sku, reason, dryRun };
      return idempotent(ctx.idempotency, idempotencyKey, 'refundEntitlement', args, async () => {
        const result = await destructive(
          ctx,
          { operation: 'refundEntitlement', target: `user ${userId} sku ${sku}`, reason, dryRun },
          () => describeRefund(ctx, userId, sku),
          () => upstream(() => refundEntitlement(ctx.horizon, { userId, sku, reason })),
        );
        ctx.loaders.purchasesByUser.clear(userId);
        return result;
      });
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
