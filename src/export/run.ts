/**
 * The export loop: a row source → a format writer → a sink, through a paced and counted view of
 * the Horizon client. A throttled or failing upstream slows the export down, it does not end it:
 * the loop waits (the `Retry-After`, the budget's wait, or a backoff from 1 s to 60 s) and reads
 * again from the position after the last batch, until no batch has arrived for `giveUpAfterMs`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HorizonApiError,
  SlidingWindowBudget,
  type HorizonClient,
  type HorizonTransport,
  type UpstreamAdmission,
} from '../horizon/index.ts';
import type { ByteSink, Format, WriterState } from './formats.ts';
import { formatWriter } from './formats.ts';
import type { Position, RowSource } from './sources.ts';

/** Default give-up point: this long without a single batch read (15 min). */
export const DEFAULT_GIVE_UP_AFTER_MS = 15 * 60_000;
/** Longest wait between two tries without a `Retry-After` saying more. */
export const MAX_BACKOFF_MS = 60_000;

/** Spaces an export's upstream calls: `acquire` resolves when a call may start, with its release. */
export interface ExportPacer {
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** At most `callsPerSecond` calls started in any second (a sliding window, like the budget). */
export function ratePacer(callsPerSecond: number): ExportPacer {
  const window = rateWindow(callsPerSecond);
  return {
    async acquire(signal) {
      for (;;) {
        const admission = window.decide();
        if (admission.admitted) return admission.release;
        await sleep(admission.retryAfterMs, undefined, { signal });
      }
    },
  };
}

/** `callsPerSecond` (may be fractional: 0.5 = one call per 2 s) as a sliding window. */
function rateWindow(callsPerSecond: number): SlidingWindowBudget {
  if (!(callsPerSecond > 0)) throw new TypeError(`the rate must be above 0 calls/s, got ${callsPerSecond}`);
  return callsPerSecond >= 1
    ? new SlidingWindowBudget({ calls: Math.floor(callsPerSecond), windowMs: 1000 })
    : new SlidingWindowBudget({ calls: 1, windowMs: Math.ceil(1000 / callsPerSecond) });
}

/**
 * An admission that waits instead of refusing: each of `budgets` in turn (the export's own rate
 * first, then the app's `HORIZON_RATE_LIMIT` budget), holding the earlier slots while it waits for
 * the later ones. The export command gives its client this, so every HTTP attempt (retries
 * included) waits for room in the budget and none is refused.
 */
export function waitingAdmission(...budgets: UpstreamAdmission[]): UpstreamAdmission {
  return {
    async admit() {
      const held: (() => void)[] = [];
      let remaining = Number.POSITIVE_INFINITY;
      for (const budget of budgets) {
        for (;;) {
          const admission = await budget.admit();
          if (admission.admitted) {
            held.push(admission.release);
            remaining = Math.min(remaining, admission.remaining);
            break;
          }
          await sleep(admission.retryAfterMs);
        }
      }
      return { admitted: true, remaining, release: () => held.forEach((release) => release()) };
    },
  };
}

/** The admission of `callsPerSecond` as an `UpstreamAdmission` (for `waitingAdmission`). */
export function rateAdmission(callsPerSecond: number): UpstreamAdmission {
  const window = rateWindow(callsPerSecond);
  return { admit: async () => window.decide() };
}

/** What the export needs of the client. */
export type ExportClient = Pick<HorizonClient, 'appId' | 'call' | 'follow' | 'reportUnknownValue'>;

/**
 * The client as one export sees it: each call first waits for the pacer (if any), is counted,
 * and carries the export's signal, so that stopping the export aborts the call in flight.
 */
export function exportTransport(
  client: ExportClient,
  options: { pacer?: ExportPacer; signal?: AbortSignal; onCall?: () => void } = {},
): HorizonTransport {
  const { pacer, signal, onCall } = options;
  const paced = async <T>(run: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    const release = pacer ? await pacer.acquire(signal) : undefined;
    try {
      signal?.throwIfAborted();
      onCall?.();
      return await run();
    } finally {
      release?.();
    }
  };
  return {
    appId: client.appId,
    call: (call) => paced(() => client.call(signal ? { ...call, signal } : call)),
    follow: (url, route, userToken) => paced(() => client.follow(url, route, userToken, signal)),
    reportUnknownValue: (field, value) => client.reportUnknownValue(field, value),
  };
}

/** Where an export stands, after each batch. */
export interface ExportProgress {
  rows: number;
  /** Rows in all, when the source knows. */
  total?: number;
  /** Upstream calls made by this run (retries by the client's policy not counted again). */
  calls: number;
  elapsedMs: number;
}

/** What is recorded at each commit: enough to continue after a crash. */
export interface CommitPoint {
  position: Position;
  rows: number;
  /** The sink's length: the output is cut back to it on resume. */
  bytes: number;
  writer: WriterState;
}

/** Options of `runExport`. */
export interface RunExportOptions {
  source: RowSource;
  format: Format;
  sink: ByteSink;
  client: ExportClient;
  /** Paces this export's calls (e.g. `ratePacer(EXPORT_MAX_RATE)`); none by default. */
  pacer?: ExportPacer;
  /** Stops the export (and aborts its call in flight). */
  signal?: AbortSignal;
  /** Continue from a commit point, the sink opened at its `bytes`. */
  resume?: CommitPoint;
  /** Told each commit point, after the sink synced (write the checkpoint here). */
  onCommit?(point: CommitPoint): Promise<void>;
  onProgress?(progress: ExportProgress): void;
  /** Told before each wait after a failure. */
  onWait?(wait: { error: unknown; waitMs: number; failures: number }): void;
  /** Give up after this long without a batch, ms. Default 15 min. */
  giveUpAfterMs?: number;
}

/** How an export ended. */
export interface ExportResult {
  rows: number;
  calls: number;
  bytes: number;
}

/** The export gave up: upstream failed or throttled for longer than the give-up point. */
export class ExportGaveUp extends Error {
  override readonly name = 'ExportGaveUp';
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Runs one export to its end (or its give-up point, a fatal error, or the signal). */
export async function runExport(options: RunExportOptions): Promise<ExportResult> {
  const { source, format, sink, signal } = options;
  const giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
  let calls = 0;
  const transport = exportTransport(options.client, { pacer: options.pacer, signal, onCall: () => calls++ });
  const writer = formatWriter(format, source.kind, sink, options.resume?.writer);
  let position = options.resume?.position ?? source.start;
  let rows = options.resume?.rows ?? 0;
  let total: number | undefined;
  const started = performance.now();
  let lastBatchAt = started;
  let failures = 0;
  for (;;) {
    try {
      for await (const batch of source.read(position, transport)) {
        signal?.throwIfAborted();
        await writer.write(batch.rows);
        rows += batch.rows.length;
        position = batch.next;
        total = batch.total ?? total;
        failures = 0;
        lastBatchAt = performance.now();
        if (writer.wantsCommit) await commit();
        options.onProgress?.({ rows, total, calls, elapsedMs: performance.now() - started });
      }
      break;
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const waitMs = retryDelay(error, failures);
      if (waitMs === undefined) throw error;
      failures += 1;
      const waited = performance.now() - lastBatchAt;
      if (waited + waitMs > giveUpAfterMs) {
        throw new ExportGaveUp(
          `gave up after ${Math.round(waited / 1000)} s without progress (give-up point ${Math.round(giveUpAfterMs / 1000)} s): ${describe(error)}`,
          error,
        );
      }
      options.onWait?.({ error, waitMs, failures });
      await sleep(waitMs, undefined, { signal });
    }
  }
  await writer.finish();
  await sink.sync();
  options.onProgress?.({ rows, total: rows, calls, elapsedMs: performance.now() - started });
  return { rows, calls, bytes: sink.length };

  async function commit(): Promise<void> {
    const state = await writer.commit();
    if (!options.onCommit) return;
    await sink.sync();
    await options.onCommit({ position, rows, bytes: sink.length, writer: state });
  }
}

/**
 * How long to wait before reading again after `error`, or undefined when waiting cannot help
 * (a caller's mistake, an unknown leaderboard, rejected credentials). Throttling waits its
 * `Retry-After` (at least 1 s: never again at once); the budget's refusal waits what the budget
 * said; outages, timeouts and an open breaker back off 1, 2, 4 … 60 s.
 */
export function retryDelay(error: unknown, failures: number): number | undefined {
  const e = horizonErrorOf(error);
  if (!e || e.isAppCredentialsRejected) return undefined;
  if (e.kind === 'over_budget') return Math.max(1, e.retryAfterMs ?? 100);
  const waitable = e.transient || e.isRateLimited || e.kind === 'circuit_open' || e.kind === 'overloaded';
  if (!waitable) return undefined;
  const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 6));
  return Math.max(backoff, e.retryAfterMs ?? 0);
}

/** The `HorizonApiError` behind `error` (data sources wrap it in a GraphQL error). */
export function horizonErrorOf(error: unknown): HorizonApiError | undefined {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof HorizonApiError) return e;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An error's message, for a log line or a refusal. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
