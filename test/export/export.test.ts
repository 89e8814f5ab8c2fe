import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parquetReadObjects } from 'hyparquet';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  DEMO_FIXTURE_PATH,
  loadFixture,
  startEmulator,
  type RunningEmulator,
} from '../../src/emulator/index.ts';
import { parseFixture } from '../../src/emulator/fixture-schema.ts';
import { generateInto, GENERATED_USER_BASE } from '../../src/emulator/generate.ts';
import { EmulatorState } from '../../src/emulator/state.ts';
import { exportClient } from '../../src/export/client.ts';
import {
  countingSink,
  definitionsSource,
  exportLeaderboard,
  fileSink,
  leaderboardSource,
  playersSource,
  runExport,
  type ByteSink,
} from '../../src/export/index.ts';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { HorizonClient } from '../../src/horizon/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';

// One 100,000-entry board for the whole file (generated once, ~2 s), exported once per format by
// the library; the CLI, HTTP and resume tests compare their outputs with those.
const ENTRIES = 100_000;
const BOARD = 'GENERATED_BOARD';
const GENERATE = { entries: ENTRIES, players: 300 };
const CLI = join(import.meta.dirname, '../../src/export/cli.ts');

let emulator: RunningEmulator;
let client: HorizonClient;
let dir: string;
const outputs: Record<'ndjson' | 'csv' | 'parquet', Buffer> = {} as never;

interface Counts {
  total: number;
  byRoute: Record<string, number>;
}
async function counts(): Promise<Counts> {
  return (await fetch(`${emulator.url}/__emulator/requests`)).json() as Promise<Counts>;
}

/** The board as the emulator holds it, ranked here independently (score, metric, time, id). */
function expectedBoard() {
  const state = new EmulatorState(parseFixture(loadFixture(DEMO_FIXTURE_PATH), 'demo'));
  generateInto(state, GENERATE);
  const entries = [...state.leaderboards.get(BOARD)!.entries.values()];
  const cmp = (a: bigint, b: bigint) => (a === b ? 0 : a > b ? -1 : 1);
  entries.sort(
    (a, b) =>
      cmp(a.score, b.score) ||
      (a.supplementary_metric === b.supplementary_metric
        ? 0
        : a.supplementary_metric === undefined
          ? 1
          : b.supplementary_metric === undefined
            ? -1
            : cmp(a.supplementary_metric, b.supplementary_metric)) ||
      a.timestamp - b.timestamp ||
      (a.id < b.id ? -1 : 1),
  );
  return entries.map((e, i) => ({
    rank: i + 1,
    score: e.score,
    user_id: e.user_id,
    alias: state.users.get(e.user_id)!.alias!,
    timestamp: e.timestamp,
    extra_data_base64: e.extra_data_base64 ?? null,
    supplementary_metric: e.supplementary_metric ?? null,
    entry_id: e.id,
  }));
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'export-test-'));
  emulator = await startEmulator({ generate: GENERATE, strict: false });
  client = new HorizonClient({
    baseUrl: emulator.url,
    appId: emulator.app.id,
    appSecret: emulator.app.secret,
  });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sink that keeps what is written, read back as text. */
function textSink(): { sink: ByteSink; text: () => string } {
  const chunks: string[] = [];
  const sink: ByteSink = {
    write: async (bytes) => void chunks.push(Buffer.from(bytes).toString('utf8')),
    length: 0,
    sync: async () => {},
    close: async () => {},
  };
  return { sink, text: () => chunks.join('') };
}

describe('a 100,000-entry leaderboard', () => {
  it('exports to NDJSON, CSV and Parquet row for row as the emulator holds it, in the minimum of calls', async () => {
    const expected = expectedBoard();
    for (const format of ['ndjson', 'csv', 'parquet'] as const) {
      const path = join(dir, `library.${format}`);
      const sink = await fileSink(path);
      const before = await counts();
      const result = await exportLeaderboard({ client, apiName: BOARD, sink, format });
      await sink.close();
      const after = await counts();
      // ⌈100,000 / 1,000⌉ pages; the board's total count says the last page was the last.
      expect(result).toMatchObject({ rows: ENTRIES, calls: 100 });
      expect(after.total - before.total).toBe(100);
      outputs[format] = readFileSync(path);
    }

    // One comparison per format (100,000 `expect`s would take longer than the export).
    const ndjson = expected
      .map((e) =>
        JSON.stringify({
          ...e,
          score: e.score.toString(),
          supplementary_metric: e.supplementary_metric?.toString() ?? null,
        }),
      )
      .join('\n');
    // int64 as strings, exact (some scores are above 2^53); ranks and times as numbers.
    expect(expected.filter((e) => e.score > 2n ** 53n).length).toBeGreaterThan(1000);
    expect(outputs.ndjson.toString('utf8') === ndjson + '\n').toBe(true);

    const header = 'rank,score,user_id,alias,timestamp,extra_data_base64,supplementary_metric,entry_id';
    const csv = expected.map((e) =>
      [
        e.rank,
        e.score,
        e.user_id,
        e.alias,
        e.timestamp,
        e.extra_data_base64 ?? '',
        e.supplementary_metric ?? '',
        e.entry_id,
      ].join(','),
    );
    expect(outputs.csv.toString('utf8') === [header, ...csv, ''].join('\n')).toBe(true);

    const rows = await parquetReadObjects({ file: toArrayBuffer(outputs.parquet) });
    expect(rows).toHaveLength(ENTRIES);
    const asText = (list: Record<string, unknown>[]) =>
      list
        .map((row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
        .join('\n');
    expect(rows[0]).toEqual({ ...expected[0], rank: 1n, timestamp: BigInt(expected[0]!.timestamp) });
    expect(
      asText(rows) ===
        asText(expected.map((e) => ({ ...e, rank: BigInt(e.rank), timestamp: BigInt(e.timestamp) }))),
    ).toBe(true);
  }, 60_000);

  it('killed at about half and run again with its checkpoint, the CLI gives the same output (NDJSON, CSV byte for byte; Parquet row for row)', async () => {
    expect(outputs.parquet).toBeDefined();
    const env = {
      ...process.env,
      HORIZON_APP_ID: emulator.app.id,
      HORIZON_APP_SECRET: emulator.app.secret,
      HORIZON_GRAPH_URL: emulator.url,
      HORIZON_RATE_LIMIT: '',
      REDIS_URL: '',
      EXPORT_MAX_RATE: '1000',
      LOG_LEVEL: 'error',
    };
    const formats = ['ndjson', 'csv', 'parquet'] as const;
    const run = (format: (typeof formats)[number], maxRate: string) =>
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          CLI,
          'leaderboard',
          BOARD,
          '--format',
          format,
          '--out',
          join(dir, `cli.${format}`),
          '--checkpoint',
          join(dir, `cli.${format}.checkpoint`),
          '--max-rate',
          maxRate,
        ],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Slow enough (40 pages/s) to be stopped half way.
    const first = formats.map((format) => ({ format, child: run(format, '40') }));
    await Promise.all(
      first.map(async ({ format, child }) => {
        const checkpoint = join(dir, `cli.${format}.checkpoint`);
        const done = exited(child);
        for (;;) {
          const rows = existsSync(checkpoint)
            ? (JSON.parse(readFileSync(checkpoint, 'utf8')).point.rows as number)
            : 0;
          if (rows >= ENTRIES * 0.45) break;
          await sleep(10);
        }
        child.kill('SIGKILL');
        expect(await done).toBe(null);
      }),
    );
    // Parquet is never at its final path before it is complete.
    expect(existsSync(join(dir, 'cli.parquet'))).toBe(false);
    expect(existsSync(join(dir, 'cli.parquet.partial'))).toBe(true);

    const second = formats.map((format) => run(format, '1000'));
    const errors = second.map((child) => {
      let text = '';
      child.stderr!.on('data', (chunk) => (text += chunk));
      return () => text;
    });
    expect(await Promise.all(second.map(exited)), errors.map((e) => e()).join('\n')).toEqual([0, 0, 0]);

    expect(readFileSync(join(dir, 'cli.ndjson')).equals(outputs.ndjson)).toBe(true);
    expect(readFileSync(join(dir, 'cli.csv')).equals(outputs.csv)).toBe(true);
    expect(existsSync(join(dir, 'cli.parquet.partial'))).toBe(false);
    const resumed = await parquetReadObjects({ file: toArrayBuffer(readFileSync(join(dir, 'cli.parquet'))) });
    const whole = await parquetReadObjects({ file: toArrayBuffer(outputs.parquet) });
    expect(resumed.length).toBe(ENTRIES);
    const asText = (list: Record<string, unknown>[]) =>
      list
        .map((row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
        .join('\n');
    expect(asText(resumed) === asText(whole)).toBe(true);
  }, 120_000);
});

describe('the budget', () => {
  it('with HORIZON_RATE_LIMIT=100/1s the calls stay within it at the emulator, while 503s and 429s only slow the export', async () => {
    const small = await startEmulator({ generate: { entries: 15_000 }, strict: false });
    const config = loadConfig({
      HORIZON_APP_ID: small.app.id,
      HORIZON_APP_SECRET: small.app.secret,
      HORIZON_GRAPH_URL: small.url,
      HORIZON_RATE_LIMIT: '100/1s',
      AUTH_DISABLED: 'true',
    });
    const upstream = { baseUrl: small.url, ...config.credentials! };
    const { client: budgeted, close } = await exportClient(config, upstream, {
      logger: createLogger('silent'),
    });
    const control = (path: string, body?: unknown) =>
      fetch(`${small.url}/__emulator/${path}`, {
        method: body ? 'POST' : 'GET',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      await control('faults', { route: 'GET /leaderboard_entries', status: 503, times: 4 });
      await control('faults', {
        route: 'GET /leaderboard_entries',
        throttle: true,
        headers: { 'retry-after': '1' },
        times: 2,
      });
      const waits: number[] = [];
      const result = await runExport({
        source: leaderboardSource(BOARD, { pageSize: 100 }),
        format: 'ndjson',
        sink: countingSink(),
        client: budgeted,
        onWait: ({ waitMs }) => waits.push(waitMs),
      });
      expect(result.rows).toBe(15_000);
      expect(waits.length).toBeGreaterThan(0);
      expect(waits.every((ms) => ms >= 1000)).toBe(true);
      const { times } = (await (await control('request-times')).json()) as { times: number[] };
      // 150 pages, the faulted attempts on top.
      expect(times.length).toBeGreaterThanOrEqual(150 + 4 + 2);
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= 1000) j++;
        expect(i - j + 1).toBeLessThanOrEqual(100);
      }
    } finally {
      await close();
      await small.close();
    }
  }, 60_000);
});

describe('players and definitions', () => {
  it('reads players through the data sources and batching of the subgraph: one call per player and list, one USER_IDS call per board per 100 players', async () => {
    const ids = Array.from({ length: 250 }, (_, n) => (GENERATED_USER_BASE + BigInt(n + 1)).toString());
    const boards = (await (
      await fetch(`${emulator.url}/${emulator.app.id}/leaderboards?fields=api_name`, {
        headers: { authorization: `Bearer OC|${emulator.app.id}|${emulator.app.secret}` },
      })
    ).json()) as { data: unknown[] };
    const before = await counts();
    const { sink, text } = textSink();
    const result = await runExport({
      source: playersSource(ids, ['achievements', 'entitlements', 'subscriptions', 'leaderboards']),
      format: 'ndjson',
      sink,
      client,
    });
    const after = await counts();
    const calls = (route: string) => (after.byRoute[route] ?? 0) - (before.byRoute[route] ?? 0);
    expect(calls('GET /{user_id}/achievements')).toBe(250);
    expect(calls('GET /{app_id}/viewer_purchases')).toBe(250);
    expect(calls('GET /application/subscriptions')).toBe(250);
    expect(calls('GET /{app_id}/leaderboards')).toBe(1);
    expect(calls('GET /leaderboard_entries')).toBe(boards.data.length * 3);
    expect(result.calls).toBe(after.total - before.total);
    const rows = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(result.rows);
    expect(new Set(rows.filter((r) => r.item === 'leaderboard_entry').map((r) => r.user_id)).size).toBe(250);
    expect(rows.some((r) => r.item === 'achievement' && BigInt(r.count_progress as string) > 2n ** 53n)).toBe(
      true,
    );
    expect(rows.some((r) => r.item === 'entitlement')).toBe(true);
    expect(rows.some((r) => r.item === 'subscription')).toBe(true);
    // In the order asked for.
    const order = rows.map((r) => r.user_id);
    expect(order).toEqual([...order].sort());
  });

  it('exports the definitions: achievements, leaderboards and products', async () => {
    const { sink, text } = textSink();
    await runExport({ source: definitionsSource(), format: 'csv', sink, client });
    const csv = text();
    expect(csv.split('\n')[0]).toMatch(/^type,key,id,title/);
    for (const type of ['achievement', 'leaderboard', 'product']) expect(csv).toContain(`\n${type},`);
    expect(csv).toContain(`leaderboard,${BOARD},`);
  });
});

describe('over HTTP', () => {
  const JWT_SECRET = 'export-test-jwt-secret-0123456789abcdef';
  const ROUTER_SECRET = 'export-test-router-secret';
  let server: RunningServer;
  const token = (scope: string) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('analytics')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JWT_SECRET));

  beforeAll(async () => {
    server = await startServer(
      {
        horizon: client,
        logger: createLogger('silent'),
        cacheTtlMs: 60_000,
        batchConcurrency: 32,
        routerSecret: ROUTER_SECRET,
        resolveCaller: jwtCallerResolver({ jwtSecret: JWT_SECRET }),
        exports: { maxIds: 500 },
      },
      0,
      '127.0.0.1',
    );
  });
  afterAll(() => server?.close());

  const headers = async (scope = 'horizon:export') => ({
    'router-authorization': ROUTER_SECRET,
    authorization: `Bearer ${await token(scope)}`,
  });

  it('streams the same NDJSON and CSV as the command', async () => {
    for (const format of ['ndjson', 'csv'] as const) {
      const res = await fetch(`${server.url}/exports/leaderboards/${BOARD}.${format}`, {
        headers: await headers(),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(
        format === 'csv' ? /^text\/csv/ : /^application\/x-ndjson/,
      );
      expect(Buffer.from(await res.arrayBuffer()).equals(outputs[format])).toBe(true);
    }
  }, 30_000);

  it('refuses without the router secret, a token, or the scopes, with the usual JSON errors', async () => {
    const ask = async (
      h: Record<string, string>,
      path = `/exports/leaderboards/${BOARD}.ndjson`,
      init: RequestInit = {},
    ) => {
      const res = await fetch(`${server.url}${path}`, { headers: h, ...init });
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      return [res.status, body.errors[0]!.extensions.code];
    };
    const before = await counts();
    expect(await ask({ authorization: (await headers()).authorization })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await ask({ 'router-authorization': ROUTER_SECRET })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await ask(await headers('horizon:admin'))).toEqual([403, 'FORBIDDEN']);
    const players = (ids: string[], fields: string[]) => ({
      method: 'POST',
      body: JSON.stringify({ ids, fields }),
    });
    const json = { 'content-type': 'application/json' };
    // Purchases need their read scope too.
    expect(
      await ask(
        { ...(await headers()), ...json },
        '/exports/players',
        players(['3000000000000001'], ['entitlements']),
      ),
    ).toEqual([403, 'FORBIDDEN']);
    const tooMany = Array.from({ length: 501 }, (_, n) => String(3000000000000001n + BigInt(n)));
    expect(
      await ask({ ...(await headers()), ...json }, '/exports/players', players(tooMany, ['achievements'])),
    ).toEqual([400, 'BAD_REQUEST']);
    expect(await ask(await headers(), '/exports/leaderboards/NO_SUCH_BOARD.ndjson')).toEqual([
      404,
      'NOT_FOUND',
    ]);
    const after = await counts();
    // Only the unknown board reached upstream.
    expect(after.total - before.total).toBe(1);

    const ok = await fetch(`${server.url}/exports/players`, {
      headers: { ...(await headers('horizon:export horizon:purchases:read')), ...json },
      ...players(['3000000000000001', '3000000000000002'], ['achievements', 'entitlements']),
    });
    expect(ok.status).toBe(200);
    expect((await ok.text()).trim().split('\n').length).toBeGreaterThan(0);
  });

  it('keeps the heap within 50 MB of idle while a client reads slowly, and a client that leaves stops the paging within one page', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const idle = process.memoryUsage().heapUsed;
    const h = await headers();
    const url = new URL(`${server.url}/exports/leaderboards/${BOARD}.ndjson`);
    const before = await counts();
    let received = 0;
    const req = request(url, { headers: h });
    const response = await new Promise<IncomingMessage>((resolve) => {
      req.on('response', resolve);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    let peak = 0;
    // Read about 3 MB slowly: 64 KB every 20 ms.
    while (received < 3_000_000) {
      const chunk = response.read(65_536) as Buffer | null;
      if (chunk) received += chunk.length;
      else await new Promise((resolve) => response.once('readable', resolve));
      await sleep(20);
      if (Math.random() < 0.1) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - idle);
      }
    }
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - idle);
    expect(peak).toBeLessThan(50 * 1024 * 1024);
    // Backpressure: paging follows the reader (about 200 KB a page, plus what the sockets
    // buffer), not the upstream's speed; a reader that stops stops the paging.
    let paused = (await counts()).total;
    for (let settled = 0; settled < 3;) {
      await sleep(250);
      const now = (await counts()).total;
      settled = now === paused ? settled + 1 : 0;
      paused = now;
    }
    expect(paused - before.total).toBeLessThan(70);
    await sleep(1000);
    expect((await counts()).total).toBe(paused);

    response.destroy();
    req.destroy();
    await sleep(100);
    const atClose = (await counts()).total;
    await sleep(1000);
    expect((await counts()).total - atClose).toBeLessThanOrEqual(1);
  }, 30_000);
});
