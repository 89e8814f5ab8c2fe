import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body bytes>`,
 * keyed with the app secret. The subgraph checks it (`/webhooks/horizon`); the emulator and the
 * benchmark sign with it. Computed over the bytes as sent, never over re-serialized JSON.
 */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const PREFIX = 'sha256=';

/** The header value for `body` signed with `secret`. */
export function signWebhookBody(body: string | Buffer, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/** Whether `header` is `body`'s signature under `secret`, compared in constant time. */
export function isValidWebhookSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith(PREFIX)) return false;
  const given = Buffer.from(header.slice(PREFIX.length).trim().toLowerCase(), 'utf8');
  const expected = Buffer.from(signWebhookBody(body, secret).slice(PREFIX.length), 'utf8');
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
