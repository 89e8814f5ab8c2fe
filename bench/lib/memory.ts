/**
 * Scenario 4: heap retained per in-flight request. The emulator is told to hold every call of the
 * workload's two routes (a fault with a delay), `parked` requests are sent and left waiting, and
 * the server's heap after forced collections is compared with its heap before, divided by the
 * number of requests parked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { EmulatorControl } from './emulator-control.ts';
import { quiesce } from './measure.ts';
import type { HeapStats } from './ipc.ts';
import type { Variant, VariantName } from './variants.ts';
import { checkResponse, requestBody } from './workload.ts';

const PARKED_ROUTES = ['GET /{user_id}/achievements', 'GET /leaderboard_entries'];

export interface MemoryResult {
  variant: VariantName;
  parked: number;
  n: number;
  /** Requests the server reported in flight when the heap was read. */
  inFlightSeen: number;
  /** Upstream calls the emulator was holding (the rest waited in the server's queues). */
  upstreamCallsHeld: number;
  before: HeapStats;
  during: HeapStats;
  heapBytesPerRequest: number;
  /** Answers after the release that were not HTTP 200 without `errors`. */
  failures: number;
  failureSample?: string;
}

export async function parkedHeap(
  variant: Variant,
  control: EmulatorControl,
  options: {
    parked: number;
    n: number;
    parkMs: number;
    headers?: Record<string, string>;
    path: string;
    /** Where to write a sampling heap profile of what the parked requests hold. */
    heapProfile?: string;
  },
): Promise<MemoryResult> {
  const child = variant.child;
  if (!child) throw new Error(`${variant.name} has no process of its own to measure`);
  for (let i = 0; i < 3; i++) await variant.once(options.n);
  const calls0 = (await quiesce(control, 20)).total;
  const before = await child.heap();
  if (options.heapProfile) await child.heapSamplingStart();
  for (const route of PARKED_ROUTES)
    await control.fault({ route, delayMs: options.parkMs, times: 1_000_000 });

  const agent = new Agent({ connections: options.parked, keepAliveTimeout: 1000 });
  const url = `${child.url}${options.path}`;
  let seq = 1_000_000_000;
  const answers = Array.from({ length: options.parked }, async () => {
    const id = ++seq;
    const res = await request(url, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `bench-park-${id}`, ...options.headers },
      body: requestBody(id, options.n),
    });
    return checkResponse(res.statusCode, await res.body.text(), options.n);
  });

  // Parked: every request is in the server and the upstream calls have stopped arriving.
  let inFlightSeen = 0;
  let held = -1;
  // Up to 10 s: on a loaded machine 200 requests take seconds to reach the server.
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    inFlightSeen = (await child.stats()).inFlight;
    const now = (await control.counts()).total - calls0;
    if (inFlightSeen >= options.parked && now === held) break;
    held = now;
  }
  const during = await child.heap();
  if (options.heapProfile) await child.heapSamplingStop(options.heapProfile);
  await control.reset(); // drops the fault; the calls already held end after parkMs
  const problems = (await Promise.all(answers)).filter((problem) => problem !== undefined);
  await agent.close();
  return {
    variant: variant.name,
    parked: options.parked,
    n: options.n,
    inFlightSeen,
    upstreamCallsHeld: held,
    before,
    during,
    heapBytesPerRequest: (during.heapUsed - before.heapUsed) / options.parked,
    failures: problems.length,
    failureSample: problems[0],
  };
}
