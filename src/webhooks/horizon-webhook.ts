import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryRecorder } from '../events/delivery-recorder.ts';
import { readDelivery } from '../events/webhook-payload.ts';
import { parseUpstreamJson } from '../horizon/json.ts';
import { redact } from '../horizon/redact.ts';
import {
  bodyRefusal,
  MAX_BODY_BYTES,
  refuse,
  sendJson,
  type HttpRefusal,
  type RefusalListener,
} from '../http-errors.ts';
import { assignRequestId } from '../observability/request-scope.ts';
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

const INTERNAL: HttpRefusal = {
  status: 500,
  code: 'INTERNAL_SERVER_ERROR',
  message: 'Internal server error; nothing was recorded',
  rejection: 'webhook internal error',
};

const METHOD_NOT_ALLOWED: HttpRefusal = {
  status: 405,
  code: 'BAD_REQUEST',
  message: 'The webhook answers GET (the verification handshake) and POST (deliveries) only',
  rejection: 'webhook method not allowed',
};

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

/** A plain `node:http` handler (no Express on the delivery path: it is the hot one). */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Whether `req` is for `/webhooks/horizon` (a trailing slash and a query string allowed). */
export function isWebhookRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (!url.startsWith(WEBHOOK_PATH)) return false;
  const rest = url.slice(WEBHOOK_PATH.length);
  return rest === '' || rest[0] === '?' || rest === '/' || rest.startsWith('/?');
}

/**
 * `GET`/`POST /webhooks/horizon`: Meta's verification handshake, and deliveries. A delivery's
 * signature is checked over the raw body bytes before anything reads it; a signed, well-formed
 * delivery is recorded and answered 200 whatever it holds (unknown fields and types become
 * `UNKNOWN` events), without any upstream call. Off (`options` undefined), both answer a JSON 404
 * saying how to turn it on. Served on `node:http` directly, ahead of Express, so that a burst of
 * deliveries costs as little CPU and garbage as it can (the answer is due within 100 ms).
 */
export function horizonWebhookHandler(
  options: HorizonWebhookOptions | undefined,
  deps: { logger: Logger; record: RefusalListener; hooks?: WebhookHooks },
): WebhookHandler {
  const { logger, record, hooks } = deps;
  if (options && !options.allowUnsigned && !options.secret)
    throw new TypeError('horizonWebhookHandler: a secret is needed unless allowUnsigned');

  const handshake = (req: IncomingMessage, res: ServerResponse, verifyToken: string) => {
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const challenge = query.get('hub.challenge') ?? undefined;
    if (
      query.get('hub.mode') !== 'subscribe' ||
      challenge === undefined ||
      !sameSecret(query.get('hub.verify_token') ?? '', verifyToken)
    ) {
      refuse(res, HANDSHAKE_REFUSED, record);
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('x-content-type-options', 'nosniff');
    res.end(challenge);
  };

  const receive = async (req: IncomingMessage, res: ServerResponse, on: HorizonWebhookOptions) => {
    const body = await readBody(req, res, record);
    if (!body) return;
    if (!on.allowUnsigned && !isValidWebhookSignature(body, headerText(req, SIGNATURE_HEADER), on.secret!)) {
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
      outcome = await on.recorder.record(items);
    } catch (error) {
      hooks?.onDelivery('unavailable');
      logger.warn({ err: redact(String((error as Error)?.message)) }, 'webhook delivery not recorded');
      refuse(res, UNAVAILABLE, record);
      return;
    }
    sendJson(res, 200, {
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

  return (req, res) => {
    assignRequestId(req, res);
    if (!options) refuse(res, DISABLED, record);
    else if (req.method === 'GET' || req.method === 'HEAD') handshake(req, res, options.verifyToken);
    else if (req.method === 'POST')
      receive(req, res, options).catch((error: unknown) => {
        logger.error({ err: redact(String((error as Error)?.stack ?? error)) }, 'webhook delivery failed');
        refuse(res, INTERNAL, record);
      });
    else {
      res.setHeader('allow', 'GET, HEAD, POST');
      refuse(res, METHOD_NOT_ALLOWED, record);
    }
  };
}

const headerText = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The body's bytes exactly as sent (the signature covers them), at most `MAX_BODY_BYTES`; no
 * inflating, since Meta does not compress. Answers the refusal itself and gives undefined when the
 * body is too large, compressed or cut short.
 */
async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  record: RefusalListener,
): Promise<Buffer | undefined> {
  const encoding = headerText(req, 'content-encoding')?.trim().toLowerCase();
  const refusal =
    encoding && encoding !== 'identity'
      ? bodyRefusal({ type: 'encoding.unsupported' })
      : Number(headerText(req, 'content-length') ?? 0) > MAX_BODY_BYTES
        ? bodyRefusal({ type: 'entity.too.large' })
        : undefined;
  if (refusal) {
    res.setHeader('connection', 'close');
    refuse(res, refusal, record);
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.setHeader('connection', 'close');
        refuse(res, bodyRefusal({ type: 'entity.too.large' }), record);
        req.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch {
    // The caller went away (or sent less than its content-length): nobody is left to answer.
    if (!res.headersSent) refuse(res, bodyRefusal({ type: 'request.aborted' }), record);
    return undefined;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
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
