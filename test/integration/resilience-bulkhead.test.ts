import { afterEach, describe, expect, it } from 'vitest';
import type { BulkheadOptions } from '../../src/horizon/index.ts';
import type { RouteTemplate } from '../../src/shared/routes.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// The bulkhead bounds the app's upstream calls in flight; beyond its queue a call is shed at once
// with a retryable RATE_LIMITED, without reaching the emulator. One upstream call is held open by
// an injected delay while a second one arrives.

const USER: RouteTemplate = 'GET /{user_id}';
const TWO_USERS = '{ users(ids: ["1000000000000001", "1000000000000002"]) { id alias } }';

let sg: SubgraphHandle | undefined;
afterEach(async () => {
  await sg?.close();
  sg = undefined;
});

async function start(bulkhead: BulkheadOptions): Promise<SubgraphHandle> {
  sg = await subgraph({ resilience: { retry: { maxAttempts: 3, baseDelayMs: 5 }, bulkhead } });
  // One read first: while a route's optional fields are not yet known to be served, its first
  // calls go one at a time (see FieldRefusals), which would hide the bulkhead.
  await sg.gql('{ user(id: "1000000000000003") { alias } }');
  await sg.emulator.checkpoint();
  return sg;
}

describe('bulkhead', () => {
  it('sheds a call beyond its concurrency and queue as a retryable RATE_LIMITED, without an upstream call', async () => {
    const sg = await start({ maxConcurrent: 1, maxQueued: 0 });
    await sg.emulator.fault({ route: USER, delayMs: 300 });
    const res = await sg.gql<{ users: ({ alias: string | null } | null)[] }>(TWO_USERS);
    expect(res.errors, res.raw).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      upstream: { status: null, endpoint: USER },
    });
    expect(res.data!.users.filter((u) => u?.alias)).toHaveLength(1);
    // The shed call was not retried either: retrying would only add to the load.
    expect((await sg.emulator.counts()).byRoute[USER]).toBe(1);
  });

  it('queues a call while a slot is busy, and runs it when the slot frees', async () => {
    const sg = await start({ maxConcurrent: 1, maxQueued: 1 });
    await sg.emulator.fault({ route: USER, delayMs: 300 });
    const res = await sg.gql<{ users: { alias: string | null }[] }>(TWO_USERS);
    expect(res.errors, res.raw).toBeUndefined();
    expect(res.data!.users.every((u) => u.alias)).toBe(true);
    expect((await sg.emulator.counts()).byRoute[USER]).toBe(2);
  });
});
