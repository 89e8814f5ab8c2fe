/**
 * The four things measured side by side, behind one interface: `floor` runs in the bench process
 * (no server in between); `passthrough`, `subgraph` and `naive` are HTTP servers in their own
 * processes, loaded with autocannon. S5 has two subgraphs of its own: `subgraph` (in-memory
 * idempotency store) and `subgraph-redis` (the Redis store, `REDIS_URL`).
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { request } from 'undici';
import type { Child } from './children.ts';
import type { ProcessStats } from './ipc.ts';
import type { DirectUpstream } from './upstream.ts';
import { playersFor, playersWorkload, type Workload } from './workload.ts';

/**
 * `candidate`: a second subgraph from another checkout (`--candidate DIR`), for A/B runs;
 * `subgraph-redis`: the subgraph with its idempotency keys on Redis (S5).
 */
export type VariantName = 'floor' | 'passthrough' | 'subgraph' | 'subgraph-redis' | 'candidate' | 'naive';
export const VARIANTS: readonly VariantName[] = [
  'floor',
  'passthrough',
  'subgraph',
  'subgraph-redis',
  'candidate',
  'naive',
];

/** A closed-loop load: `connections` clients, each sending its next request when the last answers. */
export interface LoadOptions {
  connections: number;
  durationMs: number;
  /** Players per request. */
  n: number;
}

/** What one load run saw from the client side. */
export interface LoadMeasure {
  /** Answers received (checked or not). */
  completed: number;
  elapsedMs: number;
  /** Latency of every answer, ms. */
  latencies: number[];
  /** Answers that were not HTTP 200 with data and no `errors`, plus transport errors. */
  failures: number;
  /** What the first failure was. */
  failureSample?: string;
}

export interface Variant {
  readonly name: VariantName;
  /** One request, checked; what is wrong with the answer, or undefined. */
  once(n: number): Promise<string | undefined>;
  load(options: LoadOptions): Promise<LoadMeasure>;
  /** CPU and request counters of the process that does the variant's work. */
  stats(): Promise<ProcessStats>;
  /** The process, for heap measurements (undefined for the floor). */
  readonly child?: Child;
}

let sequence = 0;
/** Every request of the run gets the next number: its id and its window of players. */
function nextSeq(): number {
  return ++sequence;
}

/** A variant served over HTTP by a child process; it sends `workload` (default the players read). */
export function httpVariant(
  name: VariantName,
  child: Child,
  path: string,
  headers: Record<string, string> = {},
  workload: Workload = playersWorkload,
): Variant {
  const url = `${child.url}${path}`;
  const baseHeaders = { 'content-type': 'application/json', ...headers };
  return {
    name,
    child,
    stats: () => child.stats(),
    async once(n) {
      const seq = nextSeq();
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { ...baseHeaders, 'x-request-id': `bench-${seq}` },
          body: workload.body(seq, n),
        });
        return workload.check(res.statusCode, await res.body.text(), n);
      } catch (error) {
        return (error as Error).message;
      }
    },
    async load({ connections, durationMs, n }) {
      const latencies: number[] = [];
      let failures = 0;
      let failureSample: string | undefined;
      const started = performance.now();
      const instance = autocannon({
        url,
        connections,
        duration: durationMs / 1000,
        timeout: 30,
        // autocannon notices the end of the run only at a sample tick (default every second).
        sampleInt: 50,
        requests: [
          {
            method: 'POST',
            headers: baseHeaders,
            setupRequest: (req) => {
              const seq = nextSeq();
              return {
                ...req,
                headers: { ...req.headers, 'x-request-id': `bench-${seq}` },
                body: workload.body(seq, n),
              };
            },
            onResponse: (status, body) => {
              const problem = workload.check(status, body, n);
              if (problem) {
                failures++;
                failureSample ??= problem;
              }
            },
          },
        ],
      });
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
        latencies.push(responseTime);
      });
      const result = await instance;
      const elapsedMs = performance.now() - started;
      failures += result.errors + result.timeouts;
      if (result.errors + result.timeouts > 0)
        failureSample ??= `${result.errors} transport errors, ${result.timeouts} timeouts`;
      return { completed: latencies.length, elapsedMs, latencies, failures, failureSample };
    },
  };
}

/**
 * The floor: the workload's upstream calls made straight from this process with undici, every
 * call of a request at once. No server, no GraphQL, no JSON out: one round trip plus the cost of
 * the calls themselves.
 */
export function floorVariant(upstream: DirectUpstream): Variant {
  let handled = 0;
  let inFlight = 0;
  const one = async (n: number): Promise<string | undefined> => {
    inFlight++;
    try {
      const ids = playersFor(nextSeq(), n);
      const rows = await upstream.players(ids);
      return rows.achievements.length === n ? undefined : 'wrong number of achievement lists';
    } catch (error) {
      return (error as Error).message;
    } finally {
      inFlight--;
      handled++;
    }
  };
  return {
    name: 'floor',
    once: one,
    async stats() {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system, handled, inFlight };
    },
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
            const problem = await one(n);
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
  };
}
