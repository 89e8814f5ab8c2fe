import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// One structured log line per GraphQL operation, and one per failed upstream call, tied together
// by the request id the response returns in `x-request-id`.

const NOVA = '1000000000000001';
const QUERY = `query PlayerAchievements($id: ID!) { user(id: $id) { alias achievements { apiName isUnlocked } } }`;

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(async () => {
  await sg.emulator.reset();
  sg.logs.length = 0;
});

type Line = Record<string, unknown> & { msg: string };
const lines = (msg: string): Line[] =>
  sg.logs.map((l) => JSON.parse(l) as Line).filter((line) => line.msg === msg);
/** The one line with this message (fails unless there is exactly one). */
function only(msg: string): Line {
  const found = lines(msg);
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sg.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

describe('the operation log line', () => {
  it('is written exactly once per operation, with name, type, duration, upstream calls, codes and request id', async () => {
    const { res, body } = await post({ query: QUERY, variables: { id: NOVA } });
    expect(body.errors).toBeUndefined();
    const upstream = await sg.emulator.counts();

    const line = only('graphql operation');
    expect(line).toMatchObject({
      level: 30,
      requestId: res.headers.get('x-request-id'),
      operationName: 'PlayerAchievements',
      operationType: 'query',
      upstreamCalls: upstream.total,
      upstreamFailures: 0,
      errorCodes: [],
      outcome: 'success',
    });
    expect(upstream.total).toBeGreaterThanOrEqual(2); // the user, their achievements (+ definitions)
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it('counts only the upstream calls of its own operation', async () => {
    await post({ query: QUERY, variables: { id: NOVA } });
    sg.logs.length = 0;
    await sg.emulator.checkpoint();
    // Same player again: definitions now come from the shared cache, the rest from the upstream.
    await post({ query: QUERY, variables: { id: NOVA } });
    const line = only('graphql operation');
    expect(line.upstreamCalls).toBe((await sg.emulator.counts()).total);
  });

  it('keeps the caller’s x-request-id and returns it; makes one when there is none or it is not sane', async () => {
    const kept = await post({ query: '{ __typename }' }, { 'x-request-id': 'gw-7f3a.12' });
    expect(kept.res.headers.get('x-request-id')).toBe('gw-7f3a.12');
    const made = await post({ query: '{ __typename }' });
    expect(made.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const replaced = await post({ query: '{ __typename }' }, { 'x-request-id': 'x'.repeat(500) });
    expect(replaced.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines('graphql operation').map((l) => l.requestId)).toEqual([
      'gw-7f3a.12',
      made.res.headers.get('x-request-id'),
      replaced.res.headers.get('x-request-id'),
    ]);
  });

  it('names an anonymous operation null and a document that does not parse unknown', async () => {
    await post({ query: '{ __typename }' });
    await post({ query: '{ user(id: ' });
    const [anonymous, broken] = lines('graphql operation') as [Line, Line];
    expect(anonymous).toMatchObject({ operationName: null, operationType: 'query', outcome: 'success' });
    expect(broken).toMatchObject({
      operationName: null,
      operationType: 'unknown',
      outcome: 'error',
      upstreamCalls: 0,
    });
    expect(broken.errorCodes).toHaveLength(1);
  });

  it('is written for a request refused before it became an operation, too', async () => {
    const { res } = await post({ variables: {} }); // no query at all
    expect(res.status).toBe(400);
    expect(only('graphql operation')).toMatchObject({
      requestId: res.headers.get('x-request-id'),
      operationName: null,
      operationType: 'unknown',
      errorCodes: ['BAD_REQUEST'],
      outcome: 'error',
    });
  });
});

describe('an upstream failure', () => {
  it('is logged with route template, status, Graph code and fbtrace_id, under the operation’s request id', async () => {
    await sg.emulator.fault({ route: 'GET /{user_id}/achievements', status: 503 });
    const { res, body } = await post({ query: QUERY, variables: { id: NOVA } });
    expect(body.errors).toHaveLength(1);
    const requestId = res.headers.get('x-request-id');

    const failure = only('upstream call failed');
    expect(failure).toMatchObject({
      level: 40,
      requestId,
      route: 'GET /{user_id}/achievements',
      status: 503,
      kind: 'api',
      transient: true,
    });
    expect(typeof failure.graphCode).toBe('number');
    expect(failure.fbtraceId).toEqual(expect.any(String));
    expect(JSON.stringify(failure)).not.toContain(`/${NOVA}/`); // the template, never the path

    expect(only('graphql operation')).toMatchObject({
      requestId,
      errorCodes: ['UPSTREAM_ERROR'],
      outcome: 'partial',
      upstreamFailures: 1,
    });
  });
});
