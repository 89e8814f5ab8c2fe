import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_ROUTES } from '../../src/shared/routes.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { parseMetrics, valueOf, type Sample } from './prometheus-text.ts';

// `GET /metrics` over real HTTP: the series a platform team scrapes, with the labels they filter
// by, after real queries and an injected upstream failure. Counters are compared before/after,
// since the server lives for the whole file.

const NOVA = '1000000000000001';
const QUERY = `query PlayerAchievements($id: ID!) { user(id: $id) { alias achievements { apiName isUnlocked } } }`;
const ACHIEVEMENTS = 'GET /{user_id}/achievements';

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({ observability: { maxOperationNames: 3 } });
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

async function scrape(): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${sg.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseMetrics(text), contentType: res.headers.get('content-type') };
}

/** Runs `work`, then returns how much each asked-for sample grew meanwhile. */
async function growth(work: () => Promise<unknown>) {
  const before = (await scrape()).samples;
  await work();
  const after = (await scrape()).samples;
  return (name: string, labels: Record<string, string> = {}) =>
    (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
}

describe('GET /metrics', () => {
  it('serves the Prometheus text format, with Node’s default process metrics', async () => {
    const { samples, contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(names).toContain(name);
  });

  it('after a query: operation duration by name, type and outcome; upstream duration by route and status; batches; cache lookups', async () => {
    const grew = await growth(async () => {
      const res = await sg.gql(QUERY, { id: NOVA });
      expect(res.errors).toBeUndefined();
    });
    const op = { operation_name: 'PlayerAchievements', operation_type: 'query', outcome: 'success' };
    expect(grew('graphql_operation_duration_seconds_count', op)).toBe(1);
    expect(grew('graphql_operation_duration_seconds_bucket', { ...op, le: '+Inf' })).toBe(1);
    expect(
      grew('horizon_upstream_request_duration_seconds_count', { route: ACHIEVEMENTS, status: '200' }),
    ).toBe(1);
    expect(
      grew('horizon_upstream_request_duration_seconds_count', { route: 'GET /{user_id}', status: '200' }),
    ).toBe(1);
    expect(grew('dataloader_batch_size_count', { loader: 'achievementsByUser' })).toBe(1);
    expect(grew('dataloader_batch_size_sum', { loader: 'achievementsByUser' })).toBe(1);

    const after = (await scrape()).samples;
    expect(valueOf(after, 'horizon_upstream_requests_in_flight', { route: ACHIEVEMENTS })).toBe(0);
  });

  it('counts shared cache misses, then hits', async () => {
    const query = `{ user(id: "${NOVA}") { achievements { definition { apiName } } } }`;
    const first = await growth(() => sg.gql(query));
    expect(first('cache_lookups_total', { cache: 'definitions', result: 'miss' })).toBe(1);
    const second = await growth(() => sg.gql(query));
    expect(second('cache_lookups_total', { cache: 'definitions', result: 'miss' })).toBe(0);
    expect(second('cache_lookups_total', { cache: 'definitions', result: 'hit' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a key asked twice in one request as a loader memo hit, in a batch of one', async () => {
    const grew = await growth(() =>
      sg.gql(
        `{ a: user(id: "${NOVA}") { achievements { apiName } } b: user(id: "${NOVA}") { achievements { apiName } } }`,
      ),
    );
    expect(grew('cache_lookups_total', { cache: 'loader:achievementsByUser', result: 'miss' })).toBe(1);
    expect(grew('cache_lookups_total', { cache: 'loader:achievementsByUser', result: 'hit' })).toBe(1);
    expect(grew('dataloader_batch_size_sum', { loader: 'achievementsByUser' })).toBe(1);
  });

  it('after an injected upstream failure: the upstream status, the error code and a partial outcome', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, status: 503 });
    const grew = await growth(async () => {
      const res = await sg.gql(QUERY, { id: NOVA });
      expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    });
    expect(
      grew('horizon_upstream_request_duration_seconds_count', { route: ACHIEVEMENTS, status: '503' }),
    ).toBe(1);
    expect(grew('graphql_operation_errors_total', { code: 'UPSTREAM_ERROR' })).toBe(1);
    expect(
      grew('graphql_operation_duration_seconds_count', {
        operation_name: 'PlayerAchievements',
        operation_type: 'query',
        outcome: 'partial',
      }),
    ).toBe(1);
  });

  it('labels a transport failure by its kind instead of a status', async () => {
    await sg.emulator.fault({ route: ACHIEVEMENTS, reset: true });
    const grew = await growth(() => sg.gql(QUERY, { id: NOVA }));
    expect(
      grew('horizon_upstream_request_duration_seconds_count', { route: ACHIEVEMENTS, status: 'network' }),
    ).toBe(1);
    expect(grew('graphql_operation_errors_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
  });

  it('keeps label values bounded: anonymous operations, names past the cap, no ids or paths', async () => {
    const grew = await growth(async () => {
      await sg.gql('{ __typename }');
      for (const name of ['First', 'Second', 'Third', 'Fourth', 'Fifth'])
        await sg.gql(`query ${name} { __typename }`);
    });
    const op = (name: string) =>
      grew('graphql_operation_duration_seconds_count', {
        operation_name: name,
        operation_type: 'query',
        outcome: 'success',
      });
    expect(op('anonymous')).toBe(1);
    // The cap is 3 names and PlayerAchievements took one: two more are kept, the rest are `other`.
    expect(op('First') + op('Second')).toBe(2);
    expect(op('other')).toBe(3);

    const { text, samples } = await scrape();
    expect(text).not.toContain(NOVA);
    const routes = new Set(samples.flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
    expect(routes.size).toBeGreaterThan(0);
    for (const route of routes) expect(ALL_ROUTES).toContain(route);
  });
});
