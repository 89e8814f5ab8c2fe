/**
 * The emulator's side of Meta's IAP webhook: purchases, refunds, consumptions and subscription
 * changes become `order_status` / `subscription_*` notifications, signed like Meta's
 * (`X-Hub-Signature-256` over the raw body with the app secret) and POSTed to `--webhook-url`.
 * Changes that happen together are batched into one delivery; a delivery answered non-2xx (or
 * not at all) is retried on Meta's schedule, compressed by `timeScale`, then dropped. Fault knobs
 * reproduce what live receivers report: duplicates, a wrong signature, `user_id` "0", the
 * dashboard's test sample, an unknown type, and a refund that arrives before its purchase.
 */
import { randomUUID } from 'node:crypto';
import {
  orderStatusChange,
  postWebhook,
  subscriptionChange,
  webhookBody,
  type WebhookChange,
} from '../shared/webhook-deliveries.ts';
import { signWebhookBody } from '../shared/webhook-signature.ts';

/** `--webhook-url` and its companions. */
export interface EmulatorWebhookOptions {
  /** Where deliveries go, e.g. `http://127.0.0.1:4001/webhooks/horizon`. */
  url: string;
  /** Signing key; default the app secret (as Meta signs). */
  secret?: string;
  /** Multiplies every wait of the retry schedule: 0.001 runs Meta's 36 h in about 2 min. Default 1. */
  timeScale?: number;
  /** Changes made within this many ms go out in one delivery. Default 20. */
  batchMs?: number;
}

/**
 * The webhook options from the CLI's flags, each defaulting to its variable: `--webhook-url`
 * (`EMULATOR_WEBHOOK_URL`), `--webhook-secret` (`EMULATOR_WEBHOOK_SECRET`, default the app
 * secret), `--webhook-time-scale` (`EMULATOR_WEBHOOK_TIME_SCALE`, default 1). Undefined without a
 * URL; throws a `TypeError` naming the flag for a bad value.
 */
export function webhookOptionsFrom(
  flags: { url?: string; secret?: string; timeScale?: string },
  env: Record<string, string | undefined> = process.env,
): EmulatorWebhookOptions | undefined {
  const url = flags.url ?? (env.EMULATOR_WEBHOOK_URL || undefined);
  if (url === undefined) return undefined;
  if (!/^https?:\/\//.test(url)) throw new TypeError('--webhook-url must be an http(s) URL');
  const scale = flags.timeScale ?? (env.EMULATOR_WEBHOOK_TIME_SCALE || undefined);
  const timeScale = scale === undefined ? undefined : Number(scale);
  if (timeScale !== undefined && !(timeScale > 0 && timeScale <= 1))
    throw new TypeError('--webhook-time-scale must be a number above 0, at most 1 (e.g. 0.001)');
  return { url, secret: flags.secret ?? (env.EMULATOR_WEBHOOK_SECRET || undefined), timeScale };
}

/**
 * When a failed delivery is tried again, seconds after its first attempt: at once, then less and
 * less often over 36 h (Meta's words; the exact times are not published, these are ours).
 */
export const RETRY_SCHEDULE_SECONDS = [0, 0, 10, 60, 300, 1800, 7200, 21_600, 43_200, 86_400, 129_600];

/** The fault knobs of `POST /__emulator/webhooks/faults`. */
export const WEBHOOK_FAULTS = [
  /** The delivery is sent twice. */
  'duplicate',
  /** Its first attempt is signed with a wrong key (the retries are signed right). */
  'bad_signature',
  /** The next order carries `user_id` "0", as some live deliveries did. */
  'user_id_zero',
  /** The next order carries a `notification_type` no one knows. */
  'unknown_type',
  /** The next delivery is held back until the one after it has been sent (a refund before its purchase). */
  'out_of_order',
] as const;

export type WebhookFault = (typeof WEBHOOK_FAULTS)[number];

/** The sample the dashboard's "Send to My Server" sends, every time the same. */
export const DASHBOARD_TEST_CHANGE = orderStatusChange({
  userId: '10149999707612630',
  sku: 'item_sku_1',
  notificationType: 'PURCHASED',
  reportingId: '03f8833e-9c02-4fa0-978f-4cfe91f86bae',
  eventTime: 1659742639,
  developerPayload: '{"quoteId": 1234567}',
});

/**
 * The webhook's `cancel_reason` for the S2S `cancel_reason` codes (0 other/testing, 1 pricing,
 * 2 content, 3 usage, 4 bought by mistake, 5 technical issues). Meta's docs show only
 * `PRICE_TOO_EXPENSIVE`; the other names are ours.
 */
export const WEBHOOK_CANCEL_REASONS = [
  'OTHER',
  'PRICE_TOO_EXPENSIVE',
  'CONTENT',
  'USAGE',
  'PURCHASED_BY_MISTAKE',
  'TECHNICAL_ISSUES',
] as const;

/** One attempt to deliver, as `GET /__emulator/webhooks/deliveries` lists it. */
export interface DeliveryAttempt {
  delivery: number;
  attempt: number;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  fields: string[];
  at: string;
}

interface Delivery {
  id: number;
  entryId: string;
  changes: WebhookChange[];
  badSignature: boolean;
  copies: number;
}

/** Most attempts `GET /__emulator/webhooks/deliveries` keeps. */
const MAX_ATTEMPTS_KEPT = 10_000;

export class WebhookSender {
  readonly #options: Required<EmulatorWebhookOptions>;
  readonly #appId: string;
  readonly #faults = new Map<WebhookFault, number>();
  readonly #attempts: DeliveryAttempt[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #closing = new AbortController();
  /** The reporting id of each player's latest order of a sku: its refund or consumption reuses it. */
  readonly #reportingIds = new Map<string, string>();
  #pending: WebhookChange[] = [];
  #held: Delivery | undefined;
  #batchTimer: NodeJS.Timeout | undefined;
  #nextId = 1;

  constructor(options: EmulatorWebhookOptions, app: { id: string; secret: string }) {
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0)) throw new TypeError('webhook timeScale must be a number above 0');
    this.#options = { secret: app.secret, batchMs: 20, ...options, timeScale };
    this.#appId = app.id;
  }

  /** An order changed (a purchase on the headset, a refund, a consumption, a chargeback). */
  order(userId: string, sku: string, notificationType: string): void {
    const zero = this.#take('user_id_zero');
    const unknown = this.#take('unknown_type');
    // Whether Meta reuses the purchase's reporting_id for its refund is not documented: we do.
    const order = `${userId}/${sku}`;
    let reportingId = this.#reportingIds.get(order);
    if (notificationType === 'PURCHASED' || reportingId === undefined) {
      reportingId = randomUUID();
      this.#reportingIds.set(order, reportingId);
    }
    this.#queue(
      orderStatusChange({
        userId: zero ? '0' : userId,
        sku,
        notificationType: unknown ? 'A_TYPE_NO_ONE_KNOWS' : notificationType,
        reportingId,
      }),
    );
  }

  /** A subscription changed; `field` is the webhook field (`subscription_started`, ...). */
  subscription(field: string, subscription: Parameters<typeof subscriptionChange>[1]): void {
    this.#queue(subscriptionChange(field, subscription));
  }

  /** Sends the dashboard's test sample at once (entry id "0"). */
  dashboardTest(): void {
    this.#send(this.#delivery('0', [DASHBOARD_TEST_CHANGE]));
  }

  /** Arms `fault` for the next `times` deliveries or orders it applies to. */
  addFault(fault: WebhookFault, times = 1): void {
    this.#faults.set(fault, (this.#faults.get(fault) ?? 0) + times);
  }

  /** Every attempt so far, oldest first (the last `MAX_ATTEMPTS_KEPT`). */
  get attempts(): readonly DeliveryAttempt[] {
    return this.#attempts;
  }

  /** Resolves once nothing is queued, held back or being sent (retries waiting count as sending). */
  async idle(): Promise<void> {
    while (this.#pending.length > 0 || this.#batchTimer || this.#inFlight.size > 0) {
      if (this.#batchTimer) await new Promise((resolve) => setTimeout(resolve, this.#options.batchMs));
      else await Promise.race(this.#inFlight);
    }
  }

  /** Stops sending; pending retries are dropped. */
  close(): void {
    this.#closing.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#timers.clear();
  }

  #take(fault: WebhookFault): boolean {
    const left = this.#faults.get(fault) ?? 0;
    if (left <= 0) return false;
    this.#faults.set(fault, left - 1);
    return true;
  }

  #queue(change: WebhookChange): void {
    this.#pending.push(change);
    this.#batchTimer ??= setTimeout(() => {
      this.#batchTimer = undefined;
      const changes = this.#pending;
      this.#pending = [];
      this.#send(this.#delivery(this.#appId, changes));
    }, this.#options.batchMs);
  }

  #delivery(entryId: string, changes: WebhookChange[]): Delivery {
    return {
      id: this.#nextId++,
      entryId,
      changes,
      badSignature: this.#take('bad_signature'),
      copies: this.#take('duplicate') ? 2 : 1,
    };
  }

  #send(delivery: Delivery): void {
    if (this.#take('out_of_order')) {
      this.#held = delivery;
      return;
    }
    const held = this.#held;
    this.#held = undefined;
    // The held one goes once this one is through (delivered or given up): strictly after it.
    this.#track(this.#deliver(delivery).then(() => held && this.#deliver(held)));
  }

  #track(sending: Promise<void>): void {
    this.#inFlight.add(sending);
    void sending.finally(() => this.#inFlight.delete(sending));
  }

  async #deliver(delivery: Delivery): Promise<void> {
    // One body for every attempt: a retry is the same delivery (Meta's `entry.time` is when it was first sent).
    const body = webhookBody([{ id: delivery.entryId, changes: delivery.changes }]);
    const started = Date.now();
    for (const [attempt, afterSeconds] of RETRY_SCHEDULE_SECONDS.entries()) {
      const waitMs = started + afterSeconds * 1000 * this.#options.timeScale - Date.now();
      if (waitMs > 0 && !(await this.#sleep(waitMs))) return;
      const wrong = delivery.badSignature && attempt === 0;
      const signature = signWebhookBody(body, wrong ? `not-${this.#options.secret}` : this.#options.secret);
      const statuses = await Promise.all(
        Array.from({ length: attempt === 0 ? delivery.copies : 1 }, () => this.#post(body, signature)),
      );
      for (const status of statuses) this.#record(delivery, attempt, status);
      if (statuses.some((status) => status >= 200 && status < 300)) return;
      if (this.#closing.signal.aborted) return;
    }
  }

  async #post(body: string, signature: string): Promise<number> {
    try {
      const res = await postWebhook(this.#options.url, body, { signature }, this.#closing.signal);
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve(true);
      }, ms);
      this.#timers.add(timer);
      this.#closing.signal.addEventListener('abort', () => resolve(false), { once: true });
    });
  }

  #record(delivery: Delivery, attempt: number, status: number): void {
    this.#attempts.push({
      delivery: delivery.id,
      attempt: attempt + 1,
      status,
      fields: delivery.changes.map((change) => change.field),
      at: new Date().toISOString(),
    });
    if (this.#attempts.length > MAX_ATTEMPTS_KEPT) this.#attempts.splice(0, this.#attempts.length / 2);
  }
}
