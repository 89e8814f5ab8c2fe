import type DataLoader from 'dataloader';
import {
  consumeEntitlement,
  getViewerPurchases,
  refundEntitlement,
  verifyEntitlement,
  type CatalogItem,
  type Purchase,
} from '../../horizon/index.ts';
import { badUserInput, mapFailure } from '../errors.ts';
import { perKeyLoader } from '../loaders/per-key-loader.ts';
import { ListReader } from '../loaders/shared-list.ts';
import { perParent, perPlayer, sharedList, writeUnlessDryRun } from './cost.ts';
import type { SourceScope } from './source-scope.ts';
import { READ_FIELDS } from '../../shared/read-fields.ts';

/** A `viewer_purchases` row still grants the item: it never expires, or expires in the future. */
export function isCurrent(purchase: Purchase, nowSeconds = Date.now() / 1000): boolean {
  return !purchase.expirationTime || purchase.expirationTime > nowSeconds;
}

/** Entitlements and the catalog: what players own, app ownership, and consume/refund. */
export class EntitlementsSource {
  readonly #scope: SourceScope;
  #purchases?: DataLoader<string, Purchase[]>;
  #ownership?: DataLoader<string, boolean>;
  #catalog?: ListReader<CatalogItem>;

  constructor(scope: SourceScope) {
    this.#scope = scope;
  }

  /** One paged `GET /{app_id}/viewer_purchases` read per distinct player. */
  static readonly purchasesCost = perPlayer('purchases', READ_FIELDS.viewerPurchases);
  /** Every purchase row of the player, expired ones included. */
  purchases(userId: string): Promise<Purchase[]> {
    this.#purchases ??= perKeyLoader('purchasesByUser', this.#scope.loaders, (id) =>
      getViewerPurchases(this.#scope.transport, { userId: id }),
    );
    return this.#purchases.load(userId);
  }

  /** The player's current purchases (still granting the item). */
  async current(userId: string): Promise<Purchase[]> {
    return (await this.purchases(userId)).filter((p) => isCurrent(p));
  }

  /**
   * Whether the player owns `sku` now. `verify_entitlement(sku)` is true exactly when
   * `viewer_purchases` has a current row for the sku (proven in
   * test/integration/entitlement-equivalence.test.ts), so several skus of one player cost one
   * purchases read (`purchasesCost`) instead of one verify call each.
   */
  async owns(userId: string, sku: string): Promise<boolean> {
    return (await this.purchases(userId)).some((p) => p.sku === sku && isCurrent(p));
  }

  /** One `POST /{app_id}/verify_entitlement` per distinct player. */
  static readonly ownsAppCost = perPlayer('ownership');
  /** Whether the player owns the app itself (only `verify_entitlement` answers that). */
  ownsApp(userId: string): Promise<boolean> {
    this.#ownership ??= perKeyLoader('appOwnershipByUser', this.#scope.loaders, async (id) => {
      return (await verifyEntitlement(this.#scope.transport, { userId: id })).owned;
    });
    return this.#ownership.load(userId);
  }

  /** The catalog: at most one paged `GET /application/available_purchases` read per operation. */
  static readonly catalogCost = sharedList('catalog', READ_FIELDS.catalog);
  /** Every add-on of the app's store, by sku. */
  catalog(): Promise<Map<string, CatalogItem>> {
    return this.#catalogList().all();
  }

  /** The catalog entry of `sku`, or undefined (same cost as `catalog`). */
  product(sku: string): Promise<CatalogItem | undefined> {
    return this.#catalogList().find(sku);
  }

  /** One `POST /{app_id}/consume_entitlement`. */
  static readonly consumeCost = perParent(1);
  /** Consumes a consumable add-on of the player. */
  async consume(userId: string, sku: string): Promise<boolean> {
    const success = await mapFailure(consumeEntitlement(this.#scope.transport, { userId, sku }));
    this.#purchases?.clear(userId);
    return success;
  }

  /** What a refund reads first (the player's purchases and the catalog), then its write unless a dry run. */
  static readonly refundCost = [
    EntitlementsSource.purchasesCost,
    EntitlementsSource.catalogCost,
    writeUnlessDryRun,
  ] as const;

  /**
   * What a refund would do, checked against the player's purchases and the catalog: only a
   * current DURABLE or unconsumed CONSUMABLE entitlement can be refunded.
   */
  async describeRefund(userId: string, sku: string): Promise<string> {
    const owned = (await this.purchases(userId)).find((p) => p.sku === sku && isCurrent(p));
    if (!owned) throw badUserInput(`user ${userId} has no current entitlement to ${sku}`, 'sku');
    const type = (await this.product(sku))?.type;
    if (type === 'SUBSCRIPTION')
      throw badUserInput(`${sku} is a subscription: cancel it instead of refunding`, 'sku');
    const granted = new Date((owned.grantTime ?? 0) * 1000).toISOString();
    return `refund ${sku}${type ? ` (${type})` : ''} of user ${userId}, granted ${granted}`;
  }

  /** Refunds the add-on (`POST /{app_id}/refund_iap_entitlement`). */
  async refund(userId: string, sku: string, reason: string): Promise<boolean> {
    const success = await mapFailure(refundEntitlement(this.#scope.transport, { userId, sku, reason }));
    this.#purchases?.clear(userId);
    return success;
  }

  #catalogList(): ListReader<CatalogItem> {
    return (this.#catalog ??= new ListReader(this.#scope.lists.catalog, this.#scope.transport));
  }
}
