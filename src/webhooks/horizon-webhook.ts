import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { DeliveryRecorder } from '../events/delivery-recorder.ts';
import { readDelivery } from '../events/webhook-payload.ts';
import { parseUpstreamJson } from '../horizon/json.ts';
import { redact } from '../horizon/redact.ts';
import { MAX_BODY_BYTES, refuse, type HttpRefusal, type RefusalListener } from '../http-errors.ts';
import type { Logger } from '../logger.ts';
import { isValidWebhookSignature, SIGNATURE_HEADER } from '../shared/webhook-signature.ts';

/** Where Meta's IAP webhook is received. */
export const WEBHOOK_PATH = '/webhooks/horizon';

/** Metrics callbacks of the webhook; cheap, never throwing. */
export interface WebhookHooks {
  /** One delivery answered: `recorded` (≥ 1 new event), `duplicate` (all repeats), or refused. */
  onDelivery(outcome: 'recorded' | 'duplicate' | 'invalid_signature' | 'malformed' | 'unavailable'): void;
  /** Events of an accepted delivery, by type: new, or a repeat of one already recorded. */
  onEvents(type: string, result: 'recorded' | 'duplicate', count: number): void;
}

/** `/webhooks/horizon` when on (`HORIZON_WEBHOOK_VERIFY_TOKEN`). */
export interface HorizonWebhookOptions {
  /** The Verify Token entered in the dashboard; the handshake must carry it. */
  verifyToken: string;
  /** The signing key (`HORIZON_WEBHOOK_SECRET`, else the app secret); needed unless `allowUnsigned`. */
  secret?: string;
  /** Record deliveries without checking their signature (`HORIZON_WEBHOOK_ALLOW_UNSIGNED`). */
  allowUnsigned?: boolean;
  /** Records each event once (Redis with `REDIS_URL`, else this process). */
  recorder: DeliveryRecorder;
}

const DISABLED: HttpRefusal = {
  status: 404,
  code: 'NOT_FOUND',
  message:
    "Meta's purchase webhook is off on this server: set HORIZON_WEBHOOK_VERIFY_TOKEN (the dashboard's Verify Token) to receive it at /webhooks/horizon (docs/purchase-events.md)",
  rejection: 'webhook off',
};

const HANDSHAKE_REFUSED: HttpRefusal = {
  status: 403,
  code: 'FORBIDDEN',
  message: 'Webhook verification refused: hub.mode must be subscribe and hub.verify_token the Verify Token',
  rejection: 'webhook verify token mismatch',
};

const SIGNATURE_INVALID: HttpRefusal = {
  status: 401,
  code: 'WEBHOOK_SIGNATURE_INVALID',
  message:
    'X-Hub-Signature-256 is missing or does not match the body (key: HORIZON_WEBHOOK_SECRET, else the app secret); nothing was recorded',
  rejection: 'webhook signature invalid',
};

const NOT_JSON: HttpRefusal = {
  status: 400,
  code: 'BAD_REQUEST',
  message: 'Webhook body is not JSON; nothing was recorded',
  rejection: 'webhook body not JSON',
};

const UNAVAILABLE: HttpRefusal = {
  status: 503,
  code: 'SERVICE_UNAVAILABLE',
  message: 'The event log cannot be written right now; nothing was recorded: deliver again later',
  rejection: 'event log unavailable',
  headers: { 'retry-after': '5' },
};

/** Equal strings, compared in constant time (hashes first, so lengths tell nothing either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const queryText = (req: Request, name: string): string | undefined => {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * `GET`/`POST /webhooks/horizon`: Meta's verification handshake, and deliveries. A delivery's
 * signature is checked over the raw body bytes before anything reads it; a signed, well-formed
 * delivery is recorded and answered 200 whatever it holds (unknown fields and types become
 * `UNKNOWN` events), without any upstream call. Off (`options` undefined), both answer a JSON 404
 * saying how to turn it on.
 */
export function horizonWebhookRouter(
  options: HorizonWebhookOptions | undefined,
  deps: { logger: Logger; record: RefusalListener; hooks?: WebhookHooks },
): Router {
  const router = express.Router();
  const { logger, record, hooks } = deps;
  if (!options) {
    router.all('/', (_req, res) => refuse(res, DISABLED, record));
    return router;
  }
  if (!options.allowUnsigned && !options.secret)
    throw new TypeError('horizonWebhookRouter: a secret is needed unless allowUnsigned');

  router.get('/', (req, res) => {
    const challenge = queryText(req, 'hub.challenge');
    const token = queryText(req, 'hub.verify_token') ?? '';
    if (
      queryText(req, 'hub.mode') !== 'subscribe' ||
      challenge === undefined ||
      !sameSecret(token, options.verifyToken)
    ) {
      refuse(res, HANDSHAKE_REFUSED, record);
      return;
    }
    res.status(200).type('text/plain').set('x-content-type-options', 'nosniff').send(challenge);
  });

  router.post(
    '/',
    // Every content type, as bytes: the signature covers them exactly. No inflating (Meta does not compress).
    express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }),
    (req, res) => void receive(req, res),
  );

  const receive = async (req: Request, res: Response) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (
      !options.allowUnsigned &&
      !isValidWebhookSignature(body, req.get(SIGNATURE_HEADER), options.secret!)
    ) {
      hooks?.onDelivery('invalid_signature');
      refuse(res, SIGNATURE_INVALID, record);
      return;
    }
    const receivedAt = new Date();
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = parseUpstreamJson(text);
    } catch {
      hooks?.onDelivery('malformed');
      refuse(res, NOT_JSON, record);
      return;
    }
    const items = readDelivery(parsed, text, receivedAt);
    let outcome;
    try {
      outcome = await options.recorder.record(items);
    } catch (error) {
      hooks?.onDelivery('unavailable');
      logger.warn({ err: redact(String((error as Error)?.message)) }, 'webhook delivery not recorded');
      refuse(res, UNAVAILABLE, record);
      return;
    }
    res.status(200).json({
      received: items.length,
      recorded: outcome.recorded.length,
      duplicates: outcome.duplicates,
    });
    hooks?.onDelivery(outcome.recorded.length > 0 || items.length === 0 ? 'recorded' : 'duplicate');
    countEvents(hooks, items, outcome.recorded);
    logger.debug(
      { received: items.length, recorded: outcome.recorded.length, duplicates: outcome.duplicates },
      'webhook delivery',
    );
  };
  return router;
}

function countEvents(
  hooks: WebhookHooks | undefined,
  items: ReturnType<typeof readDelivery>,
  recorded: readonly { type: string }[],
): void {
  if (!hooks) return;
  const tally = (events: readonly { type: string }[]) => {
    const counts = new Map<string, number>();
    for (const { type } of events) counts.set(type, (counts.get(type) ?? 0) + 1);
    return counts;
  };
  const fresh = tally(recorded);
  for (const [type, count] of fresh) hooks.onEvents(type, 'recorded', count);
  for (const [type, count] of tally(items.map((item) => item.event)))
    if (count > (fresh.get(type) ?? 0)) hooks.onEvents(type, 'duplicate', count - (fresh.get(type) ?? 0));
}
