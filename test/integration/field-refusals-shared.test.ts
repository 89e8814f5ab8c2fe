import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLeaderboards, type HorizonClient } from '../../src/horizon/index.ts';
import { createLogger } from '../../src/logger.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { ROUTES } from '../../src/shared/routes.ts';
import { RedisConnection, RedisFieldRefusals } from '../../src/shared-state/index.ts';
import { clientFor, emulator, type EmulatorHandle } from '../helpers/harness.ts';
import { until } from '../helpers/eventually.ts';
import { redisReachable, startTestRedis, type TestRedis } from '../helpers/redis.ts';

// With REDIS_URL, a guessed field Meta refused costs one refused call per route for the whole
// fleet: a replica that starts reading a route first learns what the others saw refused. Against
// the strict emulator (it refuses every guess), replicas as clients with their own Redis
// connections; counts are the emulator's.

const GUESSES = Object.keys(READ_FIELDS.leaderboards.optional).length;
const logger = createLogger('silent');

describe.skipIf(!redisReachable)('refused fields shared through Redis', () => {
  let redis: TestRedis;
  let emu: EmulatorHandle;
  const connections: RedisConnection[] = [];
  const clients: HorizonClient[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    emu = await emulator({ strict: true });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(connections.map((c) => c.close()));
    await emu?.close();
    await redis?.close();
  });

  async function replica(): Promise<{ client: HorizonClient; connection: RedisConnection }> {
    const connection = new RedisConnection({ url: redis.url, logger });
    connections.push(connection);
    connection.start();
    await until(() => connection.available, 'Redis connected');
    const refusals = new RedisFieldRefusals(connection, `${redis.prefix}refused-fields`);
    const client = clientFor(emu, { sharedFieldRefusals: refusals });
    clients.push(client);
    return { client, connection };
  }

  const leaderboardReads = async () => (await emu.counts()).byRoute[ROUTES.leaderboardsRead] ?? 0;

  it('costs the first replica one refused call per guess, and a replica that reads the route later none', async () => {
    expect(GUESSES).toBeGreaterThan(0);
    const first = await replica();
    await emu.checkpoint();
    const boards = await getLeaderboards(first.client);
    expect(boards.length).toBeGreaterThan(0);
    expect(await leaderboardReads()).toBe(GUESSES + 1);

    // Recording is not awaited by the read: wait until Redis holds every refusal.
    await until(
      async () => (await first.connection.client.hLen(`${redis.prefix}refused-fields`)) === GUESSES,
      'every refusal recorded in Redis',
    );
    const second = await replica();
    await emu.checkpoint();
    expect(await getLeaderboards(second.client)).toEqual(boards);
    expect(await leaderboardReads()).toBe(1);
  });

  it('keeps each refusal only for its time, per route', async () => {
    const { connection } = await replica();
    const refusals = new RedisFieldRefusals(connection, `${redis.prefix}short`);
    refusals.record(ROUTES.leaderboardsRead, 'title', 50);
    await until(
      async () => (await refusals.load(ROUTES.leaderboardsRead)).length === 1,
      'the refusal recorded',
    );
    const [found] = await refusals.load(ROUTES.leaderboardsRead);
    expect(found!.field).toBe('title');
    expect(found!.remainingMs).toBeLessThanOrEqual(50);
    await until(
      async () => (await refusals.load(ROUTES.leaderboardsRead)).length === 0,
      'the refusal expired',
    );
    expect(await refusals.load(ROUTES.leaderboardEntries)).toEqual([]);
  });
});
