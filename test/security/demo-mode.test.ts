import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

// Demo data comes with auth off, so it stays on this machine: without HOST the subgraph listens
// on 127.0.0.1 only. Production never serves demo data: NODE_ENV=production without Meta
// credentials refuses to start, naming the variables to set.

const real = { HORIZON_APP_ID: '123', HORIZON_APP_SECRET: 's3cret', AUTH_DISABLED: 'true' };

/** The environment of a spawned `src/index.ts` without credentials, HOST or NODE_ENV. */
function demoEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...extra };
  for (const name of [
    'HORIZON_APP_ID',
    'HORIZON_APP_SECRET',
    'HORIZON_APP_SECRET_FILE',
    'HOST',
    'NODE_ENV',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** The local addresses the kernel lists for listening TCP sockets on `port` (Linux `/proc/net/tcp*`). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) found.push(local.slice(0, -5));
    }
  }
  return found;
}

describe('the configuration', () => {
  it('listens on 127.0.0.1 with demo data, on every interface with credentials, and where HOST says', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(real).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...real, HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
  });

  it('refuses NODE_ENV=production without credentials, naming the variables', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /HORIZON_APP_ID.*HORIZON_APP_SECRET.*HORIZON_APP_SECRET_FILE.*NODE_ENV=production/,
    );
    expect(loadConfig({ ...real, NODE_ENV: 'production' }).credentials).toEqual({
      appId: '123',
      appSecret: 's3cret',
    });
  });
});

describe('npm start with demo data', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('listens on 127.0.0.1 only and says how to change it', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: demoEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: { msg?: string; url?: string }[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const record = JSON.parse(line) as { msg?: string; url?: string };
        lines.push(record);
        if (record.msg === 'subgraph ready') resolve(record.url!);
      });
      child!.once('exit', (code) => reject(new Error(`exited early with ${code}: ${JSON.stringify(lines)}`)));
    });
    const { hostname, port } = new URL(url);
    expect(hostname).toBe('127.0.0.1');
    expect(lines.some((l) => /listens on 127\.0\.0\.1 only.*set HOST=0\.0\.0\.0/.test(l.msg ?? ''))).toBe(
      true,
    );
    if (existsSync('/proc/net/tcp')) expect(listeningAddresses(Number(port))).toEqual(['0100007F']);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 60_000);
});

describe('npm start in production without credentials', () => {
  it('exits 1 with one message naming the variables, before listening', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: demoEnv({ NODE_ENV: 'production' }),
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /HORIZON_APP_ID and HORIZON_APP_SECRET \(or HORIZON_APP_SECRET_FILE\) must be set/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toMatch(/subgraph ready/);
  }, 60_000);
});
