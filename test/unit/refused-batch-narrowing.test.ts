import pLimit from 'p-limit';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { HorizonClient } from '../../src/horizon/index.ts';
import {
  REFUSED_BATCH_NARROWING_CALLS,
  leaderboardEntryLoader,
} from '../../src/graphql/loaders/leaderboard-entry-loader.ts';

// How a refused USER_IDS batch is narrowed when upstream does not say which id it refused (the
// emulator always names it, so this edge case needs a mocked upstream): halves, within a budget.

const ORIGIN = 'https://graph.oculus.com';
const BAD = '7';

let agent: MockAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** An upstream that refuses any USER_IDS call containing one of `bad`, without naming it. */
function upstream(bad: string[]) {
  agent = new MockAgent();
  agent.disableNetConnect();
  const calls: string[][] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: (path) => path.startsWith('/leaderboard_entries'), method: 'GET' })
    .reply<Record<string, unknown>>((options) => {
      const query = new URL(String(options.path), ORIGIN).searchParams;
      // Sent as a JSON array of integers; compared here as decimal strings.
      const ids = (JSON.parse(query.get('user_ids') ?? '[]') as unknown[]).map(String);
      calls.push(ids);
      if (ids.some((id) => bad.includes(id))) {
        return {
          statusCode: 400,
          data: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } },
        };
      }
      const data = ids.map((id, i) => ({ id: `e${id}`, rank: i + 1, score: 10, user: { id } }));
      return { statusCode: 200, data: { data } };
    })
    .persist();
  const client = new HorizonClient({
    appId: '123',
    appSecret: 's3cret',
    dispatcher: agent,
    resilience: { retry: { maxAttempts: 1 } },
  });
  const loader = leaderboardEntryLoader(client, { limit: pLimit(8), hooks: {} });
  const load = (ids: string[]) =>
    Promise.all(
      ids.map((userId) => loader.load({ leaderboard: 'B', userId }).catch((error: Error) => error)),
    );
  return { calls, load };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

describe('a refused USER_IDS batch without a named id', () => {
  it('is split in halves until the refused id stands alone: the others get their entries', async () => {
    const { calls, load } = upstream([BAD]);
    const results = await load(ids(8));
    // [1..8] refused → [1..4] ok, [5..8] refused → [5,6] ok, [7,8] refused: budget of 4 spent.
    expect(calls.length).toBe(1 + REFUSED_BATCH_NARROWING_CALLS);
    expect(results.slice(0, 6).every((r) => !(r instanceof Error) && r !== null)).toBe(true);
    expect(results.slice(6).every((r) => r instanceof Error && /Invalid parameter/.test(r.message))).toBe(
      true,
    );
  });

  it('never spends more than the narrowing budget on one batch, however many ids are refused', async () => {
    const { calls, load } = upstream(ids(100));
    const results = await load(ids(100));
    expect(calls.length).toBeLessThanOrEqual(1 + REFUSED_BATCH_NARROWING_CALLS);
    expect(results.every((r) => r instanceof Error)).toBe(true);
  });

  it('answers a single refused id with the refusal and no narrowing call', async () => {
    const { calls, load } = upstream([BAD]);
    const [result] = await load([BAD]);
    expect(calls).toEqual([[BAD]]);
    expect(result).toBeInstanceOf(Error);
  });
});
