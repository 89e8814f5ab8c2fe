/** The Markdown report: results per scenario and variant, paired ratios, targets, memory. */
import type { MemoryResult } from './memory.ts';
import { RATIOS, type ScenarioResult } from './measure.ts';
import type { Spread } from './stats.ts';
import { VARIANTS } from './variants.ts';

/** Everything a run produced (also the JSON file). */
export interface BenchResults {
  startedAt: string;
  mode: 'full' | 'quick';
  durationS: number;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverage: number[] };
  pinning: string;
  subgraphConfig: Record<string, unknown>;
  /** `--candidate`: the checkout and environment of the `candidate` variant. */
  candidate?: { dir: string; env: Record<string, string> };
  scenarios: ScenarioResult[];
  memory: MemoryResult[];
  /** S5's Redis side, when S5 ran (its measures are in `scenarios`, id `S5`). */
  idempotentWrite?: IdempotentWriteInfo;
  targets: TargetCheck[];
  /** The same checks for the `--candidate`, when there is one. */
  candidateTargets?: TargetCheck[];
}

/** S5: what the Redis store ran on, or why it was not measured. */
export interface IdempotentWriteInfo {
  /** Why the Redis store was not measured (S5 then measures the in-memory store only). */
  skipped?: string;
  /** Which Redis, e.g. `redis-server 7.0.15, started by the bench on 127.0.0.1:PORT`. */
  redis?: string;
  /** redis-server's CPU during the rounds per request of `subgraph-redis`, ms. */
  redisCpuMsPerRequest?: number;
}

/** One target of the issue and where we stand. */
export interface TargetCheck {
  target: string;
  measured: string;
  /** undefined when the run did not measure it. */
  met?: boolean;
}

const KB = 1024;

/** Where `variant` (the subgraph, or the `--candidate`) stands against each target of the issue. */
export function checkTargets(
  scenarios: readonly ScenarioResult[],
  memory: readonly MemoryResult[],
  variant: 'subgraph' | 'candidate' = 'subgraph',
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const byId = (id: string) => scenarios.find((s) => s.id === id);
  const ratio = (s: ScenarioResult | undefined, other: string) => s?.ratios[`${variant}/${other}`];

  const calls = scenarios.map((s) => ({ s, calls: s.summary[variant]?.upstreamCallsPerRequest }));
  checks.push({
    target: 'Upstream calls per request = API minimum in every scenario (exact)',
    measured: calls.map(({ s, calls: c }) => `${s.id} ${fmt(c, 2)}/${s.apiMinimumCalls}`).join(', '),
    met: calls.length ? calls.every(({ s, calls: c }) => c === s.apiMinimumCalls) : undefined,
  });

  const s1 = byId('S1');
  const s1floor = s1?.summary.floor;
  const s1mine = s1?.summary[variant];
  const r1 = ratio(s1, 'floor');
  const rNaive = ratio(s1, 'naive');
  checks.push(
    {
      target: 'S1 throughput ≥ 0.85 × floor',
      measured: r1 ? `${fmt(r1.rps.median, 2)} × floor` : '—',
      met: r1 ? r1.rps.median >= 0.85 : undefined,
    },
    {
      target: 'S1 p50 ≤ floor p50 + 3 ms',
      measured:
        s1mine && s1floor ? `${fmt(s1mine.p50.median, 1)} ms vs ${fmt(s1floor.p50.median + 3, 1)} ms` : '—',
      met: s1mine && s1floor ? s1mine.p50.median <= s1floor.p50.median + 3 : undefined,
    },
    {
      target: 'S1 p99 ≤ 1.5 × floor p99',
      measured: r1 ? `${fmt(r1.p99.median, 2)} × floor` : '—',
      met: r1 ? r1.p99.median <= 1.5 : undefined,
    },
    {
      target: 'S1 throughput ≥ 3 × naive',
      measured: rNaive ? `${fmt(rNaive.rps.median, 2)} × naive` : '—',
      met: rNaive ? rNaive.rps.median >= 3 : undefined,
    },
  );

  const r2 = ratio(byId('S2'), 'passthrough');
  checks.push({
    target: 'S2 CPU time per request ≤ 3 × passthrough',
    measured: r2 ? `${fmt(r2.cpuMsPerRequest.median, 2)} × passthrough` : '—',
    met: r2 ? r2.cpuMsPerRequest.median <= 3 : undefined,
  });

  const sweep = scenarios.filter((s) => s.id.startsWith('S3'));
  if (sweep.length) {
    const rows = sweep.map((s) => ({
      n: s.n,
      mine: s.summary[variant]?.p50.median ?? Number.NaN,
      floor: s.summary.floor?.p50.median ?? Number.NaN,
      naive: s.summary.naive?.p50.median ?? Number.NaN,
    }));
    const first = rows[0]!;
    const last = rows.at(-1)!;
    checks.push(
      {
        target: 'S3 p50 ≤ one round trip (floor p50 at that N) + 5 ms, N = 1…100',
        measured: rows.map((r) => `N=${r.n} ${fmt(r.mine, 1)}/${fmt(r.floor + 5, 1)}`).join(', ') + ' ms',
        met: rows.every((r) => r.mine <= r.floor + 5),
      },
      {
        target: 'S3 naive p50 grows with N (N=100 ≥ N=1 + 5 ms)',
        measured: `${fmt(first.naive, 1)} → ${fmt(last.naive, 1)} ms`,
        met: last.naive >= first.naive + 5,
      },
    );
  }

  const mem = memory.filter((m) => m.variant === variant);
  checks.push({
    target: 'S4 ≤ 50 KB retained heap per in-flight request',
    measured: mem.length
      ? mem.map((m) => `${m.parked} × ${m.n} players: ${fmt(m.heapBytesPerRequest / KB, 1)} KB`).join(', ')
      : '—',
    met: mem.length ? mem.every((m) => m.heapBytesPerRequest <= 50 * KB) : undefined,
  });
  return checks;
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `## Benchmark results (${results.mode}, ${results.startedAt})`,
    '',
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ${m.platform}, load average at start ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')}.  `,
    `Pinning: ${results.pinning}.  `,
    `Subgraph config: ${Object.entries(results.subgraphConfig)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(
        ', ',
      )}. Floor and passthrough: undici pool of 256 connections, every call of a request at once. Naive: global \`fetch\`.  `,
    ...(results.candidate
      ? [
          `Candidate: the subgraph of \`${results.candidate.dir}\`${Object.keys(results.candidate.env).length ? ` with ${JSON.stringify(results.candidate.env)}` : ''}.  `,
        ]
      : []),
    `Figures are medians over rounds, with (min–max); ratios are medians of per-round ratios (variants interleaved, order rotated each round). Run took ${results.durationS.toFixed(0)} s.`,
    '',
  );

  if (results.scenarios.length) {
    out.push(
      '| scenario | variant | req/s | p50 ms | p99 ms | upstream calls/req (API min) | CPU ms/req | emulator CPU ms/req |',
      '|---|---|--:|--:|--:|--:|--:|--:|',
    );
    for (const s of results.scenarios) {
      for (const name of VARIANTS) {
        const v = s.summary[name];
        if (!v) continue;
        const failures = v.failures ? ` ⚠ ${v.failures} failed` : '';
        out.push(
          `| ${s.id} ${s.title} | ${name}${failures} | ${sp(v.rps, 0)} | ${sp(v.p50, 1)} | ${sp(v.p99, 1)} | ${fmt(v.upstreamCallsPerRequest, 2)} (${s.apiMinimumCalls}) | ${sp(v.cpuMsPerRequest, 2)} | ${sp(v.upstreamCpuMsPerRequest, 2)} |`,
        );
      }
    }
    out.push('', '| scenario | ratio | req/s | p50 | p99 | CPU/req |', '|---|---|--:|--:|--:|--:|');
    for (const s of results.scenarios) {
      for (const [a, b] of RATIOS) {
        const r = s.ratios[`${a}/${b}`];
        if (!r) continue;
        out.push(
          `| ${s.id} | ${a}/${b} | ${sp(r.rps, 2)} | ${sp(r.p50, 2)} | ${sp(r.p99, 2)} | ${sp(r.cpuMsPerRequest, 2)} |`,
        );
      }
    }
    out.push('');
  }

  const s5 = results.scenarios.find((s) => s.id === 'S5');
  if (s5) out.push(...idempotentWriteRow(s5, results.idempotentWrite ?? {}), '');

  if (results.memory.length) {
    out.push(
      '| S4 memory | parked requests | N | in flight seen | upstream calls held | heap before MB | heap parked MB | retained KB/request |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const r of results.memory) {
      out.push(
        `| ${r.variant}${r.failures ? ` ⚠ ${r.failures} failed` : ''} | ${r.parked} | ${r.n} | ${r.inFlightSeen} | ${r.upstreamCallsHeld} | ${fmt(r.before.heapUsed / KB / KB, 1)} | ${fmt(r.during.heapUsed / KB / KB, 1)} | ${fmt(r.heapBytesPerRequest / KB, 1)} |`,
      );
    }
    out.push('');
  }

  const met = (t: TargetCheck | undefined) => (t?.met === undefined ? '—' : t.met ? 'yes' : '**no**');
  const candidate = results.candidateTargets;
  out.push(
    candidate
      ? '| target (issue 6) | subgraph | met | candidate | met |'
      : '| target (issue 6) | subgraph | met |',
    candidate ? '|---|---|---|---|---|' : '|---|---|---|',
  );
  results.targets.forEach((t, i) => {
    const c = candidate?.[i];
    out.push(
      `| ${t.target} | ${t.measured} | ${met(t)} |${candidate ? ` ${c?.measured ?? '—'} | ${met(c)} |` : ''}`,
    );
  });
  out.push('');
  return out.join('\n');
}

/**
 * S5 side by side: p50 and the subgraph's CPU per request with the in-memory store and with the
 * Redis store, their paired ratios, and what redis-server itself spent per write.
 */
function idempotentWriteRow(s5: ScenarioResult, info: IdempotentWriteInfo): string[] {
  const memory = s5.summary.subgraph;
  const redis = s5.summary['subgraph-redis'];
  const ratio = s5.ratios['subgraph-redis/subgraph'];
  const skipped = info.skipped ? `skipped: ${info.skipped}` : '—';
  const failed = (v: typeof memory) => (v?.failures ? ` ⚠ ${v.failures} failed` : '');
  return [
    '| S5 idempotent write | p50 ms in-memory | p50 ms Redis | p50 Redis/in-memory | CPU ms/req in-memory | CPU ms/req Redis | CPU Redis/in-memory | redis-server CPU ms/req |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    `| ${s5.title}${info.redis ? `; ${info.redis}` : ''} | ${memory ? sp(memory.p50, 2) + failed(memory) : '—'} | ${redis ? sp(redis.p50, 2) + failed(redis) : skipped} | ${ratio ? sp(ratio.p50, 2) : '—'} | ${memory ? sp(memory.cpuMsPerRequest, 3) : '—'} | ${redis ? sp(redis.cpuMsPerRequest, 3) : skipped} | ${ratio ? sp(ratio.cpuMsPerRequest, 2) : '—'} | ${fmt(info.redisCpuMsPerRequest, 3)} |`,
  ];
}

function fmt(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function sp(s: Spread, digits: number): string {
  if (!Number.isFinite(s.median)) return '—';
  return s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}
