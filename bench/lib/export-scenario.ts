/**
 * S7, the leaderboard export (issue 15), against its floor: rounds in which the export process
 * (`export-process.ts`) runs the project's export and the floor (paging the API directly), one
 * after the other, order alternating, on an emulator at 20 ms whose generated board has `entries`
 * entries. Upstream calls are read from that emulator's counters (exact: nothing else calls it);
 * every run must return every row of the board.
 */
import type { Child } from './children.ts';
import type { EmulatorControl } from './emulator-control.ts';
import { spread, type Spread } from './stats.ts';

export interface ExportSide {
  rowsPerSecond: Spread;
  /** Upstream calls per 1,000 rows, from the emulator's counters (the same every round). */
  callsPer1000Rows: number;
  /** The export process's CPU per 1,000 rows, ms. */
  cpuMsPer1000Rows: Spread;
  /** Runs that did not return every row, or whose calls differed from the client's count. */
  failures: string[];
}

export interface ExportResult {
  leaderboard: string;
  entries: number;
  pageSize: number;
  latencyMs: number;
  rounds: number;
  /** ⌈entries / page⌉: the board's `total_count` tells when the last page was the last. */
  apiMinimumCallsPer1000Rows: number;
  export: ExportSide;
  floor: ExportSide;
  /** export/floor rows per second, per round. */
  ratio: Spread;
  /** NDJSON bytes the export wrote per run. */
  exportBytes: number;
}

export async function exportScenario(
  child: Child,
  control: EmulatorControl,
  options: { entries: number; rounds: number; latencyMs: number; log: (line: string) => void },
): Promise<ExportResult> {
  const info = child.ready.info as { leaderboard: string; pageSize: number };
  const runs = { export: [] as Run[], floor: [] as Run[] };
  let exportBytes = 0;
  // One warm-up of each (module paths, connections), not counted.
  for (const task of ['export', 'floor'] as const) await child.task(task);
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? (['export', 'floor'] as const) : (['floor', 'export'] as const);
    for (const task of order) {
      const calls0 = (await control.counts()).total;
      const cpu0 = (await child.stats()).cpuMicros;
      const result = await child.task(task, 600_000);
      const cpu1 = (await child.stats()).cpuMicros;
      const calls = (await control.counts()).total - calls0;
      if (task === 'export') exportBytes = result.bytes!;
      const run = { ...result, upstreamCalls: calls, cpuMs: (cpu1 - cpu0) / 1000 } as Run;
      runs[task].push(run);
      options.log(
        `  S7 round ${round + 1}/${options.rounds} ${task.padEnd(6)} ${run.rows} rows in ${run.elapsedMs.toFixed(0)} ms: ${((run.rows / run.elapsedMs) * 1000).toFixed(0)} rows/s, ${run.upstreamCalls} calls`,
      );
    }
  }
  const side = (mine: Run[]): ExportSide => ({
    rowsPerSecond: spread(mine.map((r) => (r.rows / r.elapsedMs) * 1000)),
    callsPer1000Rows: (mine[0]!.upstreamCalls / Math.max(1, mine[0]!.rows)) * 1000,
    cpuMsPer1000Rows: spread(mine.map((r) => (r.cpuMs / Math.max(1, r.rows)) * 1000)),
    failures: mine.flatMap((r, i) => [
      ...(r.rows === options.entries ? [] : [`round ${i + 1}: ${r.rows} of ${options.entries} rows`]),
      ...(r.upstreamCalls === r.calls
        ? []
        : [`round ${i + 1}: ${r.upstreamCalls} upstream calls, ${r.calls} counted by the client`]),
      ...(r.upstreamCalls === mine[0]!.upstreamCalls ? [] : [`round ${i + 1}: calls differ between rounds`]),
    ]),
  });
  return {
    leaderboard: info.leaderboard,
    entries: options.entries,
    pageSize: info.pageSize,
    latencyMs: options.latencyMs,
    rounds: options.rounds,
    apiMinimumCallsPer1000Rows: (Math.ceil(options.entries / info.pageSize) / options.entries) * 1000,
    export: side(runs.export),
    floor: side(runs.floor),
    ratio: spread(
      runs.export.map((r, i) => r.rows / r.elapsedMs / (runs.floor[i]!.rows / runs.floor[i]!.elapsedMs)),
    ),
    exportBytes,
  };
}

interface Run {
  rows: number;
  calls: number;
  bytes: number;
  elapsedMs: number;
  upstreamCalls: number;
  cpuMs: number;
}
