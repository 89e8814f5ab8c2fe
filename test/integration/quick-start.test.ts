import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` as a newcomer runs it: no credentials, so the embedded emulator with the demo data.
// The process is real (tsx, as the npm script runs it); it listens on an ephemeral loopback port.

let child: ChildProcess;
let url = '';
const lines: string[] = [];

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.HORIZON_APP_ID;
  delete env.HORIZON_APP_SECRET;
  child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const record = JSON.parse(line) as { msg?: string; url?: string };
      if (record.msg === 'subgraph ready' && record.url) {
        url = record.url;
        resolve();
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`npm start exited early with ${code}: ${lines.join('\n')}`)),
    );
  });
  await ready;
}, 30_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('the quick start', () => {
  it('says plainly that it serves demo data from the embedded emulator', () => {
    expect(lines.join('\n')).toMatch(/DEMO data from the embedded emulator/);
  });

  it('answers the README example query with demo data', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ user(id: "1000000000000001") { alias hasEntitlement leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } } }',
      }),
    });
    const body = (await res.json()) as { data: { user: Record<string, unknown> }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.user).toEqual({
      alias: 'NovaDrift',
      hasEntitlement: true,
      leaderboardEntry: { rank: 2 },
    });
  });

  it('serves liveness and readiness', async () => {
    const base = url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('stops cleanly with exit code 0 on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
