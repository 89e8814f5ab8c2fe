import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedSubgraph } from '../helpers/harness.ts';
import { errorsOf, send } from '../helpers/raw-http.ts';

// A caller's mistake is a 4xx with a code, logged at info (the operation line) — not an
// INTERNAL_SERVER_ERROR logged at error level as if the subgraph had failed.

const sg = sharedSubgraph();
const JSON_TYPE = { 'content-type': 'application/json' };
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Case {
  name: string;
  request: Parameters<typeof send>[1];
  status: number;
  code: string;
}

const post = (body: unknown): Parameters<typeof send>[1] => ({
  headers: JSON_TYPE,
  body: JSON.stringify(body),
});
const get = (params: Record<string, string>): Parameters<typeof send>[1] => ({
  method: 'GET',
  path: `/graphql?${new URLSearchParams(params)}`,
  headers: { 'apollo-require-preflight': 'true' },
});

const CASES: Case[] = [
  {
    name: '_entities with __typename "Mutation"',
    request: post({ query: ENTITIES, variables: { r: [{ __typename: 'Mutation' }] } }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: '_entities without __typename',
    request: post({ query: ENTITIES, variables: { r: [{ id: '1000000000000001' }] } }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: '_entities with a scalar representation',
    request: post({ query: ENTITIES, variables: { r: [42] } }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a persisted-query hash that does not match the query',
    request: post({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } },
    }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a persisted query of version 2',
    request: post({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 2, sha256Hash: sha256('{ __typename }') } },
    }),
    status: 400,
    code: 'PERSISTED_QUERY_NOT_SUPPORTED',
  },
  {
    name: 'a subscription over POST',
    request: post({ query: 'subscription { purchaseEvents { id } }' }),
    status: 400,
    code: 'OPERATION_NOT_SUPPORTED',
  },
  {
    name: 'a subscription over GET',
    request: get({ query: 'subscription { purchaseEvents { id } }' }),
    status: 400,
    code: 'OPERATION_NOT_SUPPORTED',
  },
];

describe('a client mistake', () => {
  it.each(CASES)('$name: $status $code, logged at info, no upstream call', async (c) => {
    const res = await send(sg.url, c.request);
    expect(res.status, res.text).toBe(c.status);
    expect(errorsOf(res.text).map((e) => e.extensions.code)).toEqual([c.code]);

    const lines = sg.logs
      .map(
        (line) =>
          JSON.parse(line) as { level: number; requestId?: string; msg: string; errorCodes?: string[] },
      )
      .filter((line) => line.requestId === res.headers['x-request-id'] || line.level >= 50);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'graphql operation', errorCodes: [c.code] }),
    ]);
    expect((await sg.emulator.counts()).total).toBe(0);
    sg.logs.length = 0;
  });

  it('leaves the persisted-query protocol as it is: an unknown hash asks for the query', async () => {
    const hash = sha256('{ __typename }');
    const first = await send(
      sg.url,
      post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    );
    expect(errorsOf(first.text).map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const register = await send(
      sg.url,
      post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    );
    expect(JSON.parse(register.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('leaves real entity representations alone', async () => {
    const res = await send(
      sg.url,
      post({ query: ENTITIES, variables: { r: [{ __typename: 'User', id: '1000000000000001' }] } }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ data: { _entities: [{ __typename: 'User' }] } });
  });
});
