/**
 * Control endpoints that make things happen the way a player would on the headset, and drive the
 * webhook (`webhooks.ts`):
 * - `POST /__emulator/purchases {user_id, sku}`: a purchase (a subscription sku starts a subscription);
 * - `POST /__emulator/subscriptions/{renew,uncancel,expire} {user_id, sku}`: what Meta's billing does
 *   to a subscription over time (the S2S API has no such calls);
 * - `POST /__emulator/webhooks/faults {fault, times?}`: arms a fault knob (`WEBHOOK_FAULTS`);
 * - `POST /__emulator/webhooks/test`: the dashboard's test delivery;
 * - `GET /__emulator/webhooks/deliveries`: every delivery attempt and the status it got.
 */
import { z } from 'zod';
import { nowSeconds } from './context.ts';
import type { ControlAnswer } from './control.ts';
import { parseJson } from './json.ts';
import type { EmulatorState, SubscriptionRecord } from './state.ts';
import { WEBHOOK_FAULTS, type WebhookSender } from './webhooks.ts';

const PurchaseSchema = z.object({
  user_id: z.string().regex(/^\d+$/, 'user_id must be a numeric string'),
  sku: z.string().min(1),
});

const FaultSchema = z.object({
  fault: z.enum(WEBHOOK_FAULTS),
  times: z.int().positive().max(1000).default(1),
});

/** A subscription's first period. */
const PERIOD_SECONDS = 30 * 86_400;

/** The subscription fields of a webhook change, from the emulator's record. */
export function subscriptionOf(record: SubscriptionRecord) {
  return {
    ownerId: record.user_id,
    subscriptionId: record.id,
    sku: record.sku,
    isActive: record.is_active,
    periodStart: record.period_start_time ?? nowSeconds(),
    periodEnd: record.period_end_time ?? nowSeconds(),
  };
}

/** Answers the endpoints above; undefined for any other path (the other control endpoints). */
export function handleEventControl(
  state: EmulatorState,
  webhooks: WebhookSender | undefined,
  method: string,
  path: string,
  body: string,
): ControlAnswer | undefined {
  const endpoint = `${method} ${path.replace(/\/+$/, '')}`;
  if (endpoint === 'POST /__emulator/purchases') return purchase(state, webhooks, body);
  const lifecycle = /^POST \/__emulator\/subscriptions\/(renew|uncancel|expire)$/.exec(endpoint)?.[1];
  if (lifecycle) return subscriptionChange(state, webhooks, lifecycle as keyof typeof LIFECYCLE, body);
  if (!endpoint.includes(' /__emulator/webhooks/')) return undefined;
  if (!webhooks)
    return error(
      409,
      'No webhook is configured: start the emulator with --webhook-url (EMULATOR_WEBHOOK_URL)',
    );
  if (endpoint === 'POST /__emulator/webhooks/faults') {
    const parsed = read(FaultSchema, body);
    if ('status' in parsed) return parsed;
    webhooks.addFault(parsed.fault, parsed.times);
    return { status: 200, body: { success: true } };
  }
  if (endpoint === 'POST /__emulator/webhooks/test') {
    webhooks.dashboardTest();
    return { status: 200, body: { success: true } };
  }
  if (endpoint === 'GET /__emulator/webhooks/deliveries')
    return { status: 200, body: { attempts: webhooks.attempts } };
  return undefined;
}

function purchase(state: EmulatorState, webhooks: WebhookSender | undefined, body: string): ControlAnswer {
  const parsed = read(PurchaseSchema, body);
  if ('status' in parsed) return parsed;
  const { user_id: userId, sku } = parsed;
  if (!state.users.has(userId)) return error(400, `No user ${userId} in the fixture`);
  const product = state.products.get(sku);
  if (!product) return error(400, `No item with sku ${sku}`);
  const now = nowSeconds();
  if (product.type === 'SUBSCRIPTION') {
    if (state.subscriptions.some((s) => s.user_id === userId && s.sku === sku && s.is_active))
      return error(400, `User ${userId} already has an active ${sku} subscription`);
    const record: SubscriptionRecord = {
      id: state.newId(),
      user_id: userId,
      sku,
      is_trial: false,
      is_active: true,
      period_start_time: now,
      period_end_time: now + PERIOD_SECONDS,
      next_renewal_time: now + PERIOD_SECONDS,
      extended_days: 0,
    };
    state.subscriptions.push(record);
    webhooks?.subscription('subscription_started', subscriptionOf(record));
    return { status: 200, body: { id: record.id, subscription: true } };
  }
  const id = state.newId();
  state.purchases.push({ id, user_id: userId, sku, grant_time: now, expiration_time: 0 });
  webhooks?.order(userId, sku, 'PURCHASED');
  return { status: 200, body: { id } };
}

/** What each lifecycle step does to the record, and the webhook field it sends. */
const LIFECYCLE = {
  renew: {
    field: 'subscription_renewal_success',
    apply(record: SubscriptionRecord, now: number) {
      const start = Math.max(record.period_end_time ?? now, now);
      record.period_start_time = start;
      record.period_end_time = start + PERIOD_SECONDS;
      record.next_renewal_time = record.period_end_time;
    },
  },
  uncancel: {
    field: 'subscription_uncanceled',
    apply(record: SubscriptionRecord) {
      record.cancellation_time = undefined;
    },
  },
  expire: {
    field: 'subscription_expired',
    apply(record: SubscriptionRecord, now: number) {
      record.is_active = false;
      record.period_end_time = Math.min(record.period_end_time ?? now, now);
      record.next_renewal_time = undefined;
    },
  },
} as const;

function subscriptionChange(
  state: EmulatorState,
  webhooks: WebhookSender | undefined,
  step: keyof typeof LIFECYCLE,
  body: string,
): ControlAnswer {
  const parsed = read(PurchaseSchema, body);
  if ('status' in parsed) return parsed;
  const record = state.subscriptions.find(
    (s) => s.user_id === parsed.user_id && s.sku === parsed.sku && s.is_active,
  );
  if (!record) return error(400, `User ${parsed.user_id} has no active ${parsed.sku} subscription`);
  if (step === 'uncancel' && record.cancellation_time === undefined)
    return error(400, `The ${parsed.sku} subscription is not cancelled`);
  LIFECYCLE[step].apply(record, nowSeconds());
  webhooks?.subscription(LIFECYCLE[step].field, subscriptionOf(record));
  return { status: 200, body: { id: record.id } };
}

function read<T extends z.ZodType>(schema: T, body: string): z.output<T> | ControlAnswer {
  let json: unknown;
  try {
    json = parseJson(body);
  } catch (cause) {
    return error(400, `The body must be a JSON object: ${(cause as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) return error(400, result.error.issues.map((i) => i.message).join('; '));
  return result.data;
}

function error(status: number, message: string): ControlAnswer {
  return { status, body: { error: { message, type: 'EmulatorControlError' } } };
}
