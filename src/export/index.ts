/**
 * Analytics exports (docs/export.md): whole leaderboards, many players' state and the app's
 * definitions, as NDJSON, CSV or Parquet, resumable, within the upstream budget.
 *
 * Layers, each usable alone:
 * - `columns.ts`: the export kinds and their columns (the one declaration of names and types);
 * - `sources.ts`: row sources, batch by batch from a resumable position;
 * - `formats.ts`: format writers (rows of a kind → bytes) and sinks (file, stream);
 * - `run.ts`: the loop joining them, pacing, waiting out throttling, commit points;
 * - `cli.ts` (`npm run export`) and `http.ts` (`/exports/…`) on top.
 *
 * Adding a kind: declare an `ExportKind` (name, columns), write a `RowSource` whose `read(position,
 * transport)` yields `{ rows, next }` batches from a JSON-safe position, and pass it to
 * `runExport`; every format, checkpoints and the budget then work as they do for the others.
 */
import type { HorizonTransport } from '../horizon/index.ts';
import type { ByteSink, Format } from './formats.ts';
import { runExport, type ExportClient, type ExportPacer, type ExportResult } from './run.ts';
import { leaderboardSource } from './sources.ts';

export * from './columns.ts';
export * from './formats.ts';
export * from './run.ts';
export * from './sources.ts';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.ts';

/**
 * Exports a whole leaderboard to `sink` and returns the rows written and the upstream calls made
 * (the benchmark's entry point: rows per second, calls per 1,000 rows).
 */
export async function exportLeaderboard(options: {
  client: ExportClient;
  apiName: string;
  sink: ByteSink;
  format?: Format;
  pacer?: ExportPacer;
  signal?: AbortSignal;
}): Promise<ExportResult> {
  return runExport({
    source: leaderboardSource(options.apiName),
    format: options.format ?? 'ndjson',
    sink: options.sink,
    client: options.client,
    pacer: options.pacer,
    signal: options.signal,
  });
}

/** A sink that keeps only the byte count (benchmarks, dry runs). */
export function countingSink(): ByteSink {
  let length = 0;
  return {
    write: async (bytes) => {
      length += bytes.length;
    },
    get length() {
      return length;
    },
    sync: async () => {},
    close: async () => {},
  };
}

export type { HorizonTransport };
