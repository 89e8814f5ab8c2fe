import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// A bounded soak on loopback: rounds of 200 concurrent requests (reads and writes) against an
// emulator with latency and injected faults. Nothing may be lost, nothing may reject unhandled,
// and the heap must come back near where it started.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROUNDS = 3;
const CONCURRENCY = 200;
const PLAYERS = Array.from({ length: 100 }, (_, i) => String(1000000000000101n + BigInt(i)));

let sg: SubgraphHandle;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  sg = await subgraph({ emulator: { latencyMs: 15 } });
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await sg.close();
});

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe('soak', () => {
  it('holds 200 concurrent requests per round with faults, losing no write and no memory', async () => {
    // Warm-up so lazily built things (schema caches, pools) are in the baseline.
    await sg.gql(`{ users(ids: ["${PLAYERS[0]}"]) { achievements { apiName } } }`);
    const startHeap = heapMb();
    const acknowledged = new Map<string, string>();
    let errors = 0;

    for (let round = 0; round < ROUNDS; round++) {
      // About one call in ten of each kind fails upstream this round.
      await sg.emulator.fault({ route: 'GET /{user_id}/achievements', status: 503, times: 10 });
      await sg.emulator.fault({ route: 'POST /leaderboard_submit_entry', status: 500, times: 5 });
      const requests = Array.from({ length: CONCURRENCY }, (_, i) => {
        // Reads and writes alternate; each player gets one write per round, so within a round no
        // two writes of the same player race each other.
        const player = PLAYERS[Math.floor(i / 2)]!;
        if (i % 2 === 0) {
          return sg.gql(`{ user(id: "${player}") { achievements { apiName isUnlocked } } }`).then((res) => {
            if (res.errors) errors++;
            expect(res.status).toBe(200);
          });
        }
        const score = String(1_000_000 + round * 1000 + i);
        return sg
          .gql(
            `mutation { submitLeaderboardScore(leaderboard: "DRIFT_MASTERS", userId: "${player}", score: "${score}", forceUpdate: true) { didUpdate } }`,
          )
          .then((res) => {
            if (res.errors) errors++;
            else acknowledged.set(player, score);
          });
      });
      await Promise.all(requests);
    }

    // Every acknowledged write is there upstream: the last acknowledged score of each player.
    const check = await sg.gql(
      `{ leaderboard(apiName: "DRIFT_MASTERS") { entries(filter: USER_IDS, userIds: ${JSON.stringify([...acknowledged.keys()])}, first: 100) { edges { node { score user { id } } } } } }`,
    );
    const stored = new Map(
      (
        check.data as {
          leaderboard: { entries: { edges: { node: { score: string; user: { id: string } } }[] } };
        }
      ).leaderboard.entries.edges.map((e) => [e.node.user.id, e.node.score]),
    );
    for (const [player, score] of acknowledged) {
      // Rounds run one after the other and an injected fault applies nothing upstream, so the
      // stored score is the player's last acknowledged one.
      expect(stored.get(player), `player ${player}`).toBe(score);
    }
    expect(acknowledged.size).toBeGreaterThan(50);
    expect(errors).toBeGreaterThan(0); // the faults did happen
    expect(unhandled).toEqual([]);

    const endHeap = heapMb();
    expect(endHeap, `heap ${startHeap.toFixed(1)} MB → ${endHeap.toFixed(1)} MB`).toBeLessThan(
      startHeap * 1.5 + 20,
    );
  }, 60_000);
});
