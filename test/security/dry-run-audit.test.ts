import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Destructive operations: dryRun validates and describes without calling the write endpoint;
// every attempt writes one audit line with caller, operation, target, reason and outcome.

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(async () => {
  await sg.emulator.reset();
  sg.logs.length = 0;
});

function audits(): Record<string, unknown>[] {
  return sg.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.audit === true);
}

const WRITES = [
  'POST /{app_id}/refund_iap_entitlement',
  'POST /achievement_remove_all',
  'POST /leaderboard_remove_all_entries',
  'DELETE /{leaderboard_id}',
  'DELETE /{entry_id}',
];

async function writes(): Promise<number> {
  const { byRoute } = await sg.emulator.counts();
  return WRITES.reduce((sum, route) => sum + (byRoute[route] ?? 0), 0);
}

describe('dryRun', () => {
  it.each([
    [
      'refundEntitlement(userId: "1000000000000010", sku: "track_pack_alpine", reason: "customer_support", dryRun: true)',
      /Would refund track_pack_alpine \(DURABLE\) of user 1000000000000010/,
    ],
    [
      'resetAchievements(userId: "1000000000000001", reason: "ticket 42", dryRun: true)',
      /Would remove the progress of \d+ achievement/,
    ],
    [
      'resetLeaderboard(apiName: "DRIFT_MASTERS", dryRun: true)',
      /Would remove all 83 entries of leaderboard DRIFT_MASTERS/,
    ],
    [
      'deleteLeaderboard(apiName: "DRIFT_MASTERS", dryRun: true)',
      /Would delete leaderboard DRIFT_MASTERS \(id \d+\)/,
    ],
    ['deleteLeaderboardEntry(id: "123", dryRun: true)', /Would delete leaderboard entry 123/],
  ])('%s reports what would happen and writes nothing', async (field, message) => {
    const res = await sg.gql(`mutation { r: ${field} { success dryRun message } }`);
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data?.r).toMatchObject({
      success: true,
      dryRun: true,
      message: expect.stringMatching(message),
    });
    expect(await writes()).toBe(0);
    expect(audits()).toEqual([expect.objectContaining({ outcome: 'dry-run', dryRun: true })]);
  });

  it('refuses a refund the player cannot get, before any write', async () => {
    const res = await sg.gql(
      'mutation { refundEntitlement(userId: "1000000000000004", sku: "track_pack_alpine", reason: "x", dryRun: true) { success } }',
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/no current entitlement/);
    expect(await writes()).toBe(0);
    expect(audits()).toEqual([expect.objectContaining({ outcome: 'failed', code: 'BAD_USER_INPUT' })]);
  });

  it('refuses to delete a leaderboard that does not exist', async () => {
    const res = await sg.gql('mutation { deleteLeaderboard(apiName: "NOPE", dryRun: true) { success } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('audit lines', () => {
  it('record caller, operation, target, reason and outcome of a real refund', async () => {
    const res = await sg.gql(
      'mutation { refundEntitlement(userId: "1000000000000010", sku: "track_pack_alpine", reason: "customer_support") { success dryRun message } }',
    );
    expect(res.data?.refundEntitlement).toMatchObject({
      success: true,
      dryRun: false,
      message: expect.stringMatching(/^Done: refund/),
    });
    expect(await writes()).toBe(1);
    expect(audits()).toEqual([
      expect.objectContaining({
        audit: true,
        caller: 'unchecked',
        operation: 'refundEntitlement',
        target: 'user 1000000000000010 sku track_pack_alpine',
        reason: 'customer_support',
        dryRun: false,
        outcome: 'done',
      }),
    ]);
  });

  it('record an upstream failure', async () => {
    await sg.emulator.fault({ route: 'POST /leaderboard_remove_all_entries', status: 500 });
    const res = await sg.gql(
      'mutation { resetLeaderboard(apiName: "DRIFT_MASTERS", reason: "season end") { success } }',
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(audits()).toEqual([
      expect.objectContaining({
        operation: 'resetLeaderboard',
        reason: 'season end',
        outcome: 'failed',
        code: 'UPSTREAM_ERROR',
      }),
    ]);
  });
});
