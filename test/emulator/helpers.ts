/**
 * Shared pieces of the emulator tests: a small fixture built in code, and an emulator on an
 * ephemeral port with a `call` helper that speaks the wire protocol directly (fetch, no client).
 */
import { startEmulator, type EmulatorOptions, type Fixture } from '../../src/emulator/index.ts';
import { parseJson } from '../../src/emulator/json.ts';

export const APP_ID = '100';
export const APP_SECRET = 'test-app-secret';
export const APP_TOKEN = `OC|${APP_ID}|${APP_SECRET}`;

/** User ids and tokens of the small fixture. */
export const ADA = { id: '201', token: 'FRLada0000000000', orgScopedId: '901' };
export const BOB = { id: '202', token: 'FRLbob0000000000' };
export const CY = { id: '203', token: 'FRLcy00000000000' };
export const DEE = { id: '204', token: 'FRLdee0000000000' }; // does not own the app
export const EVE = { id: '205', token: 'FRLeve0000000000' }; // on no leaderboard

/** A fresh small fixture: every call returns new objects, so tests may change it freely. */
export function smallFixture(): Fixture {
  return {
    app: { id: APP_ID, secret: APP_SECRET },
    users: [
      {
        id: ADA.id,
        alias: 'ada',
        org_scoped_id: ADA.orgScopedId,
        access_token: ADA.token,
        friends: [BOB.id],
        display_name: 'Ada L.',
        profile_url: 'https://example.test/ada.png',
        app_grant_time: 1_600_000_000,
      },
      { id: BOB.id, alias: 'bob', access_token: BOB.token, friends: [ADA.id, CY.id] },
      { id: CY.id, alias: 'cy', access_token: CY.token, friends: [BOB.id] },
      { id: DEE.id, alias: 'dee', access_token: DEE.token, owns_app: false },
      { id: EVE.id, alias: 'eve', access_token: EVE.token },
    ],
    achievement_definitions: [
      {
        api_name: 'FIRST_WIN',
        achievement_type: 'SIMPLE',
        achievement_write_policy: 'CLIENT_AUTHORITATIVE',
        title: 'First win',
        description: 'Win a race',
      },
      {
        api_name: 'MILES',
        achievement_type: 'COUNT',
        achievement_write_policy: 'SERVER_AUTHORITATIVE',
        target: 100,
        title: 'Miles',
        description: 'Drive 100 miles',
      },
      {
        api_name: 'HUGE',
        achievement_type: 'COUNT',
        achievement_write_policy: 'CLIENT_AUTHORITATIVE',
        target: '9223372036854775807',
      },
      {
        api_name: 'CONTINENTS',
        achievement_type: 'BITFIELD',
        achievement_write_policy: 'CLIENT_AUTHORITATIVE',
        target: 3,
        bitfield_length: 7,
        title: 'Globetrotter',
      },
      {
        api_name: 'OLD',
        achievement_type: 'SIMPLE',
        achievement_write_policy: 'CLIENT_AUTHORITATIVE',
        is_archived: true,
      },
    ],
    achievement_progress: [{ user_id: ADA.id, api_name: 'MILES', count_progress: 10 }],
    products: [
      { sku: 'sword', type: 'DURABLE', name: 'Sword', price: { currency: 'USD', amount_in_hundredths: 499 } },
      {
        sku: 'coins',
        type: 'CONSUMABLE',
        name: '100 coins',
        price: { currency: 'USD', amount_in_hundredths: 99 },
      },
      {
        sku: 'vip',
        type: 'SUBSCRIPTION',
        name: 'VIP',
        price: { currency: 'USD', amount_in_hundredths: 199 },
        subscription_term: 'MONTHLY',
      },
    ],
    purchases: [
      { id: '301', user_id: ADA.id, sku: 'sword', grant_time: 1_700_000_000 },
      { id: '302', user_id: ADA.id, sku: 'coins', grant_time: 1_700_000_100 },
      { id: '303', user_id: BOB.id, sku: 'coins', grant_time: 1_600_000_000, expiration_time: 1_600_000_001 },
    ],
    subscriptions: [
      {
        id: '401',
        user_id: ADA.id,
        sku: 'vip',
        period_start_time: '2026-01-01T00:00:00+0000',
        period_end_time: '2026-02-01T00:00:00+0000',
        next_renewal_time: '2026-02-01T00:00:00+0000',
        current_price_term: { term: 'MONTHLY', currency: 'USD', price: '1.99' },
      },
      { id: '402', user_id: BOB.id, sku: 'vip', is_active: false, is_trial: true, trial_type: 'FREE_TRIAL' },
    ],
    leaderboards: [
      { id: '501', api_name: 'HIGH', sort_order: 'HIGHER_IS_BETTER', title: 'High score' },
      { id: '502', api_name: 'FAST', sort_order: 'LOWER_IS_BETTER' },
      {
        id: '503',
        api_name: 'SERVER_ONLY',
        sort_order: 'HIGHER_IS_BETTER',
        entry_write_policy: 'SERVER_AUTHORITATIVE',
      },
      {
        id: '504',
        api_name: 'CLOSED',
        sort_order: 'HIGHER_IS_BETTER',
        earliest_allowed_entry_time: 1000,
        latest_allowed_entry_time: 2000,
      },
      {
        id: '505',
        api_name: 'NOT_YET',
        sort_order: 'HIGHER_IS_BETTER',
        earliest_allowed_entry_time: 4_000_000_000,
      },
    ],
    leaderboard_entries: [
      { id: '601', api_name: 'HIGH', user_id: ADA.id, score: 50, timestamp: 10 },
      {
        id: '602',
        api_name: 'HIGH',
        user_id: BOB.id,
        score: 70,
        timestamp: 20,
        extra_data_base64: 'T2N1bHVz',
      },
      { id: '603', api_name: 'HIGH', user_id: CY.id, score: 50, timestamp: 5 },
      { id: '611', api_name: 'FAST', user_id: ADA.id, score: 900, timestamp: 10 },
    ],
    nonces: [{ user_id: ADA.id, nonce: 'nonce-ada-1' }],
  };
}

/** A parsed response: status, headers, the exact-int64 JSON body and its raw text. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // Tests index into responses freely; the assertions say what they expect.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** How to send a call: parameters in the query, a form, multipart or JSON body; token by header or param. */
export interface CallOptions {
  query?: Record<string, string>;
  form?: Record<string, string>;
  multipart?: Record<string, string | Blob>;
  json?: Record<string, unknown>;
  /** Sent as `Authorization: Bearer`; `null` sends no header. */
  bearer?: string | null;
  headers?: Record<string, string>;
}

/** An emulator for one test file, with a raw-HTTP caller. */
export interface TestEmulator {
  url: string;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** GET of an absolute URL (for `paging.next`), with no token beyond what the URL carries. */
  follow(url: string): Promise<ApiResponse>;
  control(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function testEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({ fixture: smallFixture(), ...options });
  const call = async (method: string, path: string, options: CallOptions = {}) => {
    const url = new URL(path, emulator.url);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.bearer === undefined ? APP_TOKEN : options.bearer;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let body: string | FormData | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.multipart) {
      body = new FormData();
      for (const [name, value] of Object.entries(options.multipart)) body.append(name, value);
    } else if (options.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    return toApiResponse(await fetch(url, { method, headers, body }));
  };
  return {
    url: emulator.url,
    call,
    follow: async (url) => toApiResponse(await fetch(url)),
    control: async (method, path, body) =>
      toApiResponse(
        await fetch(`${emulator.url}/__emulator/${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    close: () => emulator.close(),
  };
}

async function toApiResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = parseJson(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}
