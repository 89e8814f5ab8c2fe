import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { horizonFailure } from '../helpers/horizon-failure.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/graphql/limits/query-limits.ts';
import { HorizonClient, getLeaderboards } from '../../src/horizon/index.ts';
import { subgraph } from '../helpers/harness.ts';

// An upstream is never trusted for size or time: a body that trickles in one byte at a time is cut
// at the call's total deadline (idle timers would never fire), and a body larger than the cap drops
// the connection. A real node:http server on loopback plays the misbehaving upstream.

let server: Server | undefined;
let client: HorizonClient | undefined;
afterEach(async () => {
  await client?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = client = undefined;
});

async function upstream(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('an upstream that misbehaves', () => {
  it('is cut at the total deadline when it sends headers and then one byte at a time', async () => {
    let bytes = 0;
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => {
        bytes += 1;
        if (!res.write(' ')) clearInterval(drip);
      }, 50);
      res.on('close', () => clearInterval(drip));
    });
    client = new HorizonClient({
      baseUrl: url,
      appId: '123',
      appSecret: 'demo-secret',
      timeoutMs: 400,
      resilience: { retry: { maxAttempts: 1 } },
    });
    const error = await horizonFailure(getLeaderboards(client));
    expect(error).toMatchObject({ kind: 'timeout', transient: true });
    // Bytes kept coming: only a total deadline could have ended the call.
    expect(bytes).toBeGreaterThan(2);
  });

  it('drops a body larger than the cap and reports it as a malformed answer', async () => {
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ api_name: 'x'.repeat(64 * 1024) }] }));
    });
    client = new HorizonClient({
      baseUrl: url,
      appId: '123',
      appSecret: 'demo-secret',
      maxResponseBytes: 16 * 1024,
      resilience: { retry: { maxAttempts: 1 } },
    });
    const error = await horizonFailure(getLeaderboards(client));
    expect(error).toMatchObject({ kind: 'invalid_response', transient: false });
    expect(error.message).toMatch(/HORIZON_MAX_RESPONSE_BYTES/);
  });
});

describe('an operation past its deadline (REQUEST_DEADLINE_MS)', () => {
  it('cuts the calls still running, answers them UPSTREAM_UNAVAILABLE, and returns what finished', async () => {
    const sg = await subgraph({
      server: { limits: { ...DEFAULT_LIMITS, deadlineMs: 500 } },
      // The call's own deadline is far away: only the operation's can cut it.
      timeoutMs: 20_000,
      resilience: { retry: { maxAttempts: 1 } },
    });
    try {
      await sg.gql('{ leaderboards { apiName } }');
      await sg.emulator.fault({ route: 'GET /{user_id}/achievements', delayMs: 5_000 });
      const res = await sg.gql<{ leaderboards: unknown[]; user: { achievements: unknown } }>(
        '{ leaderboards { apiName } user(id: "1000000000000001") { achievements { apiName } } }',
      );
      expect(res.data?.leaderboards?.length).toBeGreaterThan(0);
      expect(res.data?.user.achievements).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    } finally {
      await sg.close();
    }
  });
});
