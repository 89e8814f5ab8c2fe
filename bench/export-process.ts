/**
 * S7, the export (issue 15): a process of its own, pinned with the measured servers, that runs on
 * request (`task` over IPC) either the project's leaderboard export (`exportLeaderboard` from
 * `src/export/`, with the export command's own client: same resilience and admission, NDJSON into
 * a sink that only counts bytes) or the floor: paging the API directly with undici, one page after
 * the other, the same page size, `summary=true` and `fields` as the export, stopping when the board's
 * `total_count` says the last page was the last. Each answers rows, upstream calls (counted
 * client side; the runner also reads the emulator's counters), bytes and elapsed ms.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.ts';
import { countingSink, exportLeaderboard, LEADERBOARD_PAGE_SIZE } from '../src/export/index.ts';
import { exportClient } from '../src/export/client.ts';
import { createLogger } from '../src/logger.ts';
import { argument, serveRunner } from './lib/child-side.ts';
import { ENTRY_FIELDS } from './lib/upstream.ts';

const board = argument('leaderboard');
const config = loadConfig();
if (!config.credentials) throw new Error('HORIZON_APP_ID and HORIZON_APP_SECRET must name the emulator app');
const credentials = config.credentials;
const logger = createLogger('warn', pino.destination(2));
const { client, close } = await exportClient(
  config,
  { baseUrl: config.graphUrl, ...credentials },
  { logger },
);
const pool = new Pool(config.graphUrl, { connections: 1, keepAliveTimeout: 30_000 });
const authorization = `Bearer OC|${credentials.appId}|${credentials.appSecret}`;

async function floor(): Promise<Record<string, number>> {
  const started = performance.now();
  let rows = 0;
  let calls = 0;
  let bytes = 0;
  let path: string | undefined = `/leaderboard_entries?${new URLSearchParams({
    api_name: board,
    limit: String(LEADERBOARD_PAGE_SIZE),
    summary: 'true',
    fields: ENTRY_FIELDS,
  })}`;
  while (path) {
    const res = await pool.request({ method: 'GET', path, headers: { authorization } });
    const text = await res.body.text();
    calls++;
    if (res.statusCode !== 200) throw new Error(`floor: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const page = JSON.parse(text) as {
      data: unknown[];
      summary?: { total_count?: number | string };
      paging?: { next?: string };
    };
    rows += page.data.length;
    bytes += text.length;
    const total = Number(page.summary?.total_count ?? Number.POSITIVE_INFINITY);
    const next = page.paging?.next;
    path = rows < total && page.data.length > 0 && next ? next.slice(new URL(next).origin.length) : undefined;
  }
  return { rows, calls, bytes, elapsedMs: performance.now() - started };
}

serveRunner(
  { urls: {}, info: { leaderboard: board, pageSize: LEADERBOARD_PAGE_SIZE } },
  undefined,
  async () => {
    await close();
    await pool.close();
  },
  undefined,
  {
    floor,
    async export() {
      const started = performance.now();
      const result = await exportLeaderboard({ client, apiName: board, sink: countingSink() });
      return {
        rows: result.rows,
        calls: result.calls,
        bytes: result.bytes,
        elapsedMs: performance.now() - started,
      };
    },
  },
);
