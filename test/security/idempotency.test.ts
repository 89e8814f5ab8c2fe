import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Idempotency keys make retries of non-idempotent writes safe: the second call with the same key
// returns the first outcome and never reaches Meta.

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

const COUNT = `mutation($key: String, $count: Int64!) {
  addAchievementCount(userId: "1000000000000004", apiName: "WIN_10_RACES", count: $count, idempotencyKey: $key) { justUnlocked }
}`;

describe('idempotency keys', () => {
  it('returns the first outcome for a repeated key without calling Meta again', async () => {
    const first = await sg.gql(COUNT, { key: 'k-1', count: '3' });
    const second = await sg.gql(COUNT, { key: 'k-1', count: '3' });
    expect(first.errors).toBeUndefined();
    expect(second.data).toEqual(first.data);
    expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(1);
    const progress = await sg.gql(
      '{ user(id: "1000000000000004") { achievements(apiNames: ["WIN_10_RACES"]) { count } } }',
    );
    expect(progress.data).toEqual({ user: { achievements: [{ count: '3' }] } });
  });

  it('shares one call between concurrent repeats', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => sg.gql(COUNT, { key: 'k-par', count: '2' })),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(1);
  });

  it('refuses the same key with other arguments', async () => {
    await sg.gql(COUNT, { key: 'k-2', count: '1' });
    const other = await sg.gql(COUNT, { key: 'k-2', count: '2' });
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0]?.message).toMatch(/other arguments/);
    expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(1);
  });

  it('calls Meta every time without a key', async () => {
    await sg.gql(COUNT, { count: '1' });
    await sg.gql(COUNT, { count: '1' });
    expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(2);
  });

  it('remembers a failure too, so only a new key tries again', async () => {
    const consume = `mutation($key: String) { consumeEntitlement(userId: "1000000000000010", sku: "coins_500", idempotencyKey: $key) { success } }`;
    await sg.emulator.fault({ route: 'POST /{app_id}/consume_entitlement', status: 500 });
    const failed = await sg.gql(consume, { key: 'c-1' });
    const again = await sg.gql(consume, { key: 'c-1' });
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(again.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect((await sg.emulator.counts()).byRoute['POST /{app_id}/consume_entitlement']).toBe(1);
    const fresh = await sg.gql(consume, { key: 'c-2' });
    expect(fresh.data).toEqual({ consumeEntitlement: { success: true } });
  });

  it('keeps keys of different mutations apart', async () => {
    await sg.gql(COUNT, { key: 'shared', count: '1' });
    const extend = await sg.gql(
      'mutation { extendSubscription(userId: "1000000000000001", sku: "rally_pass_annual", days: 1, idempotencyKey: "shared") { success } }',
    );
    expect(extend.data).toEqual({ extendSubscription: { success: true } });
  });
});
