/**
 * The floor: the workload's upstream calls made straight with undici, every call of a request at
 * once (one round trip), no server in front, no GraphQL, no JSON out. It runs in a process of its
 * own, pinned with the measured servers and with the same pool size, and generates its own
 * closed-loop load (the runner sends `load` over IPC), so that nothing it measures shares a core
 * with the load generator or the upstream.
 */
import { performance } from 'node:perf_hooks';
import { RequestCounter, argument, serveRunner } from './lib/child-side.ts';
import { DirectUpstream } from './lib/upstream.ts';
import { playersFor } from './lib/workload.ts';

const upstream = new DirectUpstream(
  argument('upstream'),
  { id: argument('app-id'), secret: argument('app-secret') },
  Number(argument('connections')),
);
/** `handled` and `inFlight` as a server would count them, for CPU per request. */
const counter = new RequestCounter();
let sequence = 0;

async function once(n: number): Promise<string | undefined> {
  counter.inFlight++;
  try {
    const ids = playersFor(++sequence, n);
    const rows = await upstream.players(ids);
    if (rows.achievements.length !== n) return 'wrong number of achievement lists';
    return rows.achievements.every(Array.isArray) ? undefined : 'an achievements answer without a list';
  } catch (error) {
    return (error as Error).message;
  } finally {
    counter.inFlight--;
    counter.handled++;
  }
}

serveRunner({ urls: {} }, counter, () => upstream.close(), {
  once,
  async load({ connections, durationMs, n }) {
    const latencies: number[] = [];
    let failures = 0;
    let failureSample: string | undefined;
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const problem = await once(n);
          latencies.push(performance.now() - t0);
          if (problem) {
            failures++;
            failureSample ??= problem;
          }
        }
      }),
    );
    return {
      completed: latencies.length,
      elapsedMs: performance.now() - started,
      latencies,
      failures,
      failureSample,
    };
  },
});
