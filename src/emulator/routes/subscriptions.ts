/**
 * Subscriptions (reference §3.6): status list, cancel and extend. Cancelling keeps the subscription
 * active until its period ends; extending moves `next_renewal_time`, at most 365 days per call and
 * 10 years over the subscription's life.
 */
import { ROUTES } from '../../shared/routes.ts';
import { nowSeconds, type RequestContext } from '../context.ts';
import { compileProjection, nested, own, type NodeType } from '../fields.ts';
import { invalidParam, invalidUserParam, permissionDenied } from '../graph-errors.ts';
import { takePage } from '../paging.ts';
import type { Endpoint } from '../router.ts';
import type { SubscriptionRecord, UserRecord } from '../state.ts';
import { userType } from './users.ts';
import { subscriptionOf } from '../events-control.ts';
import { WEBHOOK_CANCEL_REASONS } from '../webhooks.ts';

const SECONDS_PER_DAY = 86_400;
const MAX_DAYS_PER_EXTENSION = 365;
const MAX_EXTENDED_DAYS = 3650;

type PriceTerm = NonNullable<SubscriptionRecord['current_price_term']>;

const priceTermType: NodeType<PriceTerm> = {
  name: 'PriceTerm',
  defaults: ['term', 'currency', 'price'],
  fields: { term: own('term'), currency: own('currency'), price: own('price') },
};

interface SubscriptionView {
  subscription: SubscriptionRecord;
  owner: UserRecord;
}

const time = (key: 'period_start_time' | 'period_end_time' | 'next_renewal_time' | 'cancellation_time') => ({
  get: (v: SubscriptionView) => formatTime(v.subscription[key]),
});

const subscriptionType: NodeType<SubscriptionView> = {
  name: 'Subscription',
  defaults: ['sku', 'owner', 'is_active'],
  fields: {
    id: { get: (v) => v.subscription.id },
    owner: nested(userType, (v) => v.owner),
    sku: { get: (v) => v.subscription.sku },
    period_start_time: time('period_start_time'),
    period_end_time: time('period_end_time'),
    cancellation_time: time('cancellation_time'),
    // A cancelled subscription does not renew.
    next_renewal_time: {
      get: (v) =>
        v.subscription.cancellation_time === undefined ? time('next_renewal_time').get(v) : undefined,
    },
    is_trial: { get: (v) => v.subscription.is_trial },
    trial_type: { get: (v) => (v.subscription.is_trial ? v.subscription.trial_type : undefined) },
    is_active: { get: (v) => v.subscription.is_active },
    current_price_term: nested(priceTermType, (v) => v.subscription.current_price_term),
    // Only a subscription that renews has a next term: the fixture's, else the current one.
    next_price_term: nested(priceTermType, (v) =>
      v.subscription.is_active && v.subscription.cancellation_time === undefined
        ? (v.subscription.next_price_term ?? v.subscription.current_price_term)
        : undefined,
    ),
  },
};

export const subscriptionEndpoints: Endpoint[] = [
  {
    route: ROUTES.subscriptions,
    auth: 'any',
    handle(ctx) {
      const { params, state, caller } = ctx;
      const project = compileProjection(subscriptionType, params.get('fields'));
      let ownerId: string | undefined;
      if (caller.kind === 'user') {
        if (params.has('owner_id')) throw permissionDenied('owner_id requires an app access token');
        ownerId = caller.user.id;
      } else {
        ownerId = params.get('owner_id');
        if (ownerId !== undefined && !state.users.has(ownerId)) throw invalidUserParam('owner_id', ownerId);
      }
      const isActive = params.has('is_active') ? params.bool('is_active', true) : undefined;
      const isTrial = params.has('is_trial') ? params.bool('is_trial', false) : undefined;
      const skus = params.csv('skus');
      const list = state.subscriptions
        .filter(
          (s) =>
            (ownerId === undefined || s.user_id === ownerId) &&
            (isActive === undefined || s.is_active === isActive) &&
            (isTrial === undefined || s.is_trial === isTrial) &&
            (!skus || skus.includes(s.sku)),
        )
        .map((subscription) => ({
          subscription,
          owner: state.users.get(subscription.user_id) as UserRecord,
        }));
      const { data, paging } = takePage(list, ctx);
      return { data: data.map(project), paging };
    },
  },
  {
    route: ROUTES.cancelSubscription,
    auth: 'app',
    handle(ctx) {
      const sku = ctx.params.required('sku');
      // 0 other/testing, 1 pricing, 2 content, 3 usage, 4 bought by mistake, 5 technical issues.
      const reason = ctx.params.requiredInt('cancel_reason', 0, 5);
      const subscription = activeSubscription(ctx, sku);
      if (subscription.cancellation_time !== undefined) {
        throw invalidParam(`The ${sku} subscription is already cancelled`);
      }
      subscription.cancellation_time = nowSeconds();
      ctx.webhooks?.subscription('subscription_canceled', {
        ...subscriptionOf(subscription),
        cancelReason: WEBHOOK_CANCEL_REASONS[reason],
      });
      return { success: true };
    },
  },
  {
    route: ROUTES.extendSubscription,
    auth: 'app',
    handle(ctx) {
      const sku = ctx.params.required('sku');
      const days = ctx.params.requiredInt('number_of_days', 1, MAX_DAYS_PER_EXTENSION);
      const subscription = activeSubscription(ctx, sku);
      const total = subscription.extended_days + days;
      if (total > MAX_EXTENDED_DAYS) {
        throw invalidParam(
          `Extensions are capped at ${MAX_EXTENDED_DAYS} days per subscription; ${subscription.extended_days} already used`,
        );
      }
      subscription.extended_days = total;
      const from = subscription.next_renewal_time ?? subscription.period_end_time ?? nowSeconds();
      subscription.next_renewal_time = from + days * SECONDS_PER_DAY;
      return { success: true };
    },
  },
];

/** The owner's (`owner_id` or `owner_alias`) active subscription to `sku`. */
function activeSubscription(ctx: RequestContext, sku: string): SubscriptionRecord {
  const { params, state } = ctx;
  const ownerId = params.get('owner_id');
  const ownerAlias = params.get('owner_alias');
  let owner: UserRecord | undefined;
  if (ownerId !== undefined) {
    owner = state.users.get(ownerId);
    if (!owner) throw invalidUserParam('owner_id', ownerId);
  } else if (ownerAlias !== undefined) {
    owner = [...state.users.values()].find((u) => u.alias === ownerAlias);
    if (!owner) throw invalidParam(`Param owner_alias: no user with alias ${ownerAlias}`);
  } else {
    throw invalidParam('One of the parameters owner_id or owner_alias is required');
  }
  const subscription = state.subscriptions.find(
    (s) => s.user_id === owner.id && s.sku === sku && s.is_active,
  );
  if (!subscription) throw invalidParam(`User ${owner.id} has no active subscription with sku ${sku}`);
  return subscription;
}

/** Unix seconds → the API's `2021-03-09T13:04:20+0000`. */
function formatTime(seconds: number | undefined): string | undefined {
  return seconds === undefined
    ? undefined
    : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
}
