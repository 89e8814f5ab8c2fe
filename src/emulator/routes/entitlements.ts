/**
 * In-app purchases (reference §3.1–3.5): ownership checks, consumption, the purchase list, refunds
 * and the catalog. A user owns a sku exactly when `viewer_purchases` lists a row for it that has not
 * expired (`expiration_time` 0 or in the future); verify, consume and refund all use that rule.
 */
import { ROUTES } from '../../shared/routes.ts';
import { nowSeconds, subjectUser, type RequestContext } from '../context.ts';
import { compileProjection, nested, own, type NodeType } from '../fields.ts';
import { invalidParam } from '../graph-errors.ts';
import { takePage } from '../paging.ts';
import type { Endpoint } from '../router.ts';
import type { EmulatorState, ProductRecord, PurchaseRecord, UserRecord } from '../state.ts';

const itemType: NodeType<ProductRecord> = {
  name: 'IAPItem',
  defaults: ['id', 'sku'],
  fields: { id: own('id'), sku: own('sku') },
};

interface PurchaseView {
  purchase: PurchaseRecord;
  product: ProductRecord;
}

const purchaseType: NodeType<PurchaseView> = {
  name: 'Purchase',
  defaults: ['id'],
  fields: {
    id: { get: (v) => v.purchase.id },
    grant_time: { get: (v) => v.purchase.grant_time },
    expiration_time: { get: (v) => v.purchase.expiration_time },
    item: nested(itemType, (v) => v.product),
  },
};

type Price = NonNullable<ProductRecord['price']>;

const priceType: NodeType<Price> = {
  name: 'Price',
  defaults: ['currency', 'amount_in_hundredths', 'formatted'],
  fields: {
    currency: own('currency'),
    amount_in_hundredths: own('amount_in_hundredths'),
    formatted: { get: formatPrice },
  },
};

const offerType: NodeType<ProductRecord> = {
  name: 'Offer',
  defaults: ['description', 'name', 'price'],
  fields: {
    description: own('description'),
    name: own('name'),
    price: nested(priceType, (p) => p.price),
    subscription_term: own('subscription_term'),
  },
};

const absent = { get: () => undefined };

/** The fixture format has no trial offers, so `trial_offers` is always empty; its fields are still selectable. */
const trialOfferType: NodeType<never> = {
  name: 'TrialOffer',
  defaults: ['trial_type', 'trial_term', 'max_term_count'],
  fields: {
    max_term_count: absent,
    trial_type: absent,
    trial_term: absent,
    description: absent,
    name: absent,
    price: nested(priceType, () => undefined),
  },
};

const billingPlanType: NodeType<ProductRecord> = {
  name: 'BillingPlan',
  defaults: ['paid_offer', 'trial_offers'],
  fields: {
    paid_offer: nested(offerType, (p) => p),
    trial_offers: nested(trialOfferType, () => []),
  },
};

const catalogItemType: NodeType<ProductRecord> = {
  name: 'AppStoreItem',
  defaults: ['id'],
  fields: {
    id: own('id'),
    sku: own('sku'),
    type: own('type'),
    current_offer: nested(offerType, (p) => p),
    billing_plans: nested(billingPlanType, (p) => (p.type === 'SUBSCRIPTION' ? [p] : undefined)),
  },
};

export const entitlementEndpoints: Endpoint[] = [
  { route: ROUTES.verifyEntitlement, auth: 'any', handle: verify },
  { route: ROUTES.verifyEntitlementGet, auth: 'any', handle: verify },
  { route: ROUTES.consumeEntitlement, auth: 'any', handle: consume },
  { route: ROUTES.consumeEntitlementGet, auth: 'any', handle: consume },
  {
    route: ROUTES.viewerPurchases,
    auth: 'any',
    handle(ctx) {
      const user = subjectUser(ctx);
      const project = compileProjection(purchaseType, ctx.params.get('fields'));
      const list = ctx.state.purchases
        .filter((p) => p.user_id === user.id)
        .map((purchase) => ({ purchase, product: ctx.state.products.get(purchase.sku) as ProductRecord }));
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
  {
    route: ROUTES.refundEntitlement,
    auth: 'any',
    handle(ctx) {
      const user = subjectUser(ctx);
      const product = knownProduct(ctx, ctx.params.required('sku'));
      ctx.params.required('reason');
      if (product.type === 'SUBSCRIPTION')
        throw invalidParam('Only DURABLE and CONSUMABLE items can be refunded');
      removeOwned(ctx.state, user, product, 'refund');
      ctx.webhooks?.order(user.id, product.sku, 'REFUNDED');
      return { success: true };
    },
  },
  {
    route: ROUTES.availablePurchases,
    auth: 'any',
    handle(ctx) {
      const project = compileProjection(catalogItemType, ctx.params.get('fields'));
      const { caller, state } = ctx;
      // A user sees what they can buy now: not what they hold, nor a subscription they already have.
      const list = [...state.products.values()].filter(
        (product) =>
          caller.kind === 'app' ||
          (product.type === 'SUBSCRIPTION'
            ? !state.subscriptions.some(
                (s) => s.user_id === caller.user.id && s.sku === product.sku && s.is_active,
              )
            : !ownedPurchase(state, caller.user, product.sku)),
      );
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
];

function verify(ctx: RequestContext): unknown {
  const user = subjectUser(ctx);
  const sku = ctx.params.get('sku');
  if (sku === undefined) {
    // Without a sku the question is whether the user owns the app itself.
    if (!user.owns_app) return { success: false };
    return { success: true, grant_time: user.app_grant_time || undefined };
  }
  const purchase = ownedPurchase(ctx.state, user, sku);
  return purchase ? { success: true, grant_time: purchase.grant_time } : { success: false };
}

function consume(ctx: RequestContext): unknown {
  const user = subjectUser(ctx);
  const product = knownProduct(ctx, ctx.params.required('sku'));
  if (product.type !== 'CONSUMABLE') {
    throw invalidParam(`Only CONSUMABLE items can be consumed; ${product.sku} is ${product.type}`);
  }
  removeOwned(ctx.state, user, product, 'consume');
  // Meta's docs name consumption among order updates but list no type for it: ours is a guess.
  ctx.webhooks?.order(user.id, product.sku, 'CONSUMED');
  return { success: true };
}

function knownProduct(ctx: RequestContext, sku: string): ProductRecord {
  const product = ctx.state.products.get(sku);
  if (!product) throw invalidParam(`No item with sku ${sku}`);
  return product;
}

/** The user's first unexpired `viewer_purchases` row for `sku`, if any. */
function ownedPurchase(state: EmulatorState, user: UserRecord, sku: string): PurchaseRecord | undefined {
  const now = nowSeconds();
  return state.purchases.find(
    (p) => p.user_id === user.id && p.sku === sku && (p.expiration_time === 0 || p.expiration_time > now),
  );
}

function removeOwned(state: EmulatorState, user: UserRecord, product: ProductRecord, action: string): void {
  const purchase = ownedPurchase(state, user, product.sku);
  if (!purchase) {
    throw invalidParam(
      `Cannot ${action} ${product.sku}: user ${user.id} holds no unconsumed entitlement to it`,
    );
  }
  state.purchases = state.purchases.filter((p) => p !== purchase);
}

function formatPrice(price: Price): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: price.currency }).format(
    price.amount_in_hundredths / 100,
  );
}
