import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// How `npm start` (the same src/index.ts the build compiles) fails on a bad environment: one line
// on stderr naming the variable and the fix, exit code 1, no stack trace.

const run = promisify(execFile);

async function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: { ...process.env, LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env },
    timeout: 30_000,
  }).then(
    () => ({ code: 0, stderr: 'exited 0' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return { ...result, stderr: result.stderr.trim() };
}

let taken: Server;
let takenPort = 0;

beforeAll(async () => {
  taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  takenPort = (taken.address() as { port: number }).port;
});

afterAll(() => {
  taken.close();
});

describe('startup with a bad environment', () => {
  it('names the variable, what it must be and what it got', async () => {
    const { code, stderr } = await start({ PORT: 'abc', HORIZON_GRAPH_URL: 'ftp://x' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT must be a whole number 0–65535 (got "abc")');
    expect(stderr).toMatch(/HORIZON_GRAPH_URL must be an http\(s\) URL/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says in one line that PORT is taken', async () => {
    const { code, stderr } = await start({ PORT: String(takenPort) });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `PORT ${takenPort} is already in use (listening on 127.0.0.1:${takenPort}): stop the other process or set PORT to a free port`,
    );
  });

  it('says in one line that HOST is not an address of this machine', async () => {
    // TEST-NET-3 (RFC 5737): never an address of this machine, and nothing to resolve.
    const { code, stderr } = await start({ PORT: '0', HOST: '203.0.113.9' });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^HOST "203\.0\.113\.9" is not an address of this machine/);
  });
});
