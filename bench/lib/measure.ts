/**
 * One scenario, measured: an exact probe of upstream calls per variant, a warm-up, then rounds in
 * which every variant runs once, back to back (A B C D, then B C D A, …), so that slow drifts of a
 * shared machine hit all variants alike and each round gives paired ratios.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from './children.ts';
import { countsDelta, type EmulatorControl, type RequestCounts } from './emulator-control.ts';
import { percentile, spread, type Spread } from './stats.ts';
import type { Variant, VariantName } from './variants.ts';
import { apiMinimumCalls } from './workload.ts';

/** What to run. */
export interface ScenarioSpec {
  id: string;
  title: string;
  latencyMs: number;
  connections: number;
  /** Players per request. */
  n: number;
  repeats: number;
  durationMs: number;
  warmupMs: number;
  /** The API's minimum upstream calls per request, when the workload is not the players read. */
  apiMinimumCalls?: number;
}

/** One variant's run in one round. */
export interface VariantRun {
  round: number;
  variant: VariantName;
  completed: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  failures: number;
  failureSample?: string;
  /** CPU of the process doing the work (the server; the bench process for the floor), ms per request. */
  cpuMsPerRequest: number;
  /** Emulator calls during the run per request the server handled (approximate: load edges). */
  upstreamCallsPerRequestUnderLoad: number;
  /** The emulator's CPU per request, ms. */
  upstreamCpuMsPerRequest: number;
}

/** Exact upstream calls of sequential requests, read from the emulator's counters. */
export interface Probe {
  requests: number;
  callsPerRequest: number;
  byRoute: Record<string, number>;
  failures: string[];
}

export interface VariantSummary {
  rps: Spread;
  p50: Spread;
  p99: Spread;
  cpuMsPerRequest: Spread;
  /** The emulator's CPU per request: tells when the upstream, not the variant, is the limit. */
  upstreamCpuMsPerRequest: Spread;
  upstreamCallsPerRequest: number;
  failures: number;
  /** RSS of the variant's process right after the scenario's last round (no collection forced). */
  rssAfterBytes: number;
}

/** `a/b` of one measure, per round, then median and range over rounds. */
export interface RatioSummary {
  rps: Spread;
  p50: Spread;
  p99: Spread;
  cpuMsPerRequest: Spread;
}

/**
 * A variant that beat the floor (or, not being the floor, the passthrough) on throughput or p50
 * by more than the round-to-round noise: a measurement to look into, not a result.
 */
export interface Suspect {
  variant: VariantName;
  beat: VariantName;
  measure: 'req/s' | 'p50';
  /** Median of the per-round ratios (variant/beaten). */
  ratio: number;
  /** What counts as noise for this pair: half the range of its per-round ratios, at least 5 %. */
  noise: number;
}

export interface ScenarioResult extends ScenarioSpec {
  apiMinimumCalls: number;
  /** Which upstream the variants called: the emulator, or the replay of its answers. */
  upstream: string;
  suspects: Suspect[];
  probes: Partial<Record<VariantName, Probe>>;
  runs: VariantRun[];
  summary: Partial<Record<VariantName, VariantSummary>>;
  ratios: Record<string, RatioSummary>;
}

/** The pairs the report shows. */
export const RATIOS: readonly [VariantName, VariantName][] = [
  ['subgraph', 'floor'],
  ['subgraph', 'passthrough'],
  ['subgraph', 'bare-apollo'],
  ['subgraph', 'naive'],
  ['subgraph', 'tailcall'],
  ['subgraph-redis', 'subgraph'],
  ['candidate', 'subgraph'],
  ['candidate', 'floor'],
  ['candidate', 'passthrough'],
  ['candidate', 'bare-apollo'],
  ['candidate', 'naive'],
  ['bare-apollo', 'passthrough'],
  ['tailcall', 'passthrough'],
];

/** The least relative difference taken for more than noise (one round has no range to go by). */
export const MIN_NOISE = 0.05;

const PROBE_REQUESTS = 5;

export async function runScenario(
  spec: ScenarioSpec,
  variants: readonly Variant[],
  emulator: { control: EmulatorControl; child: Child; name: string },
  log: (line: string) => void,
  hooks: { beforeRounds?: () => Promise<void> | void; afterRounds?: () => Promise<void> | void } = {},
): Promise<ScenarioResult> {
  // Probes first, each on a quiet upstream, so that no call of another variant is counted.
  const probes: ScenarioResult['probes'] = {};
  let quiet = await quiesce(emulator.control, spec.latencyMs);
  const start = quiet;
  for (const variant of variants) {
    const after = await probe(variant, spec, emulator.control, quiet);
    probes[variant.name] = after.probe;
    quiet = after.counts;
  }
  log(
    `  ${spec.id} probes: ${variants.map((v) => `${v.name} ${probes[v.name]!.callsPerRequest} calls/req`).join(', ')}`,
  );
  for (const variant of variants) {
    if (spec.warmupMs > 0)
      await variant.load({ connections: spec.connections, durationMs: spec.warmupMs, n: spec.n });
  }
  await quiesce(emulator.control, spec.latencyMs);
  log(`  ${spec.id} warmed up`);
  const runs: VariantRun[] = [];
  await hooks.beforeRounds?.();
  for (let round = 0; round < spec.repeats; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length]!;
      const run = await measure(variant, spec, round, emulator);
      runs.push(run);
      log(
        `  ${spec.id} round ${round + 1}/${spec.repeats} ${variant.name.padEnd(14)} ${run.rps.toFixed(0).padStart(5)} req/s  p50 ${run.p50.toFixed(1)} ms  p99 ${run.p99.toFixed(1)} ms  cpu ${run.cpuMsPerRequest.toFixed(2)} ms/req${run.failures ? `  FAILURES ${run.failures}: ${run.failureSample}` : ''}`,
      );
    }
  }
  const end = await emulator.control.counts();
  const rss = new Map<VariantName, number>();
  for (const variant of variants) rss.set(variant.name, (await variant.stats()).rssBytes);
  await hooks.afterRounds?.();
  const { summary, ratios } = summarize(variants, runs, probes, rss);
  return {
    ...spec,
    apiMinimumCalls: spec.apiMinimumCalls ?? apiMinimumCalls(spec.n),
    upstream: describeUpstream(emulator.name, start, end),
    probes,
    runs,
    summary,
    ratios,
    suspects: suspects(variants, runs),
  };
}

/** Runs the probe from the quiet reading `before`; returns it and the quiet reading after. */
async function probe(
  variant: Variant,
  spec: ScenarioSpec,
  control: EmulatorControl,
  before: RequestCounts,
): Promise<{ probe: Probe; counts: RequestCounts }> {
  const failures: string[] = [];
  for (let i = 0; i < PROBE_REQUESTS; i++) {
    const problem = await variant.once(spec.n);
    if (problem) failures.push(problem);
  }
  const after = await quiesce(control, spec.latencyMs);
  const probe: Probe = {
    requests: PROBE_REQUESTS,
    callsPerRequest: (after.total - before.total) / PROBE_REQUESTS,
    byRoute: Object.fromEntries(
      Object.entries(countsDelta(before, after)).map(([route, calls]) => [route, calls / PROBE_REQUESTS]),
    ),
    failures,
  };
  return { probe, counts: after };
}

async function measure(
  variant: Variant,
  spec: ScenarioSpec,
  round: number,
  emulator: { control: EmulatorControl; child: Child; name: string },
): Promise<VariantRun> {
  const [calls0, stats0, upstream0] = [
    await emulator.control.counts(),
    await variant.stats(),
    await emulator.child.stats(),
  ];
  const load = await variant.load({ connections: spec.connections, durationMs: spec.durationMs, n: spec.n });
  // Requests cut off by the end of the run still finish on the server: let them, then count.
  const calls1 = await quiesce(emulator.control, spec.latencyMs);
  const [stats1, upstream1] = [await variant.stats(), await emulator.child.stats()];
  const handled = Math.max(1, stats1.handled - stats0.handled);
  const sorted = [...load.latencies].sort((a, b) => a - b);
  return {
    round,
    variant: variant.name,
    completed: load.completed,
    rps: (load.completed / load.elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length),
    failures: load.failures,
    failureSample: load.failureSample,
    cpuMsPerRequest: (stats1.cpuMicros - stats0.cpuMicros) / 1000 / handled,
    upstreamCallsPerRequestUnderLoad: (calls1.total - calls0.total) / handled,
    upstreamCpuMsPerRequest: (upstream1.cpuMicros - upstream0.cpuMicros) / 1000 / handled,
  };
}

/** `replay, 98 % replayed` (the share of calls answered from the recording during the scenario). */
function describeUpstream(name: string, start: RequestCounts, end: RequestCounts): string {
  if (end.replayed === undefined || end.forwarded === undefined) return name;
  const replayed = end.replayed - (start.replayed ?? 0);
  const forwarded = end.forwarded - (start.forwarded ?? 0);
  return `${name}, ${((100 * replayed) / Math.max(1, replayed + forwarded)).toFixed(0)} % replayed`;
}

/**
 * Waits until the upstream is quiet: the emulator's counters did not move for a while (longer
 * than a round trip, so that a request still between two waves of calls is waited for). A server
 * keeps working on a request whose client went away, so the servers' own in-flight counts
 * cannot tell. Bounded: 10 s at most. Returns the last reading.
 */
export async function quiesce(control: EmulatorControl, latencyMs: number): Promise<RequestCounts> {
  let last = await control.counts();
  for (let i = 0, quiet = 0; i < 100 && quiet < 2; i++) {
    await sleep(Math.max(50, 2 * latencyMs));
    const now = await control.counts();
    quiet = now.total === last.total ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

function summarize(
  variants: readonly Variant[],
  runs: readonly VariantRun[],
  probes: ScenarioResult['probes'],
  rss: ReadonlyMap<VariantName, number>,
): Pick<ScenarioResult, 'summary' | 'ratios'> {
  const summary: ScenarioResult['summary'] = {};
  for (const { name } of variants) {
    const mine = runs.filter((run) => run.variant === name);
    summary[name] = {
      rps: spread(mine.map((run) => run.rps)),
      p50: spread(mine.map((run) => run.p50)),
      p99: spread(mine.map((run) => run.p99)),
      cpuMsPerRequest: spread(mine.map((run) => run.cpuMsPerRequest)),
      upstreamCpuMsPerRequest: spread(mine.map((run) => run.upstreamCpuMsPerRequest)),
      upstreamCallsPerRequest: probes[name]?.callsPerRequest ?? Number.NaN,
      failures: mine.reduce((sum, run) => sum + run.failures, 0) + (probes[name]?.failures.length ?? 0),
      rssAfterBytes: rss.get(name) ?? Number.NaN,
    };
  }
  const ratios: ScenarioResult['ratios'] = {};
  for (const [a, b] of RATIOS) {
    const ratio = pairedRatios(runs, a, b);
    if (ratio) ratios[`${a}/${b}`] = ratio;
  }
  return { summary, ratios };
}

/** `a/b` per round for each measure, or undefined when they never ran in the same round. */
function pairedRatios(runs: readonly VariantRun[], a: VariantName, b: VariantName): RatioSummary | undefined {
  const rounds = [...new Set(runs.map((run) => run.round))];
  const pairs = rounds.flatMap((round) => {
    const x = runs.find((run) => run.round === round && run.variant === a);
    const y = runs.find((run) => run.round === round && run.variant === b);
    return x && y ? [[x, y] as const] : [];
  });
  if (pairs.length === 0) return undefined;
  const ratio = (pick: (run: VariantRun) => number) => spread(pairs.map(([x, y]) => pick(x) / pick(y)));
  return {
    rps: ratio((run) => run.rps),
    p50: ratio((run) => run.p50),
    p99: ratio((run) => run.p99),
    cpuMsPerRequest: ratio((run) => run.cpuMsPerRequest),
  };
}

/** Peers: another runtime, which may well beat a Node passthrough (never the floor). */
const PEERS: ReadonlySet<VariantName> = new Set(['tailcall']);

/**
 * Every variant that beat the floor, and every Node variant but the floor that beat the
 * passthrough, on throughput or p50 by more than the noise of that pair (half the range of its
 * per-round ratios, at least `MIN_NOISE`). The floor does strictly less work than any of them
 * (the same calls, no server in front), and the passthrough less than any Node GraphQL server,
 * so such a win says the measurement went wrong.
 */
function suspects(variants: readonly Variant[], runs: readonly VariantRun[]): Suspect[] {
  const found: Suspect[] = [];
  for (const { name } of variants) {
    for (const beat of ['floor', 'passthrough'] as const) {
      if (name === 'floor' || name === beat || (beat === 'passthrough' && PEERS.has(name))) continue;
      const r = pairedRatios(runs, name, beat);
      if (!r) continue;
      const noise = (s: Spread) => Math.max(MIN_NOISE, (s.max - s.min) / 2);
      if (r.rps.median > 1 + noise(r.rps))
        found.push({ variant: name, beat, measure: 'req/s', ratio: r.rps.median, noise: noise(r.rps) });
      if (r.p50.median < 1 - noise(r.p50))
        found.push({ variant: name, beat, measure: 'p50', ratio: r.p50.median, noise: noise(r.p50) });
    }
  }
  return found;
}
