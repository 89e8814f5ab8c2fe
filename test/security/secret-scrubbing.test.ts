import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { redact } from '../../src/horizon/redact.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';

// Scrubbing by value: an upstream error that echoes the app secret, the app token or the
// player's user token (sent in x-horizon-user-token) — plain, percent-encoded or JSON-escaped,
// in its message, its `type` or its `fbtrace_id` — leaves them in no response, no log line and
// not in /metrics. Our own fixed texts are never altered ("bearer token" stays "bearer token").

/** An app secret and a user token with characters that every encoding changes. */
const APP_SECRET = 'planted"app/secret+%4f1c\\9e';
const USER_TOKEN = 'OCAplanted"user/token+7b3d|9e';
const ROUTE = 'GET /{user_id}/achievements';
const QUERY = '{ user(id: "1000000000000001") { achievements { apiName } } }';

type Form = (secret: string) => string;
const FORMS: Record<string, Form> = {
  plain: (s) => s,
  'percent-encoded': (s) => encodeURIComponent(s),
  'percent-encoded, lower-case hex': (s) =>
    encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  'form-encoded': (s) => new URLSearchParams({ t: s }).toString().slice(2),
  'JSON-escaped': (s) => JSON.stringify(s).slice(1, -1),
  'JSON-escaped twice': (s) => JSON.stringify(JSON.stringify(s)).slice(1, -1),
};
const FIELDS = ['message', 'type', 'fbtrace_id'] as const;

let sg: SubgraphHandle;
let appToken = '';
beforeAll(async () => {
  sg = await subgraph({ emulator: { app: { secret: APP_SECRET } } });
  appToken = `OC|${sg.emulator.app.id}|${sg.emulator.app.secret}`;
  expect(sg.emulator.app.secret).toBe(APP_SECRET);
});
afterAll(() => sg.close());

/** Every way the credentials could show up in text we produced. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const secret of [APP_SECRET, USER_TOKEN]) {
    for (const [name, form] of Object.entries(FORMS)) {
      if (text.includes(form(secret)))
        found.push(`${secret === APP_SECRET ? 'app secret' : 'user token'} (${name})`);
    }
  }
  return found;
}

describe('an upstream error echoing credentials', () => {
  const cases = FIELDS.flatMap((field) =>
    Object.keys(FORMS).flatMap((form) =>
      (['app token', 'user token'] as const).map((which) => ({ field, form, which })),
    ),
  );

  it.each(cases)(
    'in $field, $form, the $which: in no response, log line or /metrics',
    async ({ field, form, which }) => {
      const secret = which === 'app token' ? appToken : USER_TOKEN;
      const echoed = FORMS[form]!(secret);
      const error: Record<string, unknown> = {
        message: 'Invalid parameter',
        type: 'OAuthException',
        code: 100,
        fbtrace_id: 'AbC123',
      };
      error[field] = `${String(error[field])} ${echoed} tail`;
      await sg.emulator.fault({ route: ROUTE, status: 400, body: { error } });
      const logsBefore = sg.logs.length;

      const res = await sg.gql(QUERY, {}, { 'x-horizon-user-token': USER_TOKEN });
      expect(res.errors).toHaveLength(1);
      const upstream = res.errors![0]!.extensions!.upstream as Record<string, unknown>;
      expect(upstream).toMatchObject({ status: 400, code: 100 });
      // What is not a credential stays: Meta support asks for the fbtrace_id.
      expect(String(upstream.fbtraceId)).toContain('AbC123');
      expect(String(upstream.type)).toContain('OAuthException');

      const metrics = await (await fetch(`${sg.url}/metrics`)).text();
      expect(leaksIn(res.raw), 'response').toEqual([]);
      expect(leaksIn(sg.logs.slice(logsBefore).join('\n')), 'log lines').toEqual([]);
      expect(leaksIn(metrics), '/metrics').toEqual([]);
      expect(res.raw).toContain('[REDACTED]');
    },
  );
});

describe('the scrubber', () => {
  it('finds a secret in any mix of encodings, and leaves words alone', () => {
    const secrets = [APP_SECRET, PLANTED_SECRET, USER_TOKEN];
    const mixed = `${encodeURIComponent(USER_TOKEN.slice(0, 10))}${JSON.stringify(USER_TOKEN.slice(10)).slice(1, -1)}`;
    expect(redact(`x ${mixed} y`, secrets)).toBe('x [REDACTED] y');
    for (const text of [
      'Query.unlockAchievement needs a bearer token in the authorization header',
      'authorization header is not "Bearer <token>"',
      'Bearer tokens are checked against AUTH_JWT_SECRET',
    ]) {
      expect(redact(text, secrets)).toBe(text);
    }
  });
});

describe('our own texts', () => {
  let auth: SubgraphHandle;
  beforeAll(async () => {
    auth = await subgraph({
      upstream: sg.emulator,
      server: { resolveCaller: jwtCallerResolver({ jwtSecret: 'k'.repeat(32) }) },
    });
  });
  afterAll(() => auth.close());

  it('read "bearer token", as written', async () => {
    const mutation =
      'mutation { unlockAchievement(userId: "1000000000000001", apiName: "FIRST_LAP") { justUnlocked } }';
    const none = await auth.gql(mutation);
    expect(none.errors?.[0]?.message).toMatch(/needs a bearer token in the authorization header$/);
    const basic = await auth.gql(mutation, {}, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.errors?.[0]?.message).toContain('"Bearer <token>"');
    expect(basic.raw).not.toContain('[REDACTED]');
  });
});
