import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { jwtCallerResolver } from '../../src/graphql/auth/jwt-verifier.ts';
import { passThrottlePause, subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Idempotency keys make retries of non-idempotent writes safe: the second call with the same key
// returns the first outcome and never reaches Meta.

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
// A test that injects throttling pauses the app's calls (ThrottleCoolDown); the next test starts after it.
beforeEach(() => {
  passThrottlePause(sg.horizon);
  return sg.emulator.reset();
});

const CONSUME_ROUTE = 'POST /{app_id}/consume_entitlement';
const CONSUME = `mutation($key: String) { consumeEntitlement(userId: "1000000000000010", sku: "coins_500", idempotencyKey: $key) { success } }`;

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

  it('remembers a definite refusal: the same key answers it again without a second call', async () => {
    // Consuming a durable is refused upstream (400): a retry would be refused the same way.
    const consume = `mutation($key: String) { consumeEntitlement(userId: "1000000000000010", sku: "track_pack_alpine", idempotencyKey: $key) { success } }`;
    const first = await sg.gql(consume, { key: 'r-1' });
    const again = await sg.gql(consume, { key: 'r-1' });
    expect(first.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(again.errors?.[0]).toMatchObject({
      message: first.errors?.[0]?.message,
      extensions: first.errors?.[0]?.extensions,
    });
    expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(1);
  });

  it.each([429, 503])(
    'leaves the key free after a %i (not processed): the same key then succeeds',
    async (status) => {
      await sg.emulator.fault({ route: CONSUME_ROUTE, status });
      const failed = await sg.gql(CONSUME, { key: `free-${status}` });
      expect(failed.errors?.[0]?.extensions?.retryable).toBe(true);
      if (status === 429) {
        // Throttling pauses the app's calls: a retry within the pause is not sent, and the key stays free.
        const paused = await sg.gql(CONSUME, { key: `free-${status}` });
        expect(paused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
        expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(1);
        passThrottlePause(sg.horizon); // the caller waited out retryAfterMs
      }
      const retried = await sg.gql(CONSUME, { key: `free-${status}` });
      expect(retried.data).toEqual({ consumeEntitlement: { success: true } });
      expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(2);
    },
  );

  it.each([500, 502, 504])(
    'puts the key in doubt after a %i: a retry with it never writes again',
    async (status) => {
      await sg.emulator.fault({ route: CONSUME_ROUTE, status });
      const failed = await sg.gql(CONSUME, { key: `doubt-${status}` });
      expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      const again = await sg.gql(CONSUME, { key: `doubt-${status}` });
      expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_IN_DOUBT', retryable: false });
      expect(again.errors?.[0]?.message).toMatch(/Check the player's state, then use a new idempotencyKey/);
      expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(1);
      const fresh = await sg.gql(CONSUME, { key: `doubt-${status}-new` });
      expect(fresh.data).toEqual({ consumeEntitlement: { success: true } });
    },
  );
});

describe('idempotency keys and failures before or after sending', () => {
  it('leaves the key free when the breaker refused the call: after recovery the same key succeeds', async () => {
    const guarded = await subgraph({
      upstream: sg.emulator,
      resilience: { retry: { maxAttempts: 1 }, breaker: { threshold: 1, cooldownMs: 300 } },
    });
    try {
      await sg.emulator.fault({ route: CONSUME_ROUTE, status: 503 });
      await guarded.gql(CONSUME, { key: 'breaker-0' });
      const refused = await guarded.gql(CONSUME, { key: 'breaker-1' });
      expect(refused.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(1);
      await expect
        .poll(async () => (await guarded.gql(CONSUME, { key: 'breaker-1' })).data, {
          timeout: 5_000,
          interval: 100,
        })
        .toEqual({ consumeEntitlement: { success: true } });
      expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(2);
    } finally {
      await guarded.close();
    }
  });

  it('puts the key in doubt after a timeout once the request was sent', async () => {
    const impatient = await subgraph({ upstream: sg.emulator, writeTimeoutMs: 200 });
    try {
      await sg.emulator.fault({ route: CONSUME_ROUTE, delayMs: 1_000 });
      const failed = await impatient.gql(CONSUME, { key: 'slow-1' });
      expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      const again = await impatient.gql(CONSUME, { key: 'slow-1' });
      expect(again.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_IN_DOUBT');
      expect((await sg.emulator.counts()).byRoute[CONSUME_ROUTE]).toBe(1);
    } finally {
      await impatient.close();
    }
  });
});

describe('idempotency keys of different callers', () => {
  const KEY = 'test-hs256-shared-key-of-at-least-32-chars!';
  const token = (subject: string) =>
    new SignJWT({ scope: 'horizon:purchases:write horizon:achievements:write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(KEY));

  it('keeps each caller’s keys apart: bob can neither see nor block alice’s key', async () => {
    const authed = await subgraph({
      upstream: sg.emulator,
      server: { resolveCaller: jwtCallerResolver({ jwtSecret: KEY }) },
    });
    try {
      const alice = { authorization: `Bearer ${await token('alice')}` };
      const bob = { authorization: `Bearer ${await token('bob')}` };
      const first = await authed.gql(COUNT, { key: 'shared-key', count: '1' }, alice);
      expect(first.errors).toBeUndefined();
      // The same key and arguments from bob: his own first attempt (a write), not alice's answer.
      const same = await authed.gql(COUNT, { key: 'shared-key', count: '1' }, bob);
      expect(same.errors).toBeUndefined();
      expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(2);
      // Other arguments under the key are refused in bob's scope only, naming nothing of alice's.
      const other = await authed.gql(COUNT, { key: 'shared-key', count: '2' }, bob);
      expect(other.errors?.[0]?.message).toMatch(/other arguments/);
      // alice's key still answers alice's first outcome.
      const aliceAgain = await authed.gql(COUNT, { key: 'shared-key', count: '1' }, alice);
      expect(aliceAgain.data).toEqual(first.data);
      expect((await sg.emulator.counts()).byRoute['POST /{user_id}/achievements']).toBe(2);
    } finally {
      await authed.close();
    }
  });
});

describe('idempotency keys of different mutations', () => {
  it('keeps keys of different mutations apart', async () => {
    await sg.gql(COUNT, { key: 'shared', count: '1' });
    const extend = await sg.gql(
      'mutation { extendSubscription(userId: "1000000000000001", sku: "rally_pass_annual", days: 1, idempotencyKey: "shared") { success } }',
    );
    expect(extend.data).toEqual({ extendSubscription: { success: true } });
  });
});
