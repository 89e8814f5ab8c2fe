import { once } from 'node:events';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { ApolloServerPlugin } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createObservability } from '../../src/observability/index.ts';
import { startServer } from '../../src/server.ts';
import { clientFor, emulator, sharedSubgraph } from '../helpers/harness.ts';
import { errorsOf, send, sendBytes, STACK_TEXT, type RawAnswer } from '../helpers/raw-http.ts';
import { parseMetrics, valueOf } from '../ops/prometheus-text.ts';

// Every answer of the HTTP server is JSON in the GraphQL error shape with a code — also when the
// body never reaches GraphQL (body-parser failures), for paths we do not serve, for requests
// Node's own parser refuses, and for /graphql before Apollo has started. No stack trace or file
// path leaves the process, and each refusal gets the operation log line and an error-code count.

const sg = sharedSubgraph();
const JSON_TYPE = { 'content-type': 'application/json' };
const QUERY = JSON.stringify({ query: '{ __typename }' });

interface Case {
  name: string;
  request: Parameters<typeof send>[1];
  status: number;
  code: string;
}

const CASES: Case[] = [
  {
    name: 'a body over 1 MB',
    request: {
      headers: JSON_TYPE,
      body: JSON.stringify({ query: `# ${'x'.repeat(1_100_000)}\n{ __typename }` }),
    },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'invalid JSON',
    request: { headers: JSON_TYPE, body: '{"query": ' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'a null body', request: { headers: JSON_TYPE, body: 'null' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'a number body', request: { headers: JSON_TYPE, body: '123' }, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'charset=utf-16',
    request: {
      headers: { 'content-type': 'application/json; charset=utf-16' },
      body: Buffer.from(QUERY, 'utf16le'),
    },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a false content-encoding: gzip',
    request: { headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, body: QUERY },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'an unknown content-encoding',
    request: { headers: { ...JSON_TYPE, 'content-encoding': 'zstd-ish' }, body: QUERY },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an unknown path (GET)',
    request: { method: 'GET', path: '/nope' },
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'an unknown path (POST)',
    request: { path: '/graphq1', headers: JSON_TYPE, body: QUERY },
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'POST /healthz',
    request: { path: '/healthz', headers: JSON_TYPE, body: '{}' },
    status: 404,
    code: 'NOT_FOUND',
  },
];

/** The log lines of `requestId`. */
function linesOf(requestId: string | string[] | undefined): Record<string, unknown>[] {
  return sg.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.requestId === requestId);
}

async function errorCount(code: string): Promise<number> {
  const text = await (await fetch(`${sg.url}/metrics`)).text();
  return valueOf(parseMetrics(text), 'graphql_operation_errors_total', { code }) ?? 0;
}

describe('a request refused by the HTTP layer', () => {
  it.each(CASES)('$name: $status $code as JSON, logged and counted, no upstream call', async (c) => {
    const before = await errorCount(c.code);
    const res = await send(sg.url, c.request);

    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const errors = errorsOf(res.text);
    expect(errors).toEqual([{ message: expect.any(String), extensions: { code: c.code } }]);
    expect(res.text).not.toMatch(STACK_TEXT);

    const lines = linesOf(res.headers['x-request-id']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'graphql operation',
        operationType: 'unknown',
        outcome: 'rejected',
        errorCodes: [c.code],
        status: c.status,
        rejection: expect.any(String),
      }),
    ]);
    expect(await errorCount(c.code)).toBe(before + 1);
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('a gzip body that is really gzip is read as usual', async () => {
    const res = await send(sg.url, {
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: gzipSync(QUERY),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('a request Node’s HTTP parser refuses gets the same JSON, not a bare 400', async () => {
    const answer = await sendBytes(
      sg.url,
      'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: abc\r\n\r\n{}',
    );
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/content-type: application\/json/i);
    expect(errorsOf(body)).toEqual([{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }]);
    expect(
      sg.logs.some(
        (line) => line.includes('"rejection":"malformed HTTP"') && line.includes('"outcome":"rejected"'),
      ),
    ).toBe(true);
  });
});

describe('/graphql before the server is ready', () => {
  // Apollo's start is held open by a plugin, so the window between listening (liveness answers)
  // and mounting GraphQL lasts as long as the test needs.
  let release: () => void = () => {};
  let started: ReturnType<typeof startServer> | undefined;
  let base = '';
  let emu: Awaited<ReturnType<typeof emulator>> | undefined;
  let horizon: ReturnType<typeof clientFor> | undefined;

  beforeAll(async () => {
    emu = await emulator();
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    base = `http://127.0.0.1:${port}`;

    const logger = createLogger('silent');
    const observability = createObservability({ logger, defaultMetrics: false });
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold: ApolloServerPlugin = { serverWillStart: () => held };
    started = startServer(
      {
        horizon: (horizon = clientFor(emu)),
        logger,
        observability: { ...observability, plugin: { ...observability.plugin, ...hold } },
        cacheTtlMs: 1000,
        batchConcurrency: 4,
      },
      port,
      '127.0.0.1',
    );
    for (;;) {
      const live = await fetch(`${base}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (live === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  afterAll(async () => {
    release();
    await (await started)?.close();
    await horizon?.close();
    await emu?.close();
  });

  it('answers 503 JSON with Retry-After, then serves once Apollo has started', async () => {
    const early: RawAnswer = await send(base, { headers: JSON_TYPE, body: QUERY });
    expect(early.status).toBe(503);
    expect(early.headers['content-type']).toMatch(/^application\/json/);
    expect(early.headers['retry-after']).toMatch(/^\d+$/);
    expect(errorsOf(early.text)).toEqual([
      { message: expect.any(String), extensions: { code: 'SERVICE_UNAVAILABLE' } },
    ]);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'not ready' });

    release();
    await started;
    const later = await send(base, { headers: JSON_TYPE, body: QUERY });
    expect(later.status).toBe(200);
    expect(JSON.parse(later.text)).toEqual({ data: { __typename: 'Query' } });
  });
});
