import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetrics } from './prometheus-text.ts';

// SIGTERM to the real `npm start` process (tsx, embedded emulator with demo data). The emulator
// answers after EMULATOR_LATENCY_MS, so requests are still waiting on the upstream when the
// signal arrives; the test knows they are in flight from the process's own in-flight gauge.

const USERS = ['1000000000000001', '1000000000000003', '1000000000000004'];

interface Started {
  child: ChildProcess;
  base: string;
  lines: Record<string, unknown>[];
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<Started> {
  const fullEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  delete fullEnv.HORIZON_APP_ID;
  delete fullEnv.HORIZON_APP_SECRET;
  // As in production: vitest's NODE_ENV=test changes Apollo's defaults (its own signal handlers).
  delete fullEnv.NODE_ENV;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      lines.push(record);
      if (record.msg === 'subgraph ready') resolve(String(record.url).replace(/\/graphql$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${JSON.stringify(lines)}`)));
  });
  return { child, base, lines };
}

function query(base: string, userId: string) {
  return fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ user(id: "${userId}") { alias } }` }),
  });
}

/** Waits until the process has at least `n` upstream calls in flight. */
async function inFlight(base: string, n: number): Promise<void> {
  for (;;) {
    const samples = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    const total = samples
      .filter((s) => s.name === 'horizon_upstream_requests_in_flight')
      .reduce((sum, s) => sum + s.value, 0);
    if (total >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SIGTERM', () => {
  it('turns /readyz not ready, lets in-flight requests complete, closes and exits 0', async () => {
    const { child, base, lines } = await start({
      EMULATOR_LATENCY_MS: '1500',
      HORIZON_TIMEOUT_MS: '10000', // the latency is the emulator's, not a stall to time out on
      SHUTDOWN_DELAY_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    const exited = once(child, 'exit');
    // One read first: until a route's optional fields are known to be served, its first calls go
    // one at a time (the client's field probe), which would keep the others from being in flight.
    await query(base, USERS[0]!);
    const pending = USERS.map((id) => query(base, id));
    await inFlight(base, USERS.length);

    child.kill('SIGTERM');
    // During the delay the process still answers, and says it is draining.
    let readyz: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${base}/readyz`);
      readyz = { status: res.status, body: await res.json() };
      if (res.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(readyz).toEqual({ status: 503, body: { status: 'not ready', reason: 'draining' } });

    const responses = await Promise.all(pending);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
      data: { user: { alias: string } };
      errors?: unknown;
    }[];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const body of bodies) {
      expect(body.errors).toBeUndefined();
      expect(body.data.user.alias).toEqual(expect.any(String));
    }

    const [code] = await exited;
    expect(code).toBe(0);
    const ops = lines.filter((l) => l.msg === 'graphql operation');
    expect(ops).toHaveLength(USERS.length + 1);
    for (const op of ops) expect(op).toMatchObject({ outcome: 'success', upstreamCalls: 1 });
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  }, 60_000);

  it('answers all of 100 requests written before SIGTERM on a cold instance, none reset', async () => {
    // As the probe did: a fresh process, default drain settings, 100 requests each on its own
    // connection, fully written ~370 ms before the signal. A cold process turns its event loop
    // slowly, so many of them still sit in the kernel's accept queue when the signal arrives.
    const { child, base } = await start({});
    const exited = once(child, 'exit');
    const { hostname, port } = new URL(base);
    const body = JSON.stringify({
      query: `{ user(id: "${USERS[0]}") { alias achievements { apiName isUnlocked } } }`,
    });
    const request =
      `POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
    let written = 0;
    const answers = Array.from(
      { length: 100 },
      () =>
        new Promise<string>((resolve) => {
          let got = '';
          const socket = connect(Number(port), hostname, () => socket.write(request, () => (written += 1)));
          socket.on('data', (chunk) => (got += String(chunk)));
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
          socket.on('close', () => resolve(got.slice(0, 12) || 'closed without an answer'));
        }),
    );
    while (written < 100) await delay(5);
    await delay(370);
    child.kill('SIGTERM');

    const results = await Promise.all(answers);
    expect(results.filter((r) => r !== 'HTTP/1.1 200')).toEqual([]);
    const [code] = await exited;
    expect(code).toBe(0);
  }, 60_000);

  it('cuts requests still running at SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const { child, base, lines } = await start({
      EMULATOR_LATENCY_MS: '20000',
      SHUTDOWN_TIMEOUT_MS: '300',
    });
    const exited = once(child, 'exit');
    const pending = query(base, USERS[0]!).then(
      (res) => res.status,
      () => 'cut',
    );
    await inFlight(base, 1);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await pending).toBe('cut');
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  }, 60_000);
});
