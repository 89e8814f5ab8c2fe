import { Agent } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedSubgraph } from '../helpers/harness.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';
import { send } from '../helpers/raw-http.ts';

// Property: whatever body and headers a client sends, to whatever path with whatever method, the
// answer is below 500, JSON, costs no upstream call, and carries no secret. In-process server over
// loopback, one keep-alive connection, so 2,000 runs take seconds. Introspection is off, as in
// production: with it on, a browser's GET /graphql gets Apollo's HTML landing page, on purpose.

const RUNS = 2000;
const sg = sharedSubgraph({ server: { introspection: false } });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => agent.destroy());

/** Text a header value may hold (visible ASCII and spaces). */
const headerText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());

const DOCUMENTS = [
  '{ __typename }',
  'query Q { __typename }',
  'subscription { purchases { id } }',
  'mutation { unlockAchievement }',
  '{ user(id: ) }',
  '{ _service { sdl } }',
  'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
];

/** A GraphQL-shaped body: any subset of the fields, each well-formed or not. */
const graphqlBody = fc
  .record(
    {
      query: fc.oneof(fc.constantFrom(...DOCUMENTS), fc.string({ maxLength: 60 }), fc.jsonValue()),
      variables: fc.oneof(
        fc.jsonValue(),
        fc.record({
          r: fc.array(
            fc.oneof(
              fc.jsonValue(),
              fc.record({
                __typename: fc.oneof(fc.constantFrom('Mutation', 'Query', '_Service'), fc.string()),
              }),
            ),
            { maxLength: 3 },
          ),
        }),
      ),
      operationName: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
      extensions: fc.oneof(
        fc.jsonValue(),
        fc.record({
          persistedQuery: fc.record(
            {
              version: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.jsonValue()),
              sha256Hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        }),
      ),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));

const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 6, arbitrary: graphqlBody },
  { weight: 1, arbitrary: graphqlBody.map((text) => gzipSync(text)) },
  { weight: 1, arbitrary: fc.constant(`{"query":"# ${'x'.repeat(1_048_600)}"}`) },
);

const request = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: fc.oneof(
    fc.constant('/graphql'),
    fc.constant('/graphql/'),
    fc
      .record(
        { query: fc.string({ maxLength: 40 }), extensions: fc.string({ maxLength: 40 }) },
        { requiredKeys: [] },
      )
      .map((params) => `/graphql?${new URLSearchParams(params)}`),
    // Any path but /readyz (it asks the upstream, by design) and /metrics (Prometheus text).
    fc
      .string({ maxLength: 20 })
      .map((s) => `/${encodeURIComponent(s)}`)
      .filter((path) => !/^\/(?:readyz|metrics)\/?$/i.test(path)),
    fc.constantFrom('/healthz', '/healthz/x', '/graphqlx', '/%', '/graphql/%zz'),
  ),
  headers: fc.record(
    {
      'content-type': fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/graphql-response+json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
        ),
        headerText,
      ),
      'content-encoding': fc.oneof(
        fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip, br'),
        headerText,
      ),
      accept: fc.oneof(
        fc.constantFrom('application/json', 'text/html', 'multipart/mixed', '*/*'),
        headerText,
      ),
      'apollo-require-preflight': fc.constant('true'),
      'x-horizon-user-token': headerText,
      authorization: headerText.map((token) => `Bearer ${token}`),
      'x-request-id': headerText,
    },
    { requiredKeys: [] },
  ),
  body,
});

describe('any request to the HTTP server', () => {
  it(`is answered below 500, as JSON, without an upstream call or a secret (${RUNS} runs)`, async () => {
    const appToken = `OC|${sg.emulator.app.id}|${sg.emulator.app.secret}`;
    let upstreamCalls = 0;
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers = Object.fromEntries(
          Object.entries(input.headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
        );
        const res = await send(sg.url, { ...input, headers }, agent);
        expect(res.status, res.text).toBeLessThan(500);
        expect(res.headers['content-type'], res.text).toMatch(/^application\/(?:graphql-response\+)?json/);
        expect(() => JSON.parse(res.text), res.text).not.toThrow();
        expect(res.text).not.toContain(PLANTED_SECRET);
        expect(res.text).not.toContain(appToken);
        const total = (await sg.emulator.counts()).total;
        const made = total - upstreamCalls;
        upstreamCalls = total;
        expect(made, 'upstream calls').toBe(0);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
