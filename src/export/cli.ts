/**
 * `npm run export -- <what> [options]`: see USAGE and docs/export.md. Exit codes: 0 complete,
 * 1 failed or interrupted (rerun with the same checkpoint to continue), 2 a usage mistake.
 */
import { readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import pino from 'pino';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { createLogger } from '../logger.ts';
import type { PurchaseEventLog } from '../events/purchase-event-log.ts';
import type { SharedState } from '../shared-state/index.ts';
import { redisPassword } from '../start-from-config.ts';
import { exportClient } from './client.ts';
import { readCheckpoint, sameExport, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { FORMATS, fileSink, streamSink, type ByteSink, type Format } from './formats.ts';
import { purchaseEventsSource } from './purchase-events-source.ts';
import { DEFAULT_GIVE_UP_AFTER_MS, runExport, type CommitPoint, type ExportProgress } from './run.ts';
import {
  definitionsSource,
  leaderboardSource,
  parseIds,
  playersSource,
  PLAYER_FIELDS,
  type PlayerField,
  type RowSource,
} from './sources.ts';

const USAGE = `Usage: npm run export -- <what> [options]

What:
  leaderboard <apiName>      every entry of the leaderboard, in rank order
  players --ids FILE         one row per player and item; FILE has one user id a line, - for stdin
          [--fields LIST]    achievements,entitlements,subscriptions,leaderboards (default: all)
  definitions                achievement definitions, leaderboards and the catalog
  purchase-events            the webhook's purchase and subscription events, oldest first, from the
          [--since ISO]      history in Redis (needs REDIS_URL); only those received since ISO

Options:
  --format F                 ndjson (default), csv or parquet
  --out FILE                 write to FILE (default stdout); Parquet goes to FILE.partial until complete
  --checkpoint FILE          record progress in FILE; rerunning the same command continues there
  --max-rate N               at most N upstream calls per second (below HORIZON_RATE_LIMIT's budget;
                             without a budget EXPORT_MAX_RATE, default 20, caps it)
  --give-up-after S          give up after S seconds without progress (default ${DEFAULT_GIVE_UP_AFTER_MS / 1000})
  --help                     show this help

Credentials and the upstream come from the environment, as for the server (HORIZON_APP_ID,
HORIZON_APP_SECRET, HORIZON_GRAPH_URL, HORIZON_RATE_LIMIT, REDIS_URL, ...). Progress goes to
stderr: a bar on a terminal, one JSON line a minute otherwise. Exit 0 only when complete.
See docs/export.md.`;

class UsageError extends Error {}

interface Command {
  source: RowSource;
  /** `purchase-events`: where the source reads, filled once the export's Redis connection is up. */
  events?: DeferredLog;
  format: Format;
  out?: string;
  checkpoint?: string;
  maxRate?: number;
  giveUpAfterMs: number;
}

function parseCommand(argv: string[], config: Config): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      'max-rate': { type: 'string' },
      'give-up-after': { type: 'string' },
      ids: { type: 'string' },
      fields: { type: 'string' },
      since: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const [what, ...rest] = positionals;
  if (!(FORMATS as readonly string[]).includes(values.format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const format = values.format as Format;
  if (values.checkpoint !== undefined && values.out === undefined)
    throw new UsageError('--checkpoint needs --out FILE (stdout cannot be continued)');
  const maxRate =
    values['max-rate'] === undefined ? undefined : positiveNumber('--max-rate', values['max-rate']);
  const giveUpAfterMs =
    values['give-up-after'] === undefined
      ? DEFAULT_GIVE_UP_AFTER_MS
      : positiveNumber('--give-up-after', values['give-up-after']) * 1000;
  let source: RowSource;
  if (what === 'leaderboard') {
    if (rest.length !== 1) throw new UsageError('leaderboard needs one api name: leaderboard <apiName>');
    source = leaderboardSource(rest[0]!);
  } else if (what === 'players') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
    if (values.ids === undefined)
      throw new UsageError('players needs --ids FILE (one id a line, - for stdin)');
    const fields = (values.fields ?? PLAYER_FIELDS.join(',')).split(',').filter(Boolean);
    for (const field of fields)
      if (!(PLAYER_FIELDS as readonly string[]).includes(field))
        throw new UsageError(`--fields: unknown field ${field}; expected some of ${PLAYER_FIELDS.join(',')}`);
    let ids: string[];
    try {
      ids = parseIds(readFileSync(values.ids === '-' ? 0 : values.ids, 'utf8'));
    } catch (error) {
      throw new UsageError(`--ids ${values.ids}: ${(error as Error).message}`);
    }
    source = playersSource(ids, fields as PlayerField[], {
      batchConcurrency: config.batchConcurrency,
      cacheTtlMs: 24 * 3_600_000,
    });
  } else if (what === 'definitions') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
    source = definitionsSource();
  } else if (what === 'purchase-events') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
    return {
      ...eventsCommand(values.since, config),
      format,
      out: values.out,
      checkpoint: values.checkpoint,
      maxRate,
      giveUpAfterMs,
    };
  } else {
    throw new UsageError(what ? `unknown export ${what}` : 'say what to export');
  }
  return { source, format, out: values.out, checkpoint: values.checkpoint, maxRate, giveUpAfterMs };
}

/** The history a `purchase-events` source reads through, known once Redis is connected. */
interface DeferredLog extends Pick<PurchaseEventLog, 'readForward'> {
  log?: PurchaseEventLog;
}

/** `purchase-events [--since ISO]`: the webhook history is in Redis only (REDIS_URL) outside a server. */
function eventsCommand(since: string | undefined, config: Config): Pick<Command, 'source' | 'events'> {
  if (!config.redis)
    throw new UsageError(
      'purchase-events reads the event history in Redis: set REDIS_URL to the Redis the subgraph uses (without Redis the history lives only in a running subgraph: GET /exports/purchase-events.ndjson on it)',
    );
  if (since !== undefined && Number.isNaN(Date.parse(since)))
    throw new UsageError('--since must be an ISO-8601 date-time, e.g. 2026-06-01T00:00:00Z');
  const events: DeferredLog = { readForward: (options) => events.log!.readForward(options) };
  const source = purchaseEventsSource(events, { since: since === undefined ? undefined : new Date(since) });
  return { source, events };
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new UsageError(`${flag} must be a number above 0`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let config: Config;
  try {
    // The command serves no callers: the server's rule that auth be configured does not apply.
    const env = process.env;
    const authSet = env.AUTH_JWT_SECRET || env.AUTH_JWKS_URL || env.AUTH_DISABLED;
    config = loadConfig(authSet ? env : { ...env, AUTH_DISABLED: 'true' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (!config.credentials) {
    process.stderr.write(
      'export: set HORIZON_APP_ID and HORIZON_APP_SECRET (and HORIZON_GRAPH_URL for an emulator): an export reads a real app\n',
    );
    return 2;
  }
  let command: Command;
  try {
    command = parseCommand(argv, config);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`export: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { source, format, out } = command;
  const identity = { ...source.identity, format, out: out ?? '-' };

  // Where to continue, if a checkpoint says.
  let resume: CommitPoint | undefined;
  if (command.checkpoint) {
    const saved = await readCheckpoint(command.checkpoint);
    if (saved && !sameExport(saved.export, identity)) {
      process.stderr.write(
        `export: ${command.checkpoint} belongs to another export (${JSON.stringify(saved.export)}): use another checkpoint file or delete it\n`,
      );
      return 2;
    }
    if (saved?.complete) {
      process.stderr.write(
        `export: already complete (${saved.point.rows} rows in ${out}); delete ${command.checkpoint} to export again\n`,
      );
      return 0;
    }
    resume = saved?.point;
  }

  const logger = createLogger(config.logLevel, pino.destination(2), {
    secrets: [config.credentials.appSecret, redisPassword(config.redis?.url)],
  });
  const upstream = { baseUrl: config.graphUrl, ...config.credentials };
  const { client, shared, close } = await exportClient(config, upstream, {
    logger,
    maxRate: command.maxRate,
  });
  if (command.events) {
    if (!shared || !(await redisReady(shared))) {
      process.stderr.write('export: Redis at REDIS_URL did not answer within 10 s\n');
      await close();
      return 1;
    }
    command.events.log = shared.purchaseEvents;
  }

  const partial = out !== undefined && format === 'parquet' ? `${out}.partial` : out;
  const sink: ByteSink = partial
    ? await fileSink(partial, resume?.bytes)
    : streamSink(process.stdout, { end: false });
  const controller = new AbortController();
  const stop = (signal: string) => controller.abort(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const progress = progressReporter(resume?.rows ?? 0);
  const checkpointPath = command.checkpoint;
  const save = (point: CommitPoint, complete: boolean) =>
    checkpointPath
      ? writeCheckpoint(checkpointPath, {
          version: 1,
          export: identity,
          point,
          complete,
        } satisfies Checkpoint)
      : Promise.resolve();
  let code = 0;
  try {
    const result = await runExport({
      source,
      format,
      sink,
      client,
      signal: controller.signal,
      resume,
      giveUpAfterMs: command.giveUpAfterMs,
      onCommit: (point) => save(point, false),
      onProgress: progress.update,
      onWait: ({ error, waitMs }) =>
        logger.warn(
          { waitMs, reason: (error as Error).message },
          'upstream refused or failed: waiting, then continuing',
        ),
    });
    await sink.close();
    if (partial !== out) await rename(partial!, out!);
    await save({ position: {}, rows: result.rows, bytes: result.bytes, writer: null }, true);
    progress.done(result.rows, result.calls);
  } catch (error) {
    await sink.close().catch(() => {});
    progress.failed();
    const resumeHint = checkpointPath ? `; rerun the same command to continue from ${checkpointPath}` : '';
    process.stderr.write(`export: ${(error as Error).message}${resumeHint}\n`);
    code = 1;
  }
  await close();
  return code;
}

/** A bar on a terminal (rows, calls, rate, ETA); one JSON line a minute and a last one otherwise. */
function progressReporter(startRows: number) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last: ExportProgress | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = started;
  const line = (event: string, extra: Record<string, unknown> = {}) =>
    process.stderr.write(
      JSON.stringify({
        time: new Date().toISOString(),
        event,
        rows: last?.rows ?? startRows,
        total: last?.total ?? null,
        calls: last?.calls ?? 0,
        rowsPerSecond: last ? Math.round(last.rows / Math.max(1, (Date.now() - started) / 1000)) : 0,
        ...extra,
      }) + '\n',
    );
  return {
    update(p: ExportProgress) {
      last = p;
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format:
                ' {bar} {percentage}% | {value}/{total} rows | {calls} calls | {rate} rows/s | ETA {eta_formatted}',
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(p.total ?? p.rows, p.rows, { calls: 0, rate: 0 });
        }
        bar.setTotal(Math.max(p.total ?? p.rows, p.rows));
        bar.update(p.rows, {
          calls: p.calls,
          rate: Math.round((p.rows - startRows) / Math.max(0.001, p.elapsedMs / 1000)),
        });
      } else if (Date.now() - lastLine >= 60_000) {
        lastLine = Date.now();
        line('progress');
      }
    },
    done(rows: number, calls: number) {
      bar?.stop();
      if (!tty) line('complete', { rows, calls });
    },
    failed() {
      bar?.stop();
      if (!tty) line('failed');
    },
  };
}

/** Waits for the Redis connection (its commands fail at once while it is down) for up to 10 s. */
async function redisReady(shared: SharedState): Promise<boolean> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (shared.available) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return shared.available;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`export: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
