import type DataLoader from 'dataloader';
import {
  cancelSubscription,
  extendSubscription,
  getSubscriptions,
  type Subscription,
} from '../../horizon/index.ts';
import { mapFailure } from '../errors.ts';
import { perKeyLoader } from '../loaders/per-key-loader.ts';
import { perParent, perPlayer } from './cost.ts';
import type { SourceScope } from './source-scope.ts';
import { READ_FIELDS } from '../../shared/read-fields.ts';

/** Subscriptions: players' subscription status, cancel and extend. */
export class SubscriptionsSource {
  readonly #scope: SourceScope;
  #byOwner?: DataLoader<string, Subscription[]>;

  constructor(scope: SourceScope) {
    this.#scope = scope;
  }

  /** One paged `GET /application/subscriptions?owner_id=` read per distinct player. */
  static readonly ofUserCost = perPlayer('subscriptions', READ_FIELDS.subscriptions);
  /** The player's subscriptions, active or not. */
  ofUser(userId: string): Promise<Subscription[]> {
    this.#byOwner ??= perKeyLoader('subscriptionsByUser', this.#scope.loaders, (ownerId) =>
      getSubscriptions(this.#scope.transport, { ownerId }),
    );
    return this.#byOwner.load(userId);
  }

  /** One `POST /application/cancel_subscription` or `extend_subscription`. */
  static readonly changeCost = perParent(1);
  /** Cancels at the end of the paid period; `cancelReason` is the API's integer 0–5. */
  async cancel(userId: string, sku: string, cancelReason: number): Promise<boolean> {
    const success = await mapFailure(
      cancelSubscription(this.#scope.transport, { ownerId: userId, sku, cancelReason }),
    );
    this.#byOwner?.clear(userId);
    return success;
  }

  /** Moves the next renewal `days` later, for free. */
  async extend(userId: string, sku: string, days: number): Promise<boolean> {
    const success = await mapFailure(
      extendSubscription(this.#scope.transport, { ownerId: userId, sku, numberOfDays: days }),
    );
    this.#byOwner?.clear(userId);
    return success;
  }
}
