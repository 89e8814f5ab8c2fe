import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startFromConfig } from '../../src/start-from-config.ts';
import { demoFixture, emulator, type EmulatorHandle } from '../helpers/harness.ts';
import { transcript } from '../helpers/planted-secret.ts';

// The README's error table is a promise to callers: each row names a cause and the
// `extensions.code` (and `retryable`) it produces. This test produces every row's cause against a
// subgraph configured through its documented environment variables, and checks the code, the
// retryable flag and "no call made". A row without a way to produce it here fails the test, and so
// does a way to produce a cause the table no longer lists.

interface Row {
  cause: string;
  code: string;
  retryable: string;
}

/** The rows of the README's `## Errors` table. */
export function errorTable(readme: string): Row[] {
  const section = readme.slice(
    readme.indexOf('\n## Errors'),
    readme.indexOf('\n## ', readme.indexOf('\n## Errors') + 1),
  );
  return section
    .split('\n')
    .filter((line) => /^\| .*`[A-Z_]+`/.test(line))
    .map((line) => {
      const [cause, code, retryable] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { cause: cause!, code: code!.replace(/`/g, ''), retryable: retryable! };
    });
}

const JWT_SECRET = 'jwt-secret-for-the-error-table-test-0123';
const USER = '1000000000000001';
/** The demo player's own access token, for the views that act as the player. */
const PLAYER_TOKEN = demoFixture().users.find((u) => u.id === USER)!.access_token!;
const ACHIEVEMENTS = 'GET /{user_id}/achievements';
const ACHIEVEMENTS_QUERY = `{ user(id: "${USER}") { achievements { apiName } } }`;
const USERS_QUERY = `{ users(ids: ["${USER}", "1000000000000002", "1000000000000003"]) { achievements { apiName } } }`;

let upstream: EmulatorHandle;
let closedPort = 0;

beforeAll(async () => {
  upstream = await emulator();
  // A port nothing listens on: taken, then released.
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await upstream?.close();
});

interface Outcome {
  status: number;
  codes: string[];
  retryable: unknown[];
  upstreamCalls: number;
}

/**
 * Runs operations, in order, against a fresh subgraph configured from `env` over the emulator
 * (restored, with `faults` queued); the outcome is the last operation's.
 */
async function produce(options: {
  env?: Record<string, string>;
  faults?: Record<string, unknown>[];
  queries?: string[];
  /** Request bodies sent as they are, instead of `{ query }` for each of `queries`. */
  bodies?: (string | Buffer)[];
  headers?: Record<string, string>;
  /** Where the bodies go. Default `/graphql`. */
  path?: string;
}): Promise<Outcome> {
  await upstream.reset();
  for (const fault of options.faults ?? []) await upstream.fault(fault);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    HORIZON_APP_ID: upstream.app.id,
    HORIZON_APP_SECRET: upstream.app.secret,
    AUTH_JWT_SECRET: JWT_SECRET,
    HORIZON_RETRY_MAX_ATTEMPTS: '1',
    ...options.env,
  });
  const subgraph = await startFromConfig(config, {
    baseUrl: options.env?.HORIZON_GRAPH_URL ?? upstream.url,
    appId: upstream.app.id,
    appSecret: upstream.app.secret,
  });
  try {
    let outcome: Outcome | undefined;
    const bodies = options.bodies ?? (options.queries ?? []).map((query) => JSON.stringify({ query }));
    for (const body of bodies) {
      await upstream.checkpoint();
      const res = await fetch(`${subgraph.server.url}${options.path ?? '/graphql'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
      const raw = await res.text();
      transcript.push(raw);
      const errors = (
        (JSON.parse(raw) as { errors?: { extensions?: Record<string, unknown> }[] }).errors ?? []
      ).map((error) => error.extensions ?? {});
      outcome = {
        status: res.status,
        codes: errors.map((extensions) => String(extensions.code)),
        retryable: errors.map((extensions) => extensions.retryable),
        upstreamCalls: (await upstream.counts()).total,
      };
    }
    return outcome!;
  } finally {
    await subgraph.server.close();
    await subgraph.horizon.close();
  }
}

async function token(scope: string): Promise<Record<string, string>> {
  const jwt = await new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('error-table-test')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  return { authorization: `Bearer ${jwt}` };
}

const graphError = (code: number, subcode?: number) => ({
  error: {
    message: 'from the error table test',
    type: 'OCApiException',
    code,
    error_subcode: subcode,
    fbtrace_id: 'T',
  },
});

/** How to produce each row's cause, found by the row's cause text. */
const PRODUCERS: { cause: RegExp; produce: (() => Promise<Outcome>)[] }[] = [
  {
    cause: /^our validation of arguments/,
    produce: [() => produce({ queries: ['{ users(ids: ["not-a-user-id"]) { alias } }'] })],
  },
  {
    cause: /MAX_UPSTREAM_COST/,
    produce: [() => produce({ env: { MAX_UPSTREAM_COST: '2' }, queries: [USERS_QUERY] })],
  },
  {
    cause: /^depth, alias or directive limit/,
    produce: [
      () =>
        produce({
          queries: [
            `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: user(id: "${USER}") { id }`).join(' ')} }`,
          ],
        }),
      () =>
        produce({
          env: { MAX_DIRECTIVES: '1' },
          queries: ['{ __typename @include(if: true) @skip(if: false) }'],
        }),
      () =>
        produce({
          env: { MAX_QUERY_DEPTH: '10' },
          queries: [
            `{ user(id: "${USER}") { leaderboardEntries { user { leaderboardEntries { user { leaderboardEntries { user { leaderboardEntries { user { leaderboardEntries { user { id } } } } } } } } } } } }`,
          ],
        }),
    ],
  },
  {
    cause: /^token limit/,
    produce: [() => produce({ queries: [`{ ${'__typename '.repeat(3100)}}`] })],
  },
  {
    cause: /^no or invalid caller JWT/,
    produce: [
      () => produce({ queries: [`{ user(id: "${USER}") { entitlements { sku } } }`] }),
      () =>
        produce({
          queries: [`{ user(id: "${USER}") { entitlements { sku } } }`],
          headers: { authorization: 'Bearer not.a.jwt' },
        }),
    ],
  },
  {
    cause: /^caller JWT lacks the field's scope/,
    produce: [
      async () =>
        produce({
          queries: [`{ user(id: "${USER}") { entitlements { sku } } }`],
          headers: await token('horizon:achievements:write'),
        }),
    ],
  },
  {
    cause: /^upstream 400 \(Graph code 100/,
    produce: [
      () =>
        produce({
          faults: [{ route: ACHIEVEMENTS, status: 400, body: graphError(100) }],
          queries: [ACHIEVEMENTS_QUERY],
        }),
    ],
  },
  {
    cause: /^upstream 400 code 190, 401 on a call with the player's token/,
    produce: [
      () =>
        produce({
          faults: [{ route: 'GET /leaderboard_entries', status: 400, body: graphError(190) }],
          queries: [
            `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(filter: FRIENDS) { totalCount } } }`,
          ],
          headers: { 'x-horizon-user-token': PLAYER_TOKEN },
        }),
      () =>
        produce({
          faults: [{ route: 'GET /leaderboard_entries', status: 401 }],
          queries: [
            `{ leaderboard(apiName: "GLOBAL_HIGH_SCORE") { entries(filter: FRIENDS) { totalCount } } }`,
          ],
          headers: { 'x-horizon-user-token': PLAYER_TOKEN },
        }),
    ],
  },
  {
    cause: /^upstream 400 code 190, 401 on a call with the app's credentials/,
    produce: [
      () =>
        produce({
          faults: [{ route: ACHIEVEMENTS, status: 400, body: graphError(190) }],
          queries: [ACHIEVEMENTS_QUERY],
        }),
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 401 }], queries: [ACHIEVEMENTS_QUERY] }),
    ],
  },
  {
    cause: /^upstream 403/,
    produce: [
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 403 }], queries: [ACHIEVEMENTS_QUERY] }),
    ],
  },
  {
    cause: /^upstream 404, unknown object/,
    produce: [
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 404 }], queries: [ACHIEVEMENTS_QUERY] }),
      () =>
        produce({
          faults: [{ route: ACHIEVEMENTS, status: 400, body: graphError(100, 33) }],
          queries: [ACHIEVEMENTS_QUERY],
        }),
      () =>
        produce({
          faults: [{ route: ACHIEVEMENTS, status: 400, body: graphError(12075) }],
          queries: [ACHIEVEMENTS_QUERY],
        }),
    ],
  },
  {
    cause: /^upstream 429, Graph throttling codes 4, 17, 32, 613; our bulkhead full/,
    produce: [
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 429 }], queries: [ACHIEVEMENTS_QUERY] }),
      ...[4, 17, 32, 613].map(
        (code) => () =>
          produce({
            faults: [{ route: ACHIEVEMENTS, status: 400, body: graphError(code) }],
            queries: [ACHIEVEMENTS_QUERY],
          }),
      ),
      // One call on the wire, none may wait: the other players' calls are shed.
      () =>
        produce({
          env: { HORIZON_MAX_CONCURRENT_CALLS: '1', HORIZON_MAX_QUEUED_CALLS: '0' },
          faults: [{ route: ACHIEVEMENTS, delayMs: 500 }],
          queries: [USERS_QUERY],
        }),
    ],
  },
  {
    cause: /^upstream 5xx/,
    produce: [
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 500 }], queries: [ACHIEVEMENTS_QUERY] }),
      () => produce({ faults: [{ route: ACHIEVEMENTS, status: 503 }], queries: [ACHIEVEMENTS_QUERY] }),
    ],
  },
  {
    cause: /^timeout, connection failure, open circuit breaker/,
    produce: [
      () =>
        produce({
          env: { HORIZON_TIMEOUT_MS: '200' },
          faults: [{ route: ACHIEVEMENTS, delayMs: 3000 }],
          queries: [ACHIEVEMENTS_QUERY],
        }),
      () =>
        produce({
          env: { HORIZON_GRAPH_URL: `http://127.0.0.1:${closedPort}`, READINESS_UPSTREAM_GRACE_MS: '0' },
          queries: [ACHIEVEMENTS_QUERY],
        }),
      // The first failure opens the breaker; the second request is refused without a call.
      () =>
        produce({
          env: { HORIZON_BREAKER_THRESHOLD: '1' },
          faults: [{ route: ACHIEVEMENTS, status: 503 }],
          queries: [ACHIEVEMENTS_QUERY, ACHIEVEMENTS_QUERY],
        }),
    ],
  },
  {
    cause: /^body not a JSON object, false `content-encoding`, APQ hash/,
    produce: [
      () => produce({ bodies: ['null'] }),
      () => produce({ bodies: ['{"query": '] }),
      () =>
        produce({
          bodies: [JSON.stringify({ query: '{ __typename }' })],
          headers: { 'content-encoding': 'gzip' },
        }),
      () =>
        produce({
          bodies: [
            JSON.stringify({
              query: '{ __typename }',
              extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
            }),
          ],
        }),
      () =>
        produce({ queries: ['{ _entities(representations: [{ __typename: "Mutation" }]) { __typename } }'] }),
    ],
  },
  {
    cause: /^request body over 1 MB/,
    produce: [() => produce({ queries: [`# ${'x'.repeat(1_100_000)}\n{ __typename }`] })],
  },
  {
    cause: /^body charset other than UTF-8, unknown `content-encoding`/,
    produce: [
      () =>
        produce({
          bodies: [Buffer.from(JSON.stringify({ query: '{ __typename }' }), 'utf16le')],
          headers: { 'content-type': 'application/json; charset=utf-16' },
        }),
      () => produce({ queries: ['{ __typename }'], headers: { 'content-encoding': 'zstd-ish' } }),
    ],
  },
  {
    cause: /^persisted query with a `version` other than 1/,
    produce: [
      () =>
        produce({
          bodies: [
            JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 2 } } }),
          ],
        }),
    ],
  },
  {
    cause: /^a `subscription` over HTTP/,
    produce: [() => produce({ queries: ['subscription { purchases { id } }'] })],
  },
  {
    cause: /^webhook delivery without a valid `X-Hub-Signature-256`/,
    produce: [
      () =>
        produce({
          env: { HORIZON_WEBHOOK_VERIFY_TOKEN: 'error-table-verify-token' },
          path: '/webhooks/horizon',
          bodies: ['{"object":"application","entry":[]}'],
          headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        }),
    ],
  },
];

const rows = errorTable(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

describe("the README's error table", () => {
  it('has its rows, each with a way to produce it here, and no way left over', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      expect(PRODUCERS.filter((p) => p.cause.test(row.cause)).length, `row "${row.cause}"`).toBe(1);
    }
    for (const producer of PRODUCERS) {
      expect(
        rows.some((row) => producer.cause.test(row.cause)),
        `no row for ${producer.cause}`,
      ).toBe(true);
    }
  });

  it.each(rows.map((row) => [`${row.code}: ${row.cause}`, row] as const))(
    '%s',
    async (_name, row) => {
      const producer = PRODUCERS.find((p) => p.cause.test(row.cause));
      expect(producer, `no way to produce "${row.cause}"`).toBeDefined();
      for (const [index, run] of producer!.produce.entries()) {
        const outcome = await run();
        const context = `${row.cause}, case ${index + 1}: ${JSON.stringify(outcome)}`;
        expect(outcome.codes, context).toContain(row.code);
        const at = outcome.codes.indexOf(row.code);
        if (/^true/.test(row.retryable)) expect(outcome.retryable[at], context).toBe(true);
        if (/^false/.test(row.retryable)) expect(outcome.retryable[at], context).toBe(false);
        if (/no call/.test(row.retryable)) expect(outcome.upstreamCalls, context).toBe(0);
        const status = /HTTP (\d{3})/.exec(row.retryable)?.[1];
        if (status) expect(outcome.status, context).toBe(Number(status));
      }
    },
    60_000,
  );
});
