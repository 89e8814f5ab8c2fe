import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { isValidWebhookSignature, SIGNATURE_HEADER } from '../../src/shared/webhook-signature.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';

// The emulator's webhook: what it delivers for purchases, refunds, consumptions and subscription
// changes, signed as Meta signs, batched, retried, and its fault knobs. A loopback receiver
// records each delivery and answers what the test tells it to.

const APEX = '1000000000000002'; // no purchases in the demo fixture
const COINS = '1000000000000010';

/** A change's `value` as the tests read it (order and subscription fields). */
interface ChangeValue {
  event_time?: string;
  user_id?: string;
  owner_id?: string;
  cancel_reason?: string;
  product_info: { notification_type: string; reporting_id: string; sku: string };
  subscription?: { id: string; sku: string; is_active: boolean };
}

/** What the tests read of control and API answers. */
interface Answer {
  id?: string;
  subscription?: boolean;
  data?: unknown[];
  attempts?: { delivery: number; attempt: number; status: number }[];
}

interface Received {
  signatureValid: boolean;
  body: {
    object: string;
    entry: { id: string; time: number; changes: { field: string; value: ChangeValue }[] }[];
  };
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** Statuses to answer, first first; 200 when empty. */
const answers: number[] = [];

let emu: RunningEmulator;

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.url}/__emulator/${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

async function api(method: string, path: string, params: Record<string, string>) {
  const url = new URL(`${emu.url}/${path}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer OC|${emu.app.id}|${emu.app.secret}` },
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

const changes = () => received.flatMap((r) => r.body.entry.flatMap((e) => e.changes));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({
        signatureValid: isValidWebhookSignature(
          raw,
          req.headers[SIGNATURE_HEADER] as string | undefined,
          PLANTED_SECRET,
        ),
        body: JSON.parse(raw.toString('utf8')),
      });
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/horizon`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

async function startWith(options: { timeScale?: number; batchMs?: number } = {}) {
  emu = await startEmulator({
    port: 0,
    app: { secret: PLANTED_SECRET },
    strict: false,
    webhook: { url: receiverUrl, timeScale: options.timeScale ?? 0.0001, batchMs: options.batchMs ?? 5 },
  });
}

afterEach(async () => {
  await emu?.close();
  received.length = 0;
  answers.length = 0;
});

describe('POST /__emulator/purchases', () => {
  it("records the purchase in viewer_purchases and delivers a signed order_status in Meta's shape", async () => {
    await startWith();
    const bought = await control('POST', 'purchases', { user_id: APEX, sku: 'track_pack_alpine' });
    expect(bought.status).toBe(200);
    const purchases = await api('GET', `${emu.app.id}/viewer_purchases`, {
      user_id: APEX,
      fields: 'id,item{sku}',
    });
    expect(purchases.json.data).toMatchObject([{ id: bought.json.id, item: { sku: 'track_pack_alpine' } }]);
    await emu.webhooks!.idle();
    expect(received).toHaveLength(1);
    expect(received[0]!.signatureValid).toBe(true);
    const { body } = received[0]!;
    expect(body.object).toBe('application');
    expect(body.entry[0]!.id).toBe(emu.app.id);
    expect(typeof body.entry[0]!.time).toBe('number');
    const [change] = body.entry[0]!.changes;
    expect(change!.field).toBe('order_status');
    expect(change!.value).toEqual({
      event_time: expect.stringMatching(/^\d{10}$/),
      user_id: APEX,
      product_info: {
        notification_type: 'PURCHASED',
        reporting_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sku: 'track_pack_alpine',
        developer_payload: '""',
      },
    });
  });

  it('refuses an unknown player or sku', async () => {
    await startWith();
    expect(
      (await control('POST', 'purchases', { user_id: '1999999999999999', sku: 'coins_500' })).status,
    ).toBe(400);
    expect((await control('POST', 'purchases', { user_id: APEX, sku: 'nope' })).status).toBe(400);
    expect((await control('POST', 'purchases', { sku: 'coins_500' })).status).toBe(400);
  });

  it('batches changes made together, and notifies refunds, consumptions and subscription changes', async () => {
    await startWith({ batchMs: 50 });
    await Promise.all([
      control('POST', 'purchases', { user_id: APEX, sku: 'coins_500' }),
      control('POST', 'purchases', { user_id: APEX, sku: 'livery_neon_nights' }),
    ]);
    await emu.webhooks!.idle();
    expect(received).toHaveLength(1);
    expect(received[0]!.body.entry[0]!.changes).toHaveLength(2);

    expect(
      (await api('POST', `${emu.app.id}/consume_entitlement`, { user_id: APEX, sku: 'coins_500' })).status,
    ).toBe(200);
    await emu.webhooks!.idle();
    expect(
      (
        await api('POST', `${emu.app.id}/refund_iap_entitlement`, {
          user_id: APEX,
          sku: 'livery_neon_nights',
          reason: 'x',
        })
      ).status,
    ).toBe(200);
    const sub = await control('POST', 'purchases', { user_id: APEX, sku: 'rally_pass_monthly' });
    expect(sub.json).toMatchObject({ subscription: true });
    await emu.webhooks!.idle();
    const cancel = await api('POST', `application/cancel_subscription`, {
      owner_id: APEX,
      sku: 'rally_pass_monthly',
      cancel_reason: '1',
    });
    expect(cancel.status).toBe(200);
    await emu.webhooks!.idle();
    const all = changes();
    expect(all.map((c) => c.value.product_info?.notification_type ?? c.field)).toEqual([
      'PURCHASED',
      'PURCHASED',
      'CONSUMED',
      'REFUNDED',
      'subscription_started',
      'subscription_canceled',
    ]);
    // A refund or consumption carries its purchase's reporting id.
    const reporting = (i: number) => all[i]!.value.product_info.reporting_id;
    expect(new Set([reporting(0), reporting(1)]).size).toBe(2);
    expect([reporting(2), reporting(3)].sort()).toEqual([reporting(0), reporting(1)].sort());
    const [started, canceled] = all.slice(4);
    expect(started!.value).toMatchObject({
      owner_id: APEX,
      subscription: { id: sub.json.id, sku: 'rally_pass_monthly', is_active: true },
    });
    expect(canceled!.value).toMatchObject({
      cancel_reason: 'PRICE_TOO_EXPENSIVE',
      subscription: { id: sub.json.id },
    });
    expect(received.every((r) => r.signatureValid)).toBe(true);
  });
});

describe('POST /__emulator/subscriptions/{renew,uncancel,expire}', () => {
  it("sends the subscription's lifecycle and changes what the S2S API answers", async () => {
    await startWith();
    const sub = await control('POST', 'purchases', { user_id: APEX, sku: 'rally_pass_annual' });
    const body = { user_id: APEX, sku: 'rally_pass_annual' };
    expect((await control('POST', 'subscriptions/renew', body)).status).toBe(200);
    expect((await control('POST', 'subscriptions/uncancel', body)).status).toBe(400); // not cancelled
    await api('POST', 'application/cancel_subscription', {
      owner_id: APEX,
      sku: 'rally_pass_annual',
      cancel_reason: '0',
    });
    await emu.webhooks!.idle();
    expect((await control('POST', 'subscriptions/uncancel', body)).status).toBe(200);
    expect((await control('POST', 'subscriptions/expire', body)).status).toBe(200);
    expect((await control('POST', 'subscriptions/renew', body)).status).toBe(400); // no longer active
    await emu.webhooks!.idle();
    expect(changes().map((c) => c.field)).toEqual([
      'subscription_started',
      'subscription_renewal_success',
      'subscription_canceled',
      'subscription_uncanceled',
      'subscription_expired',
    ]);
    expect(changes().every((c) => c.value.subscription?.id === sub.json.id)).toBe(true);
    expect(changes().at(-1)!.value.subscription!.is_active).toBe(false);
  });
});

describe('delivery', () => {
  it('retries a delivery answered non-2xx on its schedule, the same body each time, until a 2xx', async () => {
    await startWith();
    answers.push(500, 503);
    await control('POST', 'purchases', { user_id: COINS, sku: 'coins_500' });
    await emu.webhooks!.idle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const { json } = await control('GET', 'webhooks/deliveries');
    expect(json.attempts!.map((a: { attempt: number; status: number }) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
  });

  it('answers 409 on the webhook endpoints of an emulator started without --webhook-url', async () => {
    emu = await startEmulator({ port: 0, strict: false });
    expect((await control('POST', 'webhooks/test')).status).toBe(409);
    // Purchases still work; nothing is delivered.
    expect((await control('POST', 'purchases', { user_id: APEX, sku: 'coins_500' })).status).toBe(200);
  });
});

describe('fault knobs', () => {
  it('duplicate: the same delivery twice', async () => {
    await startWith();
    await control('POST', 'webhooks/faults', { fault: 'duplicate' });
    await control('POST', 'purchases', { user_id: APEX, sku: 'coins_500' });
    await emu.webhooks!.idle();
    expect(received).toHaveLength(2);
    expect(received[0]!.body).toEqual(received[1]!.body);
  });

  it('bad_signature: a first attempt with a wrong signature, then the right one once refused', async () => {
    await startWith();
    answers.push(401);
    await control('POST', 'webhooks/faults', { fault: 'bad_signature' });
    await control('POST', 'purchases', { user_id: APEX, sku: 'coins_500' });
    await emu.webhooks!.idle();
    expect(received.map((r) => r.signatureValid)).toEqual([false, true]);
  });

  it('user_id_zero, unknown_type and the dashboard test sample', async () => {
    await startWith();
    await control('POST', 'webhooks/faults', { fault: 'user_id_zero' });
    await control('POST', 'purchases', { user_id: APEX, sku: 'coins_500' });
    await emu.webhooks!.idle();
    await control('POST', 'webhooks/faults', { fault: 'unknown_type' });
    await control('POST', 'purchases', { user_id: APEX, sku: 'coins_2800' });
    await emu.webhooks!.idle();
    expect((await control('POST', 'webhooks/test')).status).toBe(200);
    await emu.webhooks!.idle();
    const [zero, unknown, sample] = changes();
    expect(zero!.value.user_id).toBe('0');
    expect(unknown!.value.product_info.notification_type).not.toMatch(/^(PURCHASED|REFUNDED|CHARGEBACKED)$/);
    expect(received[2]!.body.entry[0]!.id).toBe('0');
    expect(sample!.value).toMatchObject({
      user_id: '10149999707612630',
      event_time: '1659742639',
      product_info: { sku: 'item_sku_1', reporting_id: '03f8833e-9c02-4fa0-978f-4cfe91f86bae' },
    });
    expect((await control('POST', 'webhooks/faults', { fault: 'nonsense' })).status).toBe(400);
  });

  it('out_of_order: a purchase held back until its refund has been delivered', async () => {
    await startWith();
    await control('POST', 'webhooks/faults', { fault: 'out_of_order' });
    await control('POST', 'purchases', { user_id: APEX, sku: 'winter_cup_2026_pass' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(0);
    await api('POST', `${emu.app.id}/refund_iap_entitlement`, {
      user_id: APEX,
      sku: 'winter_cup_2026_pass',
      reason: 'x',
    });
    await emu.webhooks!.idle();
    // The refund arrives first; the purchase only once the refund was answered.
    const { json } = await control('GET', 'webhooks/deliveries');
    expect(json.attempts!.map((a: { delivery: number }) => a.delivery)).toHaveLength(2);
    expect(
      changes()
        .map((c) => c.value.product_info.notification_type)
        .sort(),
    ).toEqual(['PURCHASED', 'REFUNDED']);
    expect(received[0]!.body.entry[0]!.changes[0]!.value.product_info.notification_type).toBe('REFUNDED');
  });
});
