import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DASHBOARD_TEST_CHANGE } from '../../src/emulator/webhooks.ts';
import { MemoryDeliveryRecorder } from '../../src/events/delivery-recorder.ts';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import type { PurchaseEvent } from '../../src/events/purchase-event-log.ts';
import { startFromConfig } from '../../src/start-from-config.ts';
import {
  orderStatusChange,
  postWebhook,
  subscriptionChange,
  webhookBody,
} from '../../src/shared/webhook-deliveries.ts';
import { signWebhookBody } from '../../src/shared/webhook-signature.ts';
import { emulator, subgraph, type EmulatorHandle, type SubgraphHandle } from '../helpers/harness.ts';
import { PLANTED_SECRET, transcript } from '../helpers/planted-secret.ts';
import { send } from '../helpers/raw-http.ts';
import { capturedDelivery, metricValue } from '../helpers/webhook-deliveries.ts';

// `/webhooks/horizon` over real HTTP with hand-signed bodies shaped like Meta's captured
// deliveries: the handshake, the signature, what each kind of delivery records, dedupe, limits.

const TOKEN = 'verify-token-for-the-webhook-test';
const APP_ENTRY = '1176155782242424';
const CAPTURED = capturedDelivery();

/** Every signature this file sent: none may come back in a response or a log line. */
const signatures: string[] = [];

let sg: SubgraphHandle;
let log: InMemoryPurchaseEventLog;
let hook: string;

/** POSTs `body` signed with the app secret, or with `signing.signature` (undefined: no header). */
async function deliver(body: string, signing?: { signature: string | undefined }) {
  const signature = signing ? signing.signature : signWebhookBody(body, PLANTED_SECRET);
  if (signature && signature.length > 20) signatures.push(signature);
  const res = await postWebhook(hook, body, { signature });
  const text = await res.text();
  transcript.push(text);
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const all = async (): Promise<PurchaseEvent[]> => (await log.page({ first: 1000 })).events;

const metric = (name: string, labels: Record<string, string>) => metricValue(sg.url, name, labels);

beforeAll(async () => {
  log = new InMemoryPurchaseEventLog();
  sg = await subgraph({
    server: {
      purchaseEvents: log,
      webhook: {
        verifyToken: TOKEN,
        secret: PLANTED_SECRET,
        recorder: new MemoryDeliveryRecorder(log, { ttlSeconds: 3600 }),
      },
    },
  });
  hook = `${sg.url}/webhooks/horizon`;
});

afterAll(async () => {
  await sg?.close();
  const said = [...transcript, ...(sg?.logs ?? [])].join('\n');
  for (const signature of signatures) {
    expect(said).not.toContain(signature);
    expect(said).not.toContain(signature.slice('sha256='.length));
  }
});

describe('the verification handshake', () => {
  it('answers the challenge as text/plain with the right token, 403 JSON otherwise', async () => {
    const ok = await send(sg.url, {
      method: 'GET',
      path: `/webhooks/horizon?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${TOKEN}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.text).toBe('1158201444');
    for (const query of [
      `hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong-${TOKEN}`,
      `hub.mode=subscribe&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${TOKEN}`,
      `hub.mode=subscribe&hub.verify_token=${TOKEN}`,
    ]) {
      const refused = await send(sg.url, { method: 'GET', path: `/webhooks/horizon?${query}` });
      transcript.push(refused.text);
      expect(refused.status, query).toBe(403);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(refused.text).not.toContain(TOKEN);
    }
  });
});

describe('a signed delivery', () => {
  it('records the captured PURCHASED change, occurredAt = event_time, answered 200 without calling Meta', async () => {
    await sg.emulator.checkpoint();
    const res = await deliver(CAPTURED);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ received: 1, recorded: 1, duplicates: 0 });
    expect((await sg.emulator.counts()).total).toBe(0);
    const [event] = await all();
    expect(event).toMatchObject({
      type: 'PURCHASED',
      field: 'order_status',
      occurredAt: new Date(1780420519 * 1000).toISOString(),
      userId: '3567000000000474',
      sku: 'Bundle_Xenodon',
      reportingId: '9ed497fb-7c3f-4e0e-afb8-ca286198ac9b',
      developerPayload: '""',
      subscriptionId: null,
      test: false,
    });
    expect(JSON.parse(event!.raw)).toEqual(JSON.parse(CAPTURED).entry[0].changes[0].value);
    expect(Date.now() - Date.parse(event!.receivedAt)).toBeLessThan(60_000);
  });

  it('is recorded once however often it comes, each repeat answered 200 and counted', async () => {
    const before = (await all()).length;
    const duplicatesBefore = await metric('horizon_webhook_deliveries_total', { outcome: 'duplicate' });
    for (let i = 0; i < 3; i += 1) {
      const res = await deliver(CAPTURED);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    }
    expect((await all()).length).toBe(before);
    expect(await metric('horizon_webhook_deliveries_total', { outcome: 'duplicate' })).toBe(
      duplicatesBefore + 3,
    );
    expect(await metric('horizon_webhook_events_total', { type: 'PURCHASED', result: 'duplicate' })).toBe(3);
  });

  it('records every change of a batched delivery, subscription fields included', async () => {
    const before = (await all()).length;
    const sub = { ownerId: '42', subscriptionId: '9001', sku: 'pass_monthly', periodStart: 1780000000 };
    const body = webhookBody([
      {
        id: APP_ENTRY,
        time: 1780500000,
        changes: [
          orderStatusChange({
            userId: '42',
            sku: 'gems',
            notificationType: 'REFUNDED',
            eventTime: 1780499990,
          }),
          orderStatusChange({ userId: '42', sku: 'gems', notificationType: 'CHARGEBACKED' }),
        ],
      },
      {
        id: APP_ENTRY,
        time: 1780500001,
        changes: [
          subscriptionChange('subscription_started', { ...sub, isActive: true, periodEnd: 1782592000 }),
          subscriptionChange('subscription_renewal_success', {
            ...sub,
            isActive: true,
            periodEnd: 1785270400,
          }),
          subscriptionChange('subscription_canceled', {
            ...sub,
            isActive: true,
            periodEnd: 1785270400,
            cancelReason: 'PRICE_TOO_EXPENSIVE',
          }),
          subscriptionChange('subscription_uncanceled', { ...sub, isActive: true, periodEnd: 1785270400 }),
          subscriptionChange('subscription_expired', { ...sub, isActive: false, periodEnd: 1785270400 }),
        ],
      },
    ]);
    const res = await deliver(body);
    expect(res.json()).toEqual({ received: 7, recorded: 7, duplicates: 0 });
    const events = (await all()).slice(0, (await all()).length - before).reverse();
    expect(events.map((e) => e.type)).toEqual([
      'REFUNDED',
      'CHARGEBACKED',
      'SUBSCRIPTION_STARTED',
      'SUBSCRIPTION_RENEWED',
      'SUBSCRIPTION_CANCELED',
      'SUBSCRIPTION_UNCANCELED',
      'SUBSCRIPTION_EXPIRED',
    ]);
    expect(events[0]!.occurredAt).toBe(new Date(1780499990 * 1000).toISOString());
    for (const e of events.slice(2)) {
      expect(e).toMatchObject({
        userId: '42',
        subscriptionId: '9001',
        sku: 'pass_monthly',
        reportingId: null,
      });
      // No event_time on subscription changes: when Meta sent the entry.
      expect(e.occurredAt).toBe(new Date(1780500001 * 1000).toISOString());
    }
    expect(JSON.parse(events[4]!.raw).cancel_reason).toBe('PRICE_TOO_EXPENSIVE');
  });

  it('records user_id "0" with no player, a dashboard test as test: true, unknown types and fields as UNKNOWN', async () => {
    const before = (await all()).length;
    const dashboardSample = { id: '0', changes: [DASHBOARD_TEST_CHANGE] };
    const body = webhookBody([
      {
        id: APP_ENTRY,
        changes: [orderStatusChange({ userId: '0', sku: 'gems', notificationType: 'PURCHASED' })],
      },
      dashboardSample,
      {
        id: APP_ENTRY,
        changes: [orderStatusChange({ userId: '7', sku: 'coins', notificationType: 'CONSUMED' })],
      },
      { id: APP_ENTRY, changes: [{ field: 'join_intent', value: { user_id: '7', destination: 'lobby' } }] },
    ]);
    const res = await deliver(body);
    expect(res.status).toBe(200);
    const events = (await all()).slice(0, (await all()).length - before).reverse();
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({ type: 'PURCHASED', userId: null, sku: 'gems', test: false });
    expect(events[1]).toMatchObject({
      type: 'PURCHASED',
      test: true,
      userId: '10149999707612630',
      developerPayload: '{"quoteId": 1234567}',
    });
    expect(events[2]).toMatchObject({ type: 'UNKNOWN', field: 'order_status', userId: '7', sku: 'coins' });
    expect(JSON.parse(events[2]!.raw).product_info.notification_type).toBe('CONSUMED');
    expect(events[3]).toMatchObject({ type: 'UNKNOWN', field: 'join_intent', userId: '7' });
    expect(JSON.parse(events[3]!.raw)).toEqual({ user_id: '7', destination: 'lobby' });

    // The dashboard resends the identical sample with a new envelope time: each click shows up.
    const again = await deliver(
      webhookBody([{ ...dashboardSample, time: Math.floor(Date.now() / 1000) + 5 }]),
    );
    expect(again.json()).toMatchObject({ recorded: 1 });
  });

  it('accepts well-formed JSON that is no envelope as one UNKNOWN event, never a 4xx', async () => {
    for (const body of ['{"object":"application"}', '[1,2]', '{"entry":[{"id":"1"}]}']) {
      const res = await deliver(body);
      expect(res.status, body).toBe(200);
      const [latest] = await all();
      expect(latest).toMatchObject({ type: 'UNKNOWN' });
    }
  });

  it('keeps an integer user_id above 2^53 exact', async () => {
    const body = `{"object":"application","entry":[{"id":"1","time":1780420524,"changes":[{"field":"order_status","value":{"event_time":"1780420519","user_id":31234567890123456789,"product_info":{"notification_type":"PURCHASED","reporting_id":"big","sku":"s"}}}]}]}`;
    expect((await deliver(body)).status).toBe(200);
    expect((await all())[0]).toMatchObject({ userId: '31234567890123456789', reportingId: 'big' });
  });
});

describe('a delivery that is not recorded', () => {
  it('gets 401 WEBHOOK_SIGNATURE_INVALID for a missing, wrong or foreign signature, recording nothing', async () => {
    const before = (await all()).length;
    const body = webhookBody([
      {
        id: APP_ENTRY,
        changes: [orderStatusChange({ userId: '5', sku: 'forged', notificationType: 'PURCHASED' })],
      },
    ]);
    const other = webhookBody([{ id: APP_ENTRY, changes: [] }]);
    for (const signature of [
      undefined,
      '',
      'sha256=',
      signWebhookBody(body, 'not-the-app-secret'),
      signWebhookBody(other, PLANTED_SECRET),
      signWebhookBody(body, PLANTED_SECRET).replace('sha256=', 'sha1='),
      `${signWebhookBody(body, PLANTED_SECRET)}00`,
      // Signed over re-serialized JSON instead of the bytes sent.
      signWebhookBody(JSON.stringify(JSON.parse(body), null, 2), PLANTED_SECRET),
    ]) {
      const res = await deliver(body, { signature });
      expect(res.status, String(signature)).toBe(401);
      expect(res.json()).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'WEBHOOK_SIGNATURE_INVALID' } }],
      });
    }
    expect((await all()).length).toBe(before);
    expect(await metric('horizon_webhook_deliveries_total', { outcome: 'invalid_signature' })).toBe(8);
  });

  it('gets 400 for a signed body that is not JSON, 413 over 1 MB', async () => {
    const before = (await all()).length;
    const broken = await deliver('{"object":"application","entry":[');
    expect(broken.status).toBe(400);
    expect(broken.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    const huge = JSON.stringify({ object: 'application', entry: [], pad: 'x'.repeat(1024 * 1024) });
    const tooLarge = await deliver(huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    expect((await all()).length).toBe(before);
  });

  it('is served ahead of Express with the same edges: request id, chunked bodies, encodings, methods, path forms', async () => {
    const before = (await all()).length;
    const signed = (body: string) => ({
      'content-type': 'application/json',
      'x-hub-signature-256': signWebhookBody(body, PLANTED_SECRET),
    });
    // A delivery keeps the caller's request id, like every other answer of the server.
    const body = webhookBody([
      {
        id: APP_ENTRY,
        changes: [orderStatusChange({ userId: '55', sku: 'edge_sku', notificationType: 'PURCHASED' })],
      },
    ]);
    const ok = await send(sg.url, {
      path: '/webhooks/horizon/?via=edge',
      headers: { ...signed(body), 'x-request-id': 'edge-request-1' },
      body,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-request-id']).toBe('edge-request-1');
    expect(JSON.parse(ok.text)).toEqual({ received: 1, recorded: 1, duplicates: 0 });
    // Over 1 MB without a content-length (chunked): cut off while reading, 413, nothing recorded.
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        hook,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += String(chunk)));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text)).toMatchObject({
      errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
    // Compressed bodies are not inflated (Meta does not compress; the signature covers the bytes sent).
    const gzip = await send(sg.url, {
      path: '/webhooks/horizon',
      headers: { ...signed(body), 'content-encoding': 'gzip' },
      body,
    });
    expect(gzip.status).toBe(415);
    expect(JSON.parse(gzip.text)).toMatchObject({
      errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
    const put = await send(sg.url, { method: 'PUT', path: '/webhooks/horizon', headers: signed(body), body });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    // A longer path is not the webhook: Express's 404.
    const other = await send(sg.url, { path: '/webhooks/horizon-x', headers: signed(body), body });
    expect(other.status).toBe(404);
    expect((await all()).length).toBe(before + 1);
  });
});

describe('when the log cannot be written', () => {
  it('answers 503 with Retry-After, so Meta delivers again, and a later retry is recorded', async () => {
    const failingLog = new InMemoryPurchaseEventLog();
    let down = true;
    const recorder = new MemoryDeliveryRecorder(
      Object.assign(Object.create(failingLog) as InMemoryPurchaseEventLog, {
        append: async (events: Parameters<InMemoryPurchaseEventLog['append']>[0]) => {
          if (down) throw new Error('Redis unreachable');
          return failingLog.append(events);
        },
      }),
      { ttlSeconds: 60 },
    );
    const flaky = await subgraph({
      upstream: sg.emulator,
      server: {
        purchaseEvents: failingLog,
        webhook: { verifyToken: TOKEN, secret: PLANTED_SECRET, recorder },
      },
    });
    try {
      const url = `${flaky.url}/webhooks/horizon`;
      const first = await postWebhook(url, CAPTURED, { secret: PLANTED_SECRET });
      const text = await first.text();
      transcript.push(text);
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(failingLog.size).toBe(0);
      down = false;
      const retry = await postWebhook(url, CAPTURED, { secret: PLANTED_SECRET });
      transcript.push(await retry.text());
      expect(retry.status).toBe(200);
      expect(failingLog.size).toBe(1);
    } finally {
      await flaky.close();
    }
  });
});

describe('configuration', () => {
  let upstream: EmulatorHandle;
  beforeAll(async () => {
    upstream = await emulator();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  async function started(env: Record<string, string>) {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      HORIZON_APP_ID: upstream.app.id,
      HORIZON_APP_SECRET: upstream.app.secret,
      AUTH_DISABLED: 'true',
      ...env,
    });
    return startFromConfig(config, {
      baseUrl: upstream.url,
      appId: upstream.app.id,
      appSecret: upstream.app.secret,
    });
  }

  it('without HORIZON_WEBHOOK_VERIFY_TOKEN answers both methods with a JSON 404 saying how to turn it on', async () => {
    const subgraph = await started({});
    try {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${subgraph.server.url}/webhooks/horizon?hub.mode=subscribe`, {
          method,
          body: method === 'POST' ? CAPTURED : undefined,
        });
        const text = await res.text();
        transcript.push(text);
        expect(res.status).toBe(404);
        expect(JSON.parse(text).errors[0].message).toContain('HORIZON_WEBHOOK_VERIFY_TOKEN');
      }
    } finally {
      await subgraph.server.close();
      await subgraph.horizon.close();
    }
  });

  it('checks signatures with the app secret by default, with HORIZON_WEBHOOK_SECRET when set', async () => {
    const byDefault = await started({ HORIZON_WEBHOOK_VERIFY_TOKEN: TOKEN });
    const ownSecret = await started({
      HORIZON_WEBHOOK_VERIFY_TOKEN: TOKEN,
      HORIZON_WEBHOOK_SECRET: 'a-webhook-secret-of-its-own',
    });
    try {
      const post = async (url: string, secret: string) => {
        const res = await postWebhook(`${url}/webhooks/horizon`, CAPTURED, { secret });
        transcript.push(await res.text());
        return res.status;
      };
      expect(await post(byDefault.server.url, upstream.app.secret)).toBe(200);
      expect(await post(ownSecret.server.url, upstream.app.secret)).toBe(401);
      expect(await post(ownSecret.server.url, 'a-webhook-secret-of-its-own')).toBe(200);
    } finally {
      for (const s of [byDefault, ownSecret]) {
        await s.server.close();
        await s.horizon.close();
      }
    }
  });

  it('with HORIZON_WEBHOOK_ALLOW_UNSIGNED=true records unsigned deliveries and warns at start', async () => {
    const unsignedLog = new InMemoryPurchaseEventLog();
    const open = await subgraph({
      upstream,
      server: {
        purchaseEvents: unsignedLog,
        webhook: {
          verifyToken: TOKEN,
          allowUnsigned: true,
          recorder: new MemoryDeliveryRecorder(unsignedLog, { ttlSeconds: 60 }),
        },
      },
    });
    try {
      const res = await postWebhook(`${open.url}/webhooks/horizon`, CAPTURED, { signature: undefined });
      transcript.push(await res.text());
      expect(res.status).toBe(200);
      expect(unsignedLog.size).toBe(1);
      expect(open.logs.join('\n')).toContain('HORIZON_WEBHOOK_ALLOW_UNSIGNED=true');
    } finally {
      await open.close();
    }
    expect(
      loadConfig({ HORIZON_WEBHOOK_VERIFY_TOKEN: TOKEN, HORIZON_WEBHOOK_ALLOW_UNSIGNED: 'true' }),
    ).toMatchObject({ purchaseEvents: { webhook: { allowUnsigned: true } } });
  });
});
