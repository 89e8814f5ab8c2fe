import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Readiness, type ReadinessReport } from '../../src/observability/index.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// `/healthz` is liveness and never looks at the upstream; `/readyz` says whether to send traffic:
// not while starting, not while draining, not once the upstream has been unreachable for longer
// than the grace period. The HTTP tests use a grace of 100 ms and wait past it: they assert states
// reached after at least that long, never how long something took.

const LEADERBOARDS = 'GET /{app_id}/leaderboards';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(url: string): Promise<{ status: number; body: ReadinessReport }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadinessReport };
}

describe('readiness over HTTP', () => {
  let sg: SubgraphHandle;
  beforeAll(async () => {
    sg = await subgraph({ observability: { readinessUpstreamGraceMs: 100 } });
  });
  afterAll(() => sg.close());
  beforeEach(() => sg.emulator.reset());

  it('liveness is cheap: no upstream call', async () => {
    const res = await fetch(`${sg.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('is ready once started, with a body that says so', async () => {
    expect(await probe(sg.url)).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('turns not ready when the upstream stays unreachable past the grace period, and ready again when it answers', async () => {
    await sg.emulator.fault({ route: LEADERBOARDS, status: 503, times: 1000 });
    await sleep(150); // no upstream answer seen for longer than the probe interval: /readyz probes
    expect((await probe(sg.url)).status).toBe(200); // first failure seen: within the grace period
    await sleep(150);
    const down = await probe(sg.url);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'not ready',
      reason: 'upstream unreachable',
      upstream: { lastFailure: `${LEADERBOARDS}: HTTP 503` },
    });
    if (down.body.status === 'not ready')
      expect(down.body.upstream?.unreachableForMs).toBeGreaterThanOrEqual(100);

    await sg.emulator.reset(); // faults gone
    await sleep(150);
    expect(await probe(sg.url)).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('counts GraphQL traffic as evidence too: a 4xx answer means the upstream is reachable', async () => {
    await sg.emulator.fault({ route: 'GET /{user_id}', status: 404, times: 5 });
    await sg.gql('{ user(id: "1000000000000001") { alias } }');
    await sleep(150);
    expect((await probe(sg.url)).status).toBe(200);
  });
});

describe('readiness while draining', () => {
  it('turns not ready as soon as close() begins, while requests are still served', async () => {
    const sg = await subgraph({ server: { shutdownDelayMs: 300 } });
    expect((await probe(sg.url)).status).toBe(200);
    const closing = sg.server.close();
    const draining = await probe(sg.url);
    expect(draining).toEqual({ status: 503, body: { status: 'not ready', reason: 'draining' } });
    // Still serving during the delay, so in-flight and late requests are not dropped.
    const res = await sg.gql('{ user(id: "1000000000000001") { alias } }');
    expect(res.data).toEqual({ user: { alias: 'NovaDrift' } });
    await closing;
    await expect(fetch(`${sg.url}/healthz`)).rejects.toThrow();
    await sg.close();
  });
});

describe('Readiness', () => {
  function clock() {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => void (now += ms) };
  }
  const unreachable = { reachable: false, failure: 'GET /me: timeout' } as const;

  it('is not ready while starting, ready once started, not ready once draining', () => {
    const readiness = new Readiness({ upstreamGraceMs: 1000 });
    expect(readiness.report()).toEqual({ status: 'not ready', reason: 'starting' });
    readiness.markStarted();
    expect(readiness.report()).toEqual({ status: 'ready' });
    readiness.markDraining();
    expect(readiness.report()).toEqual({ status: 'not ready', reason: 'draining' });
    readiness.markStarted(); // draining is final
    expect(readiness.report()).toEqual({ status: 'not ready', reason: 'draining' });
  });

  it('tolerates an unreachable upstream for the grace period, and forgets it at the first answer', () => {
    const t = clock();
    const readiness = new Readiness({ upstreamGraceMs: 1000, now: t.now });
    readiness.markStarted();
    readiness.recordUpstream(unreachable);
    t.advance(999);
    readiness.recordUpstream(unreachable);
    expect(readiness.report().status).toBe('ready');
    t.advance(1);
    expect(readiness.report()).toEqual({
      status: 'not ready',
      reason: 'upstream unreachable',
      upstream: { unreachableForMs: 1000, lastFailure: 'GET /me: timeout' },
    });
    readiness.recordUpstream({ reachable: true });
    expect(readiness.report().status).toBe('ready');
  });

  it('leaves the upstream out with a grace of 0', async () => {
    const t = clock();
    const readiness = new Readiness({ upstreamGraceMs: 0, now: t.now });
    readiness.markStarted();
    readiness.recordUpstream(unreachable);
    t.advance(3_600_000);
    let probes = 0;
    expect(await readiness.check(async () => void probes++)).toEqual({ status: 'ready' });
    expect(probes).toBe(0);
  });

  it('probes only when the upstream has been quiet, one probe at a time', async () => {
    const t = clock();
    const readiness = new Readiness({ upstreamGraceMs: 10_000, now: t.now });
    readiness.markStarted();
    let probes = 0;
    let release!: () => void;
    const slowProbe = () => {
      probes++;
      return new Promise<void>((resolve) => (release = resolve));
    };
    const checks = [readiness.check(slowProbe), readiness.check(slowProbe)];
    release();
    await Promise.all(checks);
    expect(probes).toBe(1);
    await readiness.check(slowProbe); // an answer was just seen
    expect(probes).toBe(1);
    t.advance(5_000);
    const again = readiness.check(slowProbe);
    release();
    await again;
    expect(probes).toBe(2);
  });

  it('records a failed probe by what it says: timeouts and 502/503/504 are unreachable, a 404 is an answer', async () => {
    const t = clock();
    const readiness = new Readiness({ upstreamGraceMs: 1000, now: t.now });
    readiness.markStarted();
    const failWith = (details: object) => async () => {
      throw Object.assign(new Error('upstream'), {
        name: 'HorizonApiError',
        endpoint: 'GET /me',
        ...details,
      });
    };
    await readiness.check(failWith({ kind: 'timeout' }));
    t.advance(5_000);
    expect(await readiness.check(failWith({ kind: 'api', status: 504 }))).toMatchObject({
      reason: 'upstream unreachable',
      upstream: { lastFailure: 'GET /me: HTTP 504' },
    });
    t.advance(5_000);
    expect(await readiness.check(failWith({ kind: 'api', status: 404 }))).toEqual({ status: 'ready' });
  });

  it('rejects a grace period that is not a whole number of milliseconds', () => {
    expect(() => new Readiness({ upstreamGraceMs: -1 })).toThrow(TypeError);
    expect(() => new Readiness({ upstreamGraceMs: 1.5 })).toThrow(/upstreamGraceMs/);
  });
});
