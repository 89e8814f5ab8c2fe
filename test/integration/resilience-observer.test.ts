import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as h from '../../src/horizon/index.ts';
import { READ_FIELDS } from '../../src/shared/read-fields.ts';
import { emulator, refusedProbes, type EmulatorHandle } from '../helpers/harness.ts';

// Metrics, logs and traces see upstream traffic as it is: every HTTP attempt of a retried call is
// reported on its own, and a call the breaker refuses is not reported at all (nothing was sent).
// Against the strict emulator the first read also pays one refused call (400) per guessed field.

const NOVA = '1000000000000001';

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await emulator();
});
afterAll(() => emu.close());

describe('the upstream observer', () => {
  it('sees each attempt of a retried call, and none for a call refused by an open breaker', async () => {
    const seen: { route: string; status?: number }[] = [];
    const client = new h.HorizonClient({
      baseUrl: emu.url,
      appId: emu.app.id,
      appSecret: emu.app.secret,
      resilience: {
        retry: { maxAttempts: 3, baseDelayMs: 5 },
        breaker: { threshold: 3, cooldownMs: 60_000 },
      },
      observer: {
        onCallStart:
          ({ route }) =>
          (outcome) =>
            seen.push({ route, status: outcome.status }),
      },
    });
    try {
      const probes = refusedProbes({ emulator: emu, horizon: client }, READ_FIELDS.user);
      await emu.fault({ route: 'GET /{user_id}', status: 503, times: 2 });
      expect((await h.getUser(client, { userId: NOVA })).id).toBe(NOVA);
      expect(seen.map((s) => s.status)).toEqual([503, 503, ...Array<number>(probes).fill(400), 200]);

      await emu.fault({ route: 'GET /{user_id}', status: 503, times: 3 });
      await expect(h.getUser(client, { userId: NOVA })).rejects.toMatchObject({ status: 503 });
      await expect(h.getUser(client, { userId: NOVA })).rejects.toMatchObject({ kind: 'circuit_open' });
      expect(seen).toHaveLength(6 + probes);
      expect(seen.every((s) => s.route === 'GET /{user_id}')).toBe(true);
    } finally {
      await client.close();
    }
  });
});
