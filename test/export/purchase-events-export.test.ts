import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryPurchaseEventLog } from '../../src/events/memory-purchase-event-log.ts';
import type { PurchaseEvent } from '../../src/events/purchase-event-log.ts';
import { PURCHASE_EVENTS } from '../../src/export/columns.ts';
import { purchaseEventsSource } from '../../src/export/purchase-events-source.ts';
import type { Batch } from '../../src/export/sources.ts';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { createLogger } from '../../src/logger.ts';
import { createRedisSharedState, type SharedState } from '../../src/shared-state/index.ts';
import { until } from '../helpers/graphql-ws-client.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { callerToken, JWT_KEY, purchaseEvent } from '../helpers/purchase-events.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';

// The purchase-events export: GET /exports/purchase-events.ndjson|.csv over real HTTP (rows oldest
// first, each with its cursor; `?after=` continues after a row; scopes), and `npm run export --
// purchase-events` reading the history in a real Redis (and refusing to run without REDIS_URL).

const CLI = join(import.meta.dirname, '../../src/export/cli.ts');
const log = new InMemoryPurchaseEventLog();
let sg: SubgraphHandle;
let recorded: PurchaseEvent[];
let exporter: Record<string, string>;

async function exportEvents(query = '', headers = exporter, format = 'ndjson') {
  const res = await fetch(`${sg.url}/exports/purchase-events.${format}${query}`, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  sg = await subgraph({
    server: { purchaseEvents: log, resolveCaller: jwtCallerResolver({ jwtSecret: JWT_KEY }) },
  });
  exporter = { authorization: `Bearer ${await callerToken('horizon:export horizon:purchases:read')}` };
  recorded = await log.append([
    purchaseEvent({ sku: 'e0', receivedAt: '2026-06-02T10:00:00.000Z' }),
    purchaseEvent({ sku: 'e1', userId: null, test: true, receivedAt: '2026-06-02T10:00:01.000Z' }),
    purchaseEvent({ sku: 'e2', type: 'REFUNDED', receivedAt: '2026-06-02T11:00:00.000Z' }),
    purchaseEvent({
      sku: 'e3',
      type: 'UNKNOWN',
      field: 'order_consumed',
      receivedAt: '2026-06-02T12:00:00.000Z',
    }),
  ]);
});

afterAll(() => sg?.close());

describe('GET /exports/purchase-events', () => {
  it('streams every event oldest first as NDJSON, each row carrying its cursor, without an upstream call', async () => {
    await sg.emulator.checkpoint();
    const res = await exportEvents();
    expect(res.status, res.text).toBe(200);
    expect(res.type).toMatch(/ndjson/);
    const rows = ndjson(res.text);
    expect(rows.map((r) => r.sku)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(rows.map((r) => r.cursor)).toEqual(recorded.map((e) => e.id));
    expect(Object.keys(rows[0]!)).toEqual(PURCHASE_EVENTS.columns.map((c) => c.name));
    expect(rows[1]).toMatchObject({ user_id: null, test: true, type: 'PURCHASED' });
    expect(rows[3]).toMatchObject({ type: 'UNKNOWN', field: 'order_consumed', raw: recorded[3]!.raw });
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('continues right after the cursor given as ?after, and filters with ?since', async () => {
    const all = ndjson((await exportEvents()).text);
    const rest = ndjson((await exportEvents(`?after=${all[1]!.cursor}`)).text);
    expect(rest.map((r) => r.sku)).toEqual(['e2', 'e3']);
    const fromLast = await exportEvents(`?after=${all[3]!.cursor}`);
    expect(fromLast.status).toBe(200);
    expect(ndjson(fromLast.text)).toEqual([]);
    const since = ndjson((await exportEvents('?since=2026-06-02T11:00:00Z')).text);
    expect(since.map((r) => r.sku)).toEqual(['e2', 'e3']);
  });

  it('writes CSV with the same columns', async () => {
    const res = await exportEvents('', exporter, 'csv');
    expect(res.status).toBe(200);
    const [header, ...lines] = res.text.trim().split(/\r?\n/);
    expect(header).toBe(PURCHASE_EVENTS.columns.map((c) => c.name).join(','));
    expect(lines).toHaveLength(4);
    expect(lines[0]!.startsWith(`${recorded[0]!.id},PURCHASED,order_status,`)).toBe(true);
  });

  it('needs horizon:export and horizon:purchases:read, and refuses a cursor that is not one', async () => {
    for (const scope of ['horizon:export', 'horizon:purchases:read']) {
      const res = await exportEvents('', { authorization: `Bearer ${await callerToken(scope)}` });
      expect(res.status, scope).toBe(403);
      expect(JSON.parse(res.text).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(res.text).not.toContain('e0');
    }
    expect((await exportEvents('', {})).status).toBe(401);
    for (const query of ['?after=not-a-cursor', '?since=yesterday']) {
      const res = await exportEvents(query);
      expect(res.status, query).toBe(400);
      expect(JSON.parse(res.text).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });
});

describe('purchaseEventsSource', () => {
  it('reads in batches and resumes from a batch position with neither a repeat nor a gap', async () => {
    const source = purchaseEventsSource(log, { batchSize: 3 });
    const transport = undefined as never;
    const batches = source.read(source.start, transport)[Symbol.asyncIterator]();
    const first: Batch = (await batches.next()).value!;
    expect(first.rows.map((r) => r.sku)).toEqual(['e0', 'e1', 'e2']);
    expect(first.next).toEqual({ after: recorded[2]!.id });
    const rest: unknown[] = [];
    for await (const batch of source.read(first.next, transport)) rest.push(...batch.rows.map((r) => r.sku));
    expect(rest).toEqual(['e3']);
  });
});

const run = promisify(execFile);

/** `npm run export -- …` without npm; resolves with the exit code, stdout and stderr. */
function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error', HORIZON_RATE_LIMIT: '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

// Each command is a fresh tsx process: allow for a slow start on a busy machine.
describe('npm run export -- purchase-events', () => {
  const app = { HORIZON_APP_ID: '7000000000000001', HORIZON_APP_SECRET: 'export-test-app-secret-000' };

  it('exits 2 with a message naming REDIS_URL when it is not set', async () => {
    const res = await cli(['purchase-events'], { ...app, REDIS_URL: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/purchase-events reads the event history in Redis: set REDIS_URL/);
    expect(res.stdout).toBe('');
  }, 60_000);

  describe.skipIf(!redisReachable)('with Redis', () => {
    let redis: TestRedis;
    let shared: SharedState;
    let events: PurchaseEvent[];
    const dir = mkdtempSync(join(tmpdir(), 'purchase-events-export-'));

    beforeAll(async () => {
      redis = await startTestRedis();
      // What the subgraph's replicas would have recorded, in the stream they share.
      shared = createRedisSharedState({
        url: redis.url,
        keyPrefix: redis.prefix,
        appId: app.HORIZON_APP_ID,
        logger: createLogger('silent'),
        purchaseEvents: { max: 1000, dedupeTtlSeconds: 60 },
      });
      await until(() => shared.available, 'Redis');
      events = await shared.purchaseEvents.append([
        purchaseEvent({ sku: 'r0', receivedAt: '2026-06-01T09:00:00.000Z' }),
        purchaseEvent({ sku: 'r1', receivedAt: '2026-06-02T09:00:00.000Z' }),
        purchaseEvent({ sku: 'r2', type: 'REFUNDED', receivedAt: '2026-06-03T09:00:00.000Z' }),
      ]);
    });

    afterAll(async () => {
      await shared?.close();
      await redis?.close();
    });

    const env = () => ({ ...app, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix });

    it('writes the history in the shared stream, oldest first, with cursors, and only events since --since', async () => {
      const all = await cli(['purchase-events'], env());
      expect(all.code, all.stderr).toBe(0);
      expect(ndjson(all.stdout).map((r) => [r.cursor, r.sku])).toEqual(events.map((e) => [e.id, e.sku]));

      const out = join(dir, 'since.ndjson');
      const since = await cli(['purchase-events', '--since', '2026-06-02T00:00:00Z', '--out', out], env());
      expect(since.code, since.stderr).toBe(0);
      expect(ndjson(readFileSync(out, 'utf8')).map((r) => r.sku)).toEqual(['r1', 'r2']);
    }, 60_000);
  });
});
