import { MockAgent } from 'undici';
import { horizonFailure } from '../helpers/horizon-failure.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { HorizonApiError } from '../../src/horizon/index.ts';
import {
  HorizonClient,
  buildFields,
  getUserAchievements,
  getViewerPurchases,
  toInt64String,
} from '../../src/horizon/index.ts';

// Unit tests for edge cases a real server cannot easily produce. Everything a server can do is
// tested against the emulator over real HTTP in test/integration/horizon-client.test.ts.

const SECRET = 'planted-secret-7f3a9c';
const ORIGIN = 'https://graph.oculus.com';

function setup() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  // One attempt: these tests are about how a single answer is read, not about retries.
  const client = new HorizonClient({
    appId: '123',
    appSecret: SECRET,
    dispatcher: agent,
    resilience: { retry: { maxAttempts: 1 } },
  });
  return { agent, pool, client };
}

function expectNoSecret(error: HorizonApiError): void {
  for (const text of [error.message, String(error), JSON.stringify(error), error.stack ?? '']) {
    expect(text).not.toContain(SECRET);
  }
}

let agent: MockAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

describe('HorizonClient edge cases', () => {
  it('refuses to follow a paging.next URL to another host', async () => {
    const s = setup();
    agent = s.agent;
    s.pool.intercept({ path: (p) => p.startsWith('/123/viewer_purchases'), method: 'GET' }).reply(200, {
      data: [{ id: '1', item: { sku: 'A' } }],
      paging: { next: `https://evil.example.com/123/viewer_purchases?access_token=OC|123|${SECRET}` },
    });
    const error = await horizonFailure(getViewerPurchases(s.client, { userId: '42' }));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(/another host/);
    expectNoSecret(error);
  });

  it('strips access_token from a paging.next URL and sends credentials only in the header', async () => {
    const s = setup();
    agent = s.agent;
    const seen: { path: string; auth: string }[] = [];
    s.pool
      .intercept({ path: (p) => p.startsWith('/123/viewer_purchases'), method: 'GET' })
      .reply(200, (opts) => {
        seen.push({ path: opts.path, auth: String((opts.headers as Record<string, string>).authorization) });
        return {
          data: [{ id: '1', item: { sku: 'A' } }],
          paging: { next: `${ORIGIN}/123/viewer_purchases?access_token=OC%7C123%7C${SECRET}&after=XYZ` },
        };
      });
    s.pool.intercept({ path: (p) => p.includes('after=XYZ'), method: 'GET' }).reply(200, (opts) => {
      seen.push({ path: opts.path, auth: String((opts.headers as Record<string, string>).authorization) });
      return { data: [{ id: '2', item: { sku: 'B' } }] };
    });
    const rows = await getViewerPurchases(s.client, { userId: '42' });
    expect(rows.map((r) => r.sku)).toEqual(['A', 'B']);
    expect(seen).toHaveLength(2);
    for (const { path, auth } of seen) {
      expect(path).not.toContain('access_token');
      expect(path).not.toContain(SECRET);
      expect(auth).toBe(`Bearer OC|123|${SECRET}`);
    }
  });

  it('turns an error message that echoes the secret into a redacted message', async () => {
    const s = setup();
    agent = s.agent;
    s.pool.intercept({ path: (p) => p.startsWith('/42/achievements'), method: 'GET' }).reply(400, {
      error: {
        message: `Invalid token OC|123|${SECRET} for ${SECRET}`,
        type: 'OCApiException',
        code: 190,
        error_data: { token: SECRET },
        fbtrace_id: 'TRACE1',
      },
    });
    const error = await horizonFailure(getUserAchievements(s.client, { userId: '42' }));
    expect(error).toMatchObject({ status: 400, code: 190, fbtraceId: 'TRACE1', isUnauthenticated: true });
    expect(error.endpoint).toBe('GET /{user_id}/achievements');
    expectNoSecret(error);
  });

  it('reports a connection error as a transient network failure', async () => {
    const s = setup();
    agent = s.agent;
    s.pool
      .intercept({ path: (p) => p.startsWith('/42/achievements'), method: 'GET' })
      .replyWithError(new Error(`ECONNRESET while sending OC|123|${SECRET}`));
    const error = await horizonFailure(getUserAchievements(s.client, { userId: '42' }));
    expect(error).toMatchObject({ kind: 'network', transient: true });
    expectNoSecret(error);
  });

  it('reads Retry-After of a 429 as milliseconds and marks it rate limited', async () => {
    const s = setup();
    agent = s.agent;
    s.pool
      .intercept({ path: (p) => p.startsWith('/42/achievements'), method: 'GET' })
      .reply(
        429,
        { error: { message: 'Application request limit reached', code: 4 } },
        { headers: { 'retry-after': '3' } },
      );
    const error = await horizonFailure(getUserAchievements(s.client, { userId: '42' }));
    expect(error).toMatchObject({
      status: 429,
      code: 4,
      retryAfterMs: 3000,
      transient: true,
      isRateLimited: true,
    });
  });

  it('treats a 200 without a data list as an invalid response', async () => {
    const s = setup();
    agent = s.agent;
    s.pool
      .intercept({ path: (p) => p.startsWith('/42/achievements'), method: 'GET' })
      .reply(200, { nope: 1 });
    const error = await horizonFailure(getUserAchievements(s.client, { userId: '42' }));
    expect(error).toMatchObject({ kind: 'invalid_response', status: undefined });
  });

  it('keeps int64 values above 2^53 exact whether sent as numbers or strings', async () => {
    const s = setup();
    agent = s.agent;
    s.pool
      .intercept({ path: (p) => p.startsWith('/42/achievements'), method: 'GET' })
      .reply(
        200,
        '{"data":[{"id":"1","is_unlocked":false,"count_progress":9007199254740993,"definition":{"api_name":"A","target":"9223372036854775807"}}]}',
      );
    const [row] = await getUserAchievements(s.client, { userId: '42' });
    expect(row?.countProgress).toBe('9007199254740993');
    expect(row?.definition?.target).toBe('9223372036854775807');
  });

  it('never shows the secret when the client itself is printed', () => {
    const client = new HorizonClient({ appId: '123', appSecret: SECRET });
    expect(JSON.stringify(client)).not.toContain(SECRET);
    expect(String(client)).not.toContain(SECRET);
    void client.close();
  });

  it('rejects bad constructor options with actionable TypeErrors', () => {
    expect(() => new HorizonClient({ appId: 'abc', appSecret: 's' })).toThrow(/numeric app id/);
    expect(() => new HorizonClient({ appId: '1', appSecret: '' })).toThrow(/appSecret/);
    expect(() => new HorizonClient({ appId: '1', appSecret: 's', timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => new HorizonClient({ appId: '1', appSecret: 's', baseUrl: 'ftp://x' })).toThrow(/http/);
  });
});

describe('helpers', () => {
  it('builds nested fields selections', () => {
    expect(buildFields(['id', { definition: ['api_name', 'target'] }, { user: ['id', { x: ['y'] }] }])).toBe(
      'id,definition{api_name,target},user{id,x{y}}',
    );
  });

  it('accepts int64 as number or decimal string and rejects what is not one', () => {
    expect(toInt64String(12)).toBe('12');
    expect(toInt64String('-9223372036854775808')).toBe('-9223372036854775808');
    expect(toInt64String('9223372036854775808')).toBeUndefined();
    expect(toInt64String(2 ** 60)).toBeUndefined();
    expect(toInt64String('1e5')).toBeUndefined();
  });
});
