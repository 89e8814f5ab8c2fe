import { READ_FIELDS } from '../../shared/read-fields.ts';
import { ROUTES } from '../../shared/routes.ts';
import { isObject, type HorizonTransport } from '../client.ts';
import { allRows } from '../paging.ts';
import { read, seg } from '../read-fields.ts';

/** The product types this client knows; others read as absent (see `read.enumOf`). */
export const PRODUCT_TYPES = ['DURABLE', 'CONSUMABLE', 'SUBSCRIPTION'] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

/** Who the entitlement call is about: the app acting for `userId`, or the player's own token. */
export type EntitlementSubject =
  { userId: string; userToken?: undefined } | { userToken: string; userId?: undefined };

/** An item a user owns (`viewer_purchases` row). */
export interface Purchase {
  id: string;
  sku: string;
  itemId?: string;
  /** Unix seconds. */
  grantTime?: number;
  /** Unix seconds; 0 or absent means it never expires. */
  expirationTime?: number;
}

/** A price as the catalog gives it. */
export interface Price {
  currency?: string;
  /** 1199 means 11.99. */
  amountInHundredths?: number;
  /** Display string, e.g. `$11.99`. */
  formatted?: string;
}

/** One row of the app's catalog (`available_purchases`). */
export interface CatalogItem {
  sku: string;
  /**
   * Not documented for S2S (a guess, see READ_FIELDS.catalog): present when the API (or the
   * lenient emulator) gives it. Without it, a row with `billing_plans` (documented, and only
   * subscriptions have them) still reads as `SUBSCRIPTION`.
   */
  type?: ProductType;
  name?: string;
  description?: string;
  price?: Price;
  /** Subscription term of a `<SKU>:SUBSCRIPTION__<TERM>` row's paid offer. */
  subscriptionTerm?: string;
}

/** Answer of `verify_entitlement`. A non-owner is `{ owned: false }`, not an error. */
export interface EntitlementCheck {
  owned: boolean;
  /** Unix seconds, when owned and the API says. */
  grantTime?: number;
}

/**
 * `POST /{app_id}/verify_entitlement`: does the user own `sku` (or, without `sku`, the app
 * itself)? HTTP 200 `{"success":false}` is a plain "no".
 */
export async function verifyEntitlement(
  client: HorizonTransport,
  options: EntitlementSubject & { sku?: string },
): Promise<EntitlementCheck> {
  const body = await client.call({
    route: ROUTES.verifyEntitlement,
    method: 'POST',
    path: `/${seg(client.appId)}/verify_entitlement`,
    params: { user_id: options.userId, sku: options.sku },
    userToken: options.userToken,
    // A read, sent as POST.
    retry: 'safe',
  });
  const owned = read.success(body);
  return owned ? { owned, grantTime: read.number(body, 'grant_time') } : { owned };
}

/** `POST /{app_id}/consume_entitlement`: uses up one consumable. */
export async function consumeEntitlement(
  client: HorizonTransport,
  options: EntitlementSubject & { sku: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.consumeEntitlement,
    method: 'POST',
    path: `/${seg(client.appId)}/consume_entitlement`,
    params: { user_id: options.userId, sku: options.sku },
    userToken: options.userToken,
    // A repeat after a lost answer would consume a second unit (or fail on the first's success).
    retry: 'never',
  });
  return read.success(body);
}

/** `GET /{app_id}/viewer_purchases`: everything the user owns (durables, unconsumed consumables). */
export async function getViewerPurchases(
  client: HorizonTransport,
  options: EntitlementSubject,
): Promise<Purchase[]> {
  const rows = await allRows(client, {
    route: ROUTES.viewerPurchases,
    method: 'GET',
    path: `/${seg(client.appId)}/viewer_purchases`,
    params: { user_id: options.userId, limit: 200 },
    fields: READ_FIELDS.viewerPurchases,
    userToken: options.userToken,
    retry: 'safe',
  });
  return rows.flatMap((row) => {
    const item = read.object(row, 'item') ?? {};
    const sku = read.string(item, 'sku');
    if (!sku) return [];
    return [
      {
        id: read.string(row, 'id') ?? '',
        sku,
        itemId: read.string(item, 'id'),
        grantTime: read.number(row, 'grant_time'),
        expirationTime: read.number(row, 'expiration_time'),
      },
    ];
  });
}

/** `POST /{app_id}/refund_iap_entitlement`: refunds a durable or unconsumed consumable. */
export async function refundEntitlement(
  client: HorizonTransport,
  options: { userId: string; sku: string; reason: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.refundEntitlement,
    method: 'POST',
    path: `/${seg(client.appId)}/refund_iap_entitlement`,
    params: { user_id: options.userId, sku: options.sku, reason: options.reason },
    // Money: never sent twice without the caller deciding to.
    retry: 'never',
  });
  return read.success(body);
}

/** `GET /application/available_purchases`: the app's catalog (with the app token: everything). */
export async function getAvailablePurchases(
  client: HorizonTransport,
  options: { userToken?: string } = {},
): Promise<CatalogItem[]> {
  const rows = await allRows(client, {
    route: ROUTES.availablePurchases,
    method: 'GET',
    path: '/application/available_purchases',
    fields: READ_FIELDS.catalog,
    userToken: options.userToken,
    retry: 'safe',
  });
  return rows.flatMap((row) => {
    const sku = read.string(row, 'sku');
    if (!sku) return [];
    const offer = read.object(row, 'current_offer');
    const plans = row.billing_plans;
    const paid = Array.isArray(plans) && isObject(plans[0]) ? read.object(plans[0], 'paid_offer') : undefined;
    const source = offer ?? paid ?? {};
    const price = read.object(source, 'price');
    return [
      {
        sku,
        type:
          read.enumOf(row, 'type', PRODUCT_TYPES, 'product.type', client) ??
          (Array.isArray(plans) && plans.length > 0 ? 'SUBSCRIPTION' : undefined),
        name: read.string(source, 'name'),
        description: read.string(source, 'description'),
        price: price && {
          currency: read.string(price, 'currency'),
          amountInHundredths: read.number(price, 'amount_in_hundredths'),
          formatted: read.string(price, 'formatted'),
        },
        subscriptionTerm: paid ? read.string(paid, 'subscription_term') : undefined,
      },
    ];
  });
}
