/**
 * What is measured side by side, behind one interface. Every variant is a process of its own,
 * pinned with the others: `floor` generates its own load (no server in between); the others are
 * HTTP servers loaded with autocannon from the runner: `passthrough`, `subgraph`, `bare-apollo`
 * (the reference of the CPU target), `naive`, and with `--peers` the peers found installed
 * (`tailcall`). S5 has two subgraphs of its own: `subgraph` (in-memory idempotency store) and
 * `subgraph-redis` (the Redis store, `REDIS_URL`).
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { request } from 'undici';
import { Child } from './children.ts';
import type { ProcessStats } from './ipc.ts';
import { playersWorkload, type Workload } from './workload.ts';

/**
 * `candidate`: a second subgraph from another checkout (`--candidate DIR`), for A/B runs;
 * `subgraph-redis`: the subgraph with its idempotency keys on Redis (S5); `tailcall`: the peer.
 */
export type VariantName =
  | 'floor'
  | 'passthrough'
  | 'subgraph'
  | 'subgraph-redis'
  | 'candidate'
  | 'bare-apollo'
  | 'naive'
  | 'tailcall';
export const VARIANTS: readonly VariantName[] = [
  'floor',
  'passthrough',
  'subgraph',
  'subgraph-redis',
  'candidate',
  'bare-apollo',
  'naive',
  'tailcall',
];

/** A server process: a bench child (IPC) or a peer's binary (`lib/peers.ts`). */
export interface Server {
  readonly url: string;
  /** CPU, requests handled and in flight, RSS. */
  stats(): Promise<ProcessStats>;
  stop(): Promise<void>;
  /** For servers that cannot count their own requests: called once per answer the client got. */
  countAnswer?(): void;
}

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
  /** CPU, request counters and RSS of the process that does the variant's work. */
  stats(): Promise<ProcessStats>;
  /** The process doing the work, to stop it. */
  readonly server: Server;
  /** The same when it is a bench child: heap, profiles. */
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
  server: Server,
  path: string,
  headers: Record<string, string> = {},
  workload: Workload = playersWorkload,
): Variant {
  const url = `${server.url}${path}`;
  const baseHeaders = { 'content-type': 'application/json', ...headers };
  return {
    name,
    server,
    child: server instanceof Child ? server : undefined,
    stats: () => server.stats(),
    async once(n) {
      const seq = nextSeq();
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { ...baseHeaders, 'x-request-id': `bench-${seq}` },
          body: workload.body(seq, n),
        });
        const text = await res.body.text();
        server.countAnswer?.();
        return workload.check(res.statusCode, text, n);
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
              server.countAnswer?.();
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
 * The floor: the workload's upstream calls made straight with undici by a process of its own
 * (`floor-process.ts`, pinned with the servers, same pool size), every call of a request at once,
 * under a closed-loop load it generates itself. No server, no GraphQL, no JSON out: one round
 * trip plus the cost of the calls themselves.
 */
export function floorVariant(child: Child): Variant {
  return {
    name: 'floor',
    server: child,
    child,
    stats: () => child.stats(),
    once: (n) => child.once(n),
    load: (options) => child.load(options),
  };
}
