import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Trace } from '@apollo/usage-reporting-protobuf';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTracing, tracingRequested, type Tracing } from '../../src/observability/index.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// OpenTelemetry through the same NodeSDK setup `npm start` uses, with an in-memory exporter in
// place of the ones OTEL_TRACES_EXPORTER would name: the gateway's `traceparent` is continued by
// the operation's SERVER span, and every upstream HTTP attempt is a CLIENT span under it.

const NOVA = '1000000000000001';
const QUERY = `query PlayerAchievements($id: ID!) { user(id: $id) { alias achievements { apiName isUnlocked } } }`;
const GATEWAY_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const GATEWAY_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${GATEWAY_TRACE}-${GATEWAY_SPAN}-01`;

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let sg: SubgraphHandle;
beforeAll(async () => {
  tracing = await startTracing({}, { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  sg = await subgraph();
});
afterAll(async () => {
  await sg.close();
  await tracing.shutdown();
});
beforeEach(async () => {
  await sg.emulator.reset();
  exporter.reset();
  sg.logs.length = 0;
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const serverSpans = () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);

/** Waits for the SERVER span: it ends when the response is flushed, just after the client reads it. */
async function operationSpan(): Promise<ReadableSpan> {
  for (let i = 0; i < 100 && serverSpans().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const spans = serverSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('tracing', () => {
  it('continues the gateway’s traceparent with one operation span and one child span per upstream call', async () => {
    const res = await sg.gql(QUERY, { id: NOVA }, { traceparent: TRACEPARENT });
    expect(res.errors).toBeUndefined();
    const upstream = await sg.emulator.counts();
    const op = await operationSpan();

    expect(op.name).toBe('query PlayerAchievements');
    expect(op.spanContext().traceId).toBe(GATEWAY_TRACE);
    expect(parentOf(op)).toBe(GATEWAY_SPAN);
    expect(op.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'PlayerAchievements',
      'http.response.status_code': 200,
      'horizon.upstream_calls': upstream.total,
    });

    const calls = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(calls).toHaveLength(upstream.total);
    for (const call of calls) {
      expect(call.spanContext().traceId).toBe(GATEWAY_TRACE);
      expect(parentOf(call)).toBe(op.spanContext().spanId);
      expect(call.attributes['http.response.status_code']).toBe(200);
    }
    expect(calls.map((c) => c.name).sort()).toEqual(
      Object.entries(upstream.byRoute)
        .flatMap(([route, n]) => Array<string>(n).fill(route))
        .sort(),
    );
    const achievements = calls.find((c) => c.name === 'GET /{user_id}/achievements')!;
    expect(achievements.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.template': '/{user_id}/achievements',
    });
    expect(JSON.stringify(calls.map((c) => c.attributes))).not.toContain(NOVA); // templates, not paths

    // The operation's log line carries the trace id, to jump from a log search to the trace.
    const line = sg.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'graphql operation');
    expect(line).toMatchObject({ traceId: GATEWAY_TRACE, requestId: expect.any(String) });
  });

  it('starts a new trace when the caller sends no traceparent', async () => {
    await sg.gql(QUERY, { id: NOVA });
    const op = await operationSpan();
    expect(parentOf(op)).toBeUndefined();
    expect(op.spanContext().traceId).not.toBe(GATEWAY_TRACE);
  });

  it('marks a failed upstream call with its status and fbtrace_id', async () => {
    await sg.emulator.fault({ route: 'GET /{user_id}/achievements', status: 503 });
    const res = await sg.gql(QUERY, { id: NOVA }, { traceparent: TRACEPARENT });
    expect(res.errors).toHaveLength(1);
    const op = await operationSpan();
    expect(op.attributes['graphql.error_codes']).toEqual(['UPSTREAM_ERROR']);

    const failed = exporter
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT && s.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.name).toBe('GET /{user_id}/achievements');
    expect(parentOf(failed[0]!)).toBe(op.spanContext().spanId);
    expect(failed[0]!.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(failed[0]!.attributes['horizon.fbtrace_id']).toEqual(expect.any(String));
  });

  it('leaves federated inline traces (ftv1) working', async () => {
    const res = await sg.gql(
      QUERY,
      { id: NOVA },
      { traceparent: TRACEPARENT, 'apollo-federation-include-trace': 'ftv1' },
    );
    const ftv1 = JSON.parse(res.raw).extensions?.ftv1 as string;
    const trace = Trace.decode(Buffer.from(ftv1, 'base64'));
    expect(trace.root?.child?.[0]?.responseName).toBe('user');
    await operationSpan();
  });
});

describe('whether the environment asks for traces', () => {
  it('is off by default, and on for an exporter or an OTLP endpoint, unless the SDK is disabled', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console,otlp' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('starts nothing when off', async () => {
    const off = await startTracing({});
    expect(off.enabled).toBe(false);
    await off.shutdown();
  });
});
