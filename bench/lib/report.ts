/** The Markdown report: results per scenario and variant, paired ratios, targets, memory. */
import type { MemoryResult } from './memory.ts';
import type { WebhookBurstResult } from './webhook-burst.ts';
import type { ExportResult } from './export-scenario.ts';
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
  /** S6, the webhook burst. */
  webhook?: WebhookBurstResult;
  /** S7, the leaderboard export against paging the API directly. */
  export?: ExportResult;
  targets: TargetCheck[];
  /** The same checks for the `--candidate`, when there is one. */
  candidateTargets?: TargetCheck[];
  /** How the floor, passthrough, bare Apollo and naive variants were run (pool, flags). */
  references: string;
  /** `--peers`: which ran and how, or how to install them. */
  peers?: string;
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

/**
 * Where `variant` (the subgraph, or the `--candidate`) stands against each target of issue 14 as
 * decisions.md ("Targets") sets them: the CPU contract against the bare Apollo subgraph, the
 * stretch against the passthrough, RSS after the load against the passthrough's, S4's retained heap,
 * and the issue's latency and throughput targets; and that no variant beat the floor.
 */
export function checkTargets(
  scenarios: readonly ScenarioResult[],
  memory: readonly MemoryResult[],
  variant: 'subgraph' | 'candidate' = 'subgraph',
  webhook?: WebhookBurstResult,
  exported?: ExportResult,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const byId = (id: string) => scenarios.find((s) => s.id === id);
  const ratio = (s: ScenarioResult | undefined, other: string) => s?.ratios[`${variant}/${other}`];
  const reads = scenarios.filter((s) => s.id !== 'S5');

  const calls = scenarios.map((s) => ({ s, calls: s.summary[variant]?.upstreamCallsPerRequest }));
  checks.push({
    target: 'Upstream calls per request = API minimum in every scenario (exact)',
    measured: calls.map(({ s, calls: c }) => `${s.id} ${fmt(c, 2)}/${s.apiMinimumCalls}`).join(', '),
    met: calls.length ? calls.every(({ s, calls: c }) => c === s.apiMinimumCalls) : undefined,
  });

  const s2 = byId('S2');
  const bare = ratio(s2, 'bare-apollo');
  const pass = ratio(s2, 'passthrough');
  const cpu = (name: string) => s2?.summary[name as 'subgraph']?.cpuMsPerRequest.median;
  checks.push(
    {
      target: 'S2 CPU ms/req ≤ 1.2 × bare Apollo (contract)',
      measured: bare
        ? `${sp(bare.cpuMsPerRequest, 2)} × bare Apollo (${fmt(cpu(variant), 2)} vs ${fmt(cpu('bare-apollo'), 2)} ms)`
        : '—',
      met: bare ? bare.cpuMsPerRequest.median <= 1.2 : undefined,
    },
    {
      target: 'S2 CPU ms/req ≤ 1.6 × passthrough (stretch)',
      measured: pass
        ? `${sp(pass.cpuMsPerRequest, 2)} × passthrough (${fmt(cpu(variant), 2)} vs ${fmt(cpu('passthrough'), 2)} ms)`
        : '—',
      met: pass ? pass.cpuMsPerRequest.median <= 1.6 : undefined,
    },
  );

  const s1 = byId('S1');
  const rss = (name: string) => s1?.summary[name as 'subgraph']?.rssAfterBytes ?? Number.NaN;
  const rssRatio = rss(variant) / rss('passthrough');
  checks.push({
    target: 'RSS after the S1 load ≤ 1.5 × passthrough RSS after the same load',
    measured: Number.isFinite(rssRatio)
      ? `${fmt(rssRatio, 2)} × passthrough (${fmt(rss(variant) / KB / KB, 0)} vs ${fmt(rss('passthrough') / KB / KB, 0)} MiB)`
      : '—',
    met: Number.isFinite(rssRatio) ? rssRatio <= 1.5 : undefined,
  });

  const mem = memory.filter((m) => m.variant === variant && m.n === 20);
  checks.push({
    target: 'S4 retained heap per in-flight 20-player request ≤ 120 KB',
    measured: mem.length
      ? mem.map((m) => `${m.parked} parked: ${fmt(m.heapBytesPerRequest / KB, 1)} KB`).join(', ')
      : '—',
    met: mem.length ? mem.every((m) => m.heapBytesPerRequest <= 120 * KB) : undefined,
  });

  const sweep = scenarios.filter((s) => s.id.startsWith('S3'));
  if (sweep.length) {
    const rows = sweep.map((s) => ({
      n: s.n,
      mine: s.summary[variant]?.p50.median ?? Number.NaN,
      pass: s.summary.passthrough?.p50.median ?? Number.NaN,
    }));
    checks.push({
      target: 'S3 p50 at 1 connection ≤ passthrough p50 + 2 ms, N = 1, 10, 50, 100',
      measured: rows.map((r) => `N=${r.n} ${fmt(r.mine, 1)}/${fmt(r.pass + 2, 1)}`).join(', ') + ' ms',
      met: rows.every((r) => r.mine <= r.pass + 2),
    });
  }
  const r1 = ratio(s1, 'passthrough');
  checks.push({
    target: 'S1 throughput ≥ 0.9 × passthrough',
    measured: r1 ? `${sp(r1.rps, 2)} × passthrough` : '—',
    met: r1 ? r1.rps.median >= 0.9 : undefined,
  });

  if (variant === 'subgraph')
    checks.push({
      target:
        'S6 webhook burst: every delivery answered 200, p99 < 100 ms, every event stored once (none lost)',
      measured: webhook
        ? `${webhook.ok}/${webhook.deliveries} × 200, p99 ${fmt(webhook.p99, 1)} ms, ${webhook.storedAfter - webhook.storedBefore} stored`
        : '—',
      met: webhook
        ? webhook.ok === webhook.deliveries && webhook.p99 < 100 && webhook.missing === 0
        : undefined,
    });
  if (variant === 'subgraph')
    checks.push({
      target: 'S7 export: every row, upstream calls per 1,000 rows = API minimum',
      measured: exported
        ? `${fmt(exported.export.callsPer1000Rows, 2)} calls/1,000 rows (minimum ${fmt(exported.apiMinimumCallsPer1000Rows, 2)}), ${fmt(exported.ratio.median, 2)} × floor rows/s${exported.export.failures.length ? `; ${exported.export.failures[0]}` : ''}`
        : '—',
      met: exported
        ? exported.export.failures.length === 0 &&
          Math.abs(exported.export.callsPer1000Rows - exported.apiMinimumCallsPer1000Rows) < 1e-9
        : undefined,
    });

  const suspects = reads.flatMap((s) => s.suspects.map((x) => ({ s, x })));
  checks.push({
    target:
      'No variant beats the floor, and no Node variant but the floor beats the passthrough, beyond noise',
    measured: reads.length
      ? suspects.length
        ? suspects
            .map(({ s, x }) => `${s.id}: ${x.variant} ${x.measure} ${fmt(x.ratio, 2)} × ${x.beat}`)
            .join('; ')
        : 'none'
      : '—',
    met: reads.length ? suspects.length === 0 : undefined,
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
      .join(', ')}.  `,
    `References: ${results.references}.  `,
    ...(results.peers ? [`Peers: ${results.peers}.  `] : []),
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
      '| scenario (upstream) | variant | req/s | p50 ms | p99 ms | upstream calls/req (API min) | CPU ms/req | upstream CPU ms/req | RSS after MiB |',
      '|---|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const s of results.scenarios) {
      for (const name of VARIANTS) {
        const v = s.summary[name];
        if (!v) continue;
        const failures = v.failures ? ` ⚠ ${v.failures} failed` : '';
        const suspect = s.suspects.some((x) => x.variant === name) ? ' ⚑ suspect' : '';
        out.push(
          `| ${s.id} ${s.title} (${s.upstream}) | ${name}${failures}${suspect} | ${sp(v.rps, 0)} | ${sp(v.p50, 1)} | ${sp(v.p99, 1)} | ${fmt(v.upstreamCallsPerRequest, 2)} (${s.apiMinimumCalls}) | ${sp(v.cpuMsPerRequest, 2)} | ${sp(v.upstreamCpuMsPerRequest, 2)} | ${fmt(v.rssAfterBytes / KB / KB, 0)} |`,
        );
      }
    }
    const suspects = results.scenarios.flatMap((s) => s.suspects.map((x) => ({ s, x })));
    if (suspects.length)
      out.push(
        '',
        '⚑ **Suspect measurements** (a variant beat the floor, or a Node variant the passthrough, by more than the round-to-round noise of that pair; look into the run before publishing it):',
        '',
        ...suspects.map(
          ({ s, x }) =>
            `- ${s.id}: ${x.variant} ${x.measure} ${fmt(x.ratio, 2)} × ${x.beat} (noise ±${fmt(x.noise * 100, 0)} %)`,
        ),
      );
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

  const w = results.webhook;
  if (w)
    out.push(
      '| S6 webhook burst | deliveries | in flight | answered 200 | other statuses | deliveries/s | p50 ms | p99 ms | subgraph CPU ms/delivery | stored (before → after) | lost |',
      '|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|',
      `| signed \`PURCHASED\` deliveries to \`POST /webhooks/horizon\`, in-memory event log, after ${w.warmup} unmeasured | ${w.deliveries} | ${w.concurrency} | ${w.ok} | ${
        Object.entries(w.otherStatuses)
          .map(([status, n]) => `${status}: ${n}`)
          .join(', ') || '—'
      } | ${fmt(w.deliveriesPerSecond, 0)} | ${fmt(w.p50, 1)} | ${fmt(w.p99, 1)} | ${fmt(w.cpuMsPerDelivery, 2)} | ${w.storedBefore} → ${w.storedAfter} | ${w.missing} |`,
      '',
    );

  const x = results.export;
  if (x) {
    const side = (name: string, v: ExportResult['floor']) =>
      `| ${name}${v.failures.length ? ` ⚠ ${v.failures.join('; ')}` : ''} | ${sp(v.rowsPerSecond, 0)} | ${fmt(v.callsPer1000Rows, 2)} | ${sp(v.cpuMsPer1000Rows, 1)} |`;
    out.push(
      `| S7 export of ${x.entries} entries (${x.leaderboard}, pages of ${x.pageSize}, ${x.latencyMs} ms, ${x.rounds} rounds) | rows/s | upstream calls per 1,000 rows (minimum ${fmt(x.apiMinimumCallsPer1000Rows, 2)}) | process CPU ms per 1,000 rows |`,
      '|---|--:|--:|--:|',
      side('export (`exportLeaderboard`, NDJSON, uncapped)', x.export),
      side('floor (paging the API directly)', x.floor),
      `| export/floor | ${sp(x.ratio, 2)} | | |`,
      '',
    );
  }

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
      ? '| target (issues 14, 15, 18; decisions.md) | subgraph | met | candidate | met |'
      : '| target (issues 14, 15, 18; decisions.md) | subgraph | met |',
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
