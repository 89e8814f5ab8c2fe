import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/exact-int64.json', import.meta.url));

describe('npm run emulator', () => {
  it('prints its URL and credentials, serves the fixture, and exits cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/emulator/cli.ts',
        '--port',
        '0',
        '--fixture',
        FIXTURE,
        '--app-secret',
        'cli-secret',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match && output.includes('Ctrl-C')) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
      });
      expect(output).toContain('app token   OC|77|cli-secret');
      expect(output).toMatch(/1\s+solo\s+token FRLsolo/);

      const response = await fetch(`${url}/me?fields=alias`, {
        headers: { authorization: 'Bearer FRLsolo' },
      });
      expect(await response.json()).toEqual({ id: '1', alias: 'solo' });

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('runs in strict mode with EMULATOR_STRICT=true and takes a latency profile', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/emulator/cli.ts',
        '--port',
        '0',
        '--fixture',
        FIXTURE,
        '--latency-profile',
        'realistic',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, EMULATOR_STRICT: 'true' } },
    );
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match && output.includes('Ctrl-C')) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
      });
      expect(output).toMatch(/mode\s+strict/);
      expect(output).toMatch(/profile realistic/);
      // A guessed field of GET /{user_id} is refused in strict mode.
      const response = await fetch(`${url}/1?fields=id,display_name`, {
        headers: { authorization: 'Bearer FRLsolo' },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(100);
      child.kill('SIGTERM');
      await once(child, 'exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a bad option with a usage message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', '--latency', 'soon'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('--latency must be a whole number');
  });

  it('refuses an unknown latency profile', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/emulator/cli.ts', '--latency-profile', 'fast'],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('--latency-profile must be one of off, realistic');
  });
});
