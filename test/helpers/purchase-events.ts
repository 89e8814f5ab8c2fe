import { SignJWT } from 'jose';
import type { NewPurchaseEvent } from '../../src/events/purchase-event-log.ts';

/** An event as the webhook intake would record it (a PURCHASED order of a demo player). */
export function purchaseEvent(overrides: Partial<NewPurchaseEvent> = {}): NewPurchaseEvent {
  return {
    type: 'PURCHASED',
    field: 'order_status',
    occurredAt: '2026-06-02T10:15:19.000Z',
    receivedAt: new Date().toISOString(),
    userId: '1000000000000001',
    sku: 'sword_of_light',
    reportingId: 'a8e3c5b2-0d1f-4f7e-9a34-4e1c6b1d2f01',
    developerPayload: '{"order":"A-1"}',
    subscriptionId: null,
    test: false,
    raw: '{"event_time":"1780395319","user_id":"1000000000000001"}',
    ...overrides,
  };
}

/** HS256 key of the test JWTs (`AUTH_JWT_SECRET`). */
export const JWT_KEY = 'purchase-events-test-hs256-key-of-32+chars';

/** A caller's token with `scope`, signed with `key`. */
export function callerToken(scope: string, key = JWT_KEY): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('analytics-service')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(key));
}
