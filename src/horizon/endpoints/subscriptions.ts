import { READ_FIELDS } from '../../shared/read-fields.ts';
import { ROUTES } from '../../shared/routes.ts';
import type { HorizonTransport } from '../client.ts';
import { allRows } from '../paging.ts';
import { read } from '../read-fields.ts';

/** The trial types this client knows; others read as absent (see `read.enumOf`). */
export const TRIAL_TYPES = ['FREE_TRIAL', 'INTRO_OFFER'] as const;
export type TrialType = (typeof TRIAL_TYPES)[number];

/** A price term of a subscription: `{ term, currency, price: "1.99" }`. */
export interface SubscriptionPriceTerm {
  /** `MONTHLY`, `ANNUAL`, ...; absent for trials. */
  term?: string;
  currency?: string;
  /** Decimal string without currency symbol. */
  price?: string;
}

/** One subscription (`application/subscriptions` row). Times are ISO-8601 strings as sent. */
export interface Subscription {
  id: string;
  ownerId?: string;
  sku: string;
  isActive?: boolean;
  isTrial?: boolean;
  trialType?: TrialType;
  periodStartTime?: string;
  periodEndTime?: string;
  nextRenewalTime?: string;
  cancellationTime?: string;
  currentPriceTerm?: SubscriptionPriceTerm;
  nextPriceTerm?: SubscriptionPriceTerm;
}

/** Who the subscription call is about: by user id, or by alias (needs the User Profile DUC). */
export type SubscriptionOwner =
  { ownerId: string; ownerAlias?: undefined } | { ownerAlias: string; ownerId?: undefined };

/** `GET /application/subscriptions`: subscription status, filtered; every page. */
export async function getSubscriptions(
  client: HorizonTransport,
  options: {
    ownerId?: string;
    skus?: readonly string[];
    isActive?: boolean;
    isTrial?: boolean;
    userToken?: string;
  } = {},
): Promise<Subscription[]> {
  const rows = await allRows(client, {
    route: ROUTES.subscriptions,
    method: 'GET',
    path: '/application/subscriptions',
    params: {
      owner_id: options.ownerId,
      skus: options.skus?.join(','),
      is_active: options.isActive,
      is_trial: options.isTrial,
      limit: 200,
    },
    fields: READ_FIELDS.subscriptions,
    userToken: options.userToken,
    retry: 'safe',
  });
  return rows.flatMap((row) => {
    const sku = read.string(row, 'sku');
    if (!sku) return [];
    return [
      {
        id: read.string(row, 'id') ?? '',
        ownerId: read.string(read.object(row, 'owner') ?? {}, 'id'),
        sku,
        isActive: read.boolean(row, 'is_active'),
        isTrial: read.boolean(row, 'is_trial'),
        trialType: read.enumOf(row, 'trial_type', TRIAL_TYPES, 'subscription.trial_type', client),
        periodStartTime: read.string(row, 'period_start_time'),
        periodEndTime: read.string(row, 'period_end_time'),
        nextRenewalTime: read.string(row, 'next_renewal_time'),
        cancellationTime: read.string(row, 'cancellation_time'),
        currentPriceTerm: toTerm(read.object(row, 'current_price_term')),
        nextPriceTerm: toTerm(read.object(row, 'next_price_term')),
      },
    ];
  });
}

/**
 * `POST /application/cancel_subscription`: cancels at period end (irreversible through the API).
 * `cancelReason`: 0 other/testing, 1 pricing, 2 content, 3 usage, 4 purchase by mistake, 5 technical.
 */
export async function cancelSubscription(
  client: HorizonTransport,
  options: SubscriptionOwner & { sku: string; cancelReason: number },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.cancelSubscription,
    method: 'POST',
    path: '/application/cancel_subscription',
    params: {
      owner_id: options.ownerId,
      owner_alias: options.ownerAlias,
      sku: options.sku,
      cancel_reason: options.cancelReason,
    },
    // Irreversible, and a repeat after a lost answer fails as "already cancelled".
    retry: 'never',
  });
  return read.success(body);
}

/** `POST /application/extend_subscription`: moves the next renewal by 1..365 days. */
export async function extendSubscription(
  client: HorizonTransport,
  options: SubscriptionOwner & { sku: string; numberOfDays: number },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.extendSubscription,
    method: 'POST',
    path: '/application/extend_subscription',
    params: {
      owner_id: options.ownerId,
      owner_alias: options.ownerAlias,
      sku: options.sku,
      number_of_days: options.numberOfDays,
    },
    // Additive: a repeat after a lost answer would extend twice.
    retry: 'never',
  });
  return read.success(body);
}

function toTerm(row: Record<string, unknown> | undefined): SubscriptionPriceTerm | undefined {
  if (!row) return undefined;
  return {
    term: read.string(row, 'term'),
    currency: read.string(row, 'currency'),
    price: read.string(row, 'price'),
  };
}
