/**
 * The Redis of S5: a `redis-server` of the bench's own on a free loopback port, nothing kept on
 * disk, pinned with the emulator and the runner (it is part of the Redis store's cost, not of the
 * subgraph's). Without the binary on PATH there is none, and S5 says so instead of failing. Its
 * CPU is read with `INFO cpu` (user + system of the whole server, ms).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createClient } from 'redis';
import { freePort, waitForRedisPong } from '../../test/helpers/loopback.ts';

export interface BenchRedis {
  url: string;
  /** `redis_version` of INFO server. */
  version: string;
  /** CPU the server has used since it started (user + system), microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** A started `redis-server`, or why there is none. */
export async function startBenchRedis(cpus?: string): Promise<BenchRedis | { skipped: string }> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'no redis-server' };
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const [command, argv] = cpus ? ['taskset', ['-c', cpus, 'redis-server', ...args]] : ['redis-server', args];
  const child = spawn(command, argv, { stdio: 'ignore' });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    kill(); // nothing in it is worth keeping
    await exited;
  };
  try {
    await waitForRedisPong(port, child);
  } catch (error) {
    await stop();
    return { skipped: `redis-server did not start: ${(error as Error).message}` };
  }
  const url = `redis://127.0.0.1:${port}`;
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  await client.connect();
  const info = async (section: string) => parseInfo(await client.info(section));
  const version = (await info('server')).redis_version ?? 'unknown';
  return {
    url,
    version,
    async cpuMicros() {
      const cpu = await info('cpu');
      return (Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys)) * 1e6;
    },
    async stop() {
      client.destroy();
      await stop();
    },
  };
}

/** `key:value` lines of an INFO reply. */
function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}
