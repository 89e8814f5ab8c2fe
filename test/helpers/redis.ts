import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort, waitForRedisPong } from './loopback.ts';
import { randomUUID } from 'node:crypto';

// Tests of shared state use a real Redis, never a mock: their own `redis-server` on a free port when
// the binary is on PATH (it can then be stopped and started again), else REDIS_URL. Under CI=true
// a test that needs Redis fails rather than skips when neither is there.

/** A Redis for one test file. */
export interface TestRedis {
  url: string;
  /** True when this file started the server: `stop()` and `start()` work. */
  own: boolean;
  /** A key prefix no other test run uses. */
  prefix: string;
  /** Kills the server (SIGKILL, nothing kept); resolves once it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether a test that needs Redis can run here (own server or REDIS_URL). */
export const redisReachable = hasRedisServer || Boolean(process.env.REDIS_URL);
/** Whether a test that must stop and start Redis can run here. */
export const redisControllable = hasRedisServer;

if (process.env.CI === 'true' && !hasRedisServer) {
  throw new Error('CI=true: redis-server must be on PATH for the shared-state tests (they never skip in CI)');
}

/** A Redis for the tests, or throws when there is none (check `redisReachable` first). */
export async function startTestRedis(): Promise<TestRedis> {
  const prefix = `test-${randomUUID().slice(0, 8)}:`;
  if (!hasRedisServer) {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('no redis-server on PATH and no REDIS_URL');
    const unsupported = async () => {
      throw new Error('this test needs redis-server on PATH to stop and start Redis');
    };
    return { url, own: false, prefix, stop: unsupported, start: unsupported, close: async () => undefined };
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await waitForRedisPong(port);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, own: true, prefix, stop, start, close: stop };
}
