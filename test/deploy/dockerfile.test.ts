import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, type EmulatorHandle } from '../helpers/harness.ts';
import { transcript } from '../helpers/planted-secret.ts';

// Docker cannot pull images on our machines, so this runs the Dockerfile's own steps without
// Docker: each stage in a fresh folder, its COPY lines copying from this working tree (or from an
// earlier stage), its RUN lines run for real — except that the build stage's full `npm ci` reuses
// this tree's node_modules (same lockfile) and the runtime's `npm ci --omit=dev` installs from
// npm's cache (`--offline`), so nothing reaches a registry. Then the stage's CMD starts the built
// output in production, with credentials, against an emulator; /readyz must turn ready and one
// query must be answered through the router secret and JWT checks. A Dockerfile line this test
// cannot run fails it, so the test cannot silently drift from the Dockerfile.
//
// Slow by nature (an offline install of the production dependencies, a full `tsc` build): one
// file, generous timeouts.

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const ROUTER_SECRET = 'router-secret-for-the-deploy-test';
const JWT_SECRET = 'jwt-secret-for-the-deploy-test-0123456789';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

interface Stage {
  name: string;
  image: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
  healthcheck?: string[];
  stopSignal?: string;
}

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'dockerfile-steps-'));
const stages: Stage[] = [];
let upstream: EmulatorHandle;
let server: ChildProcess | undefined;
let serverExit: Promise<unknown[]> | undefined;
let baseUrl = '';
const logLines: string[] = [];

/** A path inside a stage's filesystem. */
const inStage = (stage: Stage, path: string) => join(stage.root, resolve(stage.workdir, path));

async function runStep(stage: Stage, command: string): Promise<void> {
  const cwd = inStage(stage, '.');
  for (const step of command.split('&&').map((s) => s.trim())) {
    if (/^npm ci\b/.test(step) && step.includes('--omit=dev')) {
      await run('npm', [...step.split(/\s+/).slice(1), '--offline'], {
        cwd,
        timeout: 240_000,
      });
    } else if (/^npm ci\b/.test(step)) {
      // The full install of the build stage: the same lockfile this tree was installed from.
      symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'), 'dir');
    } else if (step === 'npm cache clean --force') {
      // Would empty this machine's npm cache; it only keeps the image small.
    } else if (step === 'npm run build') {
      await run('npm', ['run', 'build'], { cwd, timeout: 240_000 });
    } else {
      throw new Error(
        `dockerfile.test.ts does not know how to run "${step}": teach it, or keep the Dockerfile simple`,
      );
    }
  }
}

function copy(stage: Stage, args: string): void {
  const words = args.split(/\s+/);
  const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
  const dest = words.pop()!;
  const source = from ? stages.find((s) => s.name === from) : undefined;
  if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
  for (const src of words) {
    const origin = source ? inStage(source, src) : join(ROOT, src);
    const target = dest.endsWith('/')
      ? join(inStage(stage, dest), src.split('/').pop()!)
      : inStage(stage, dest);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(origin, target, { recursive: true, dereference: false, verbatimSymlinks: true });
  }
}

beforeAll(async () => {
  const args: Record<string, string> = {};
  for (const { keyword, args: rest } of dockerfile) {
    const stage = stages.at(-1);
    switch (keyword) {
      case 'ARG': {
        const [name, value = ''] = rest.split('=');
        args[name!] = value;
        break;
      }
      case 'FROM': {
        const [image, , name] = rest.split(/\s+/);
        const resolved = image!.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? '');
        const root = join(scratch, name ?? `stage${stages.length}`);
        mkdirSync(root, { recursive: true });
        stages.push({ name: name ?? String(stages.length), image: resolved, root, workdir: '/', env: {} });
        break;
      }
      case 'WORKDIR':
        stage!.workdir = resolve(stage!.workdir, rest);
        mkdirSync(inStage(stage!, '.'), { recursive: true });
        break;
      case 'COPY':
        copy(stage!, rest);
        break;
      case 'RUN':
        await runStep(stage!, rest);
        break;
      case 'ENV': {
        const [name, value = ''] = rest.split('=');
        stage!.env[name!] = value;
        break;
      }
      case 'USER':
        stage!.user = rest;
        break;
      case 'CMD':
        stage!.cmd = JSON.parse(rest) as string[];
        break;
      case 'HEALTHCHECK':
        stage!.healthcheck = JSON.parse(rest.slice(rest.indexOf('CMD ') + 4)) as string[];
        break;
      case 'STOPSIGNAL':
        stage!.stopSignal = rest;
        break;
      case 'EXPOSE':
        break;
      default:
        throw new Error(`dockerfile.test.ts does not know the ${keyword} instruction`);
    }
  }

  const runtime = stages.at(-1)!;
  upstream = await emulator();
  const [command, ...argv] = runtime.cmd!;
  expect(command).toBe('node');
  server = spawn(process.execPath, argv, {
    cwd: inStage(runtime, '.'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      ...runtime.env,
      PORT: '0',
      HOST: '127.0.0.1',
      HORIZON_APP_ID: upstream.app.id,
      HORIZON_APP_SECRET: upstream.app.secret,
      HORIZON_GRAPH_URL: upstream.url,
      AUTH_JWT_SECRET: JWT_SECRET,
      ROUTER_SECRET,
      APOLLO_TELEMETRY_DISABLED: '1',
    },
  });
  serverExit = once(server, 'exit');
  server.stderr!.on('data', (chunk) => logLines.push(String(chunk)));
  baseUrl = await new Promise<string>((resolveUrl, reject) => {
    createInterface({ input: server!.stdout! }).on('line', (line) => {
      logLines.push(line);
      transcript.push(line);
      const record = JSON.parse(line) as { msg?: string; url?: string };
      if (record.msg === 'subgraph ready' && record.url) resolveUrl(record.url.replace(/\/graphql$/, ''));
    });
    server!.once('exit', (code) =>
      reject(new Error(`the built subgraph exited with ${code}:\n${logLines.join('\n')}`)),
    );
  });
}, 600_000);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await upstream?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('runs Node 24 slim, as a non-root user, stopping on SIGTERM', () => {
    const runtime = stages.at(-1)!;
    expect(stages.length).toBeGreaterThan(1);
    expect(runtime.image).toMatch(/^node:24(\.\d+)*-.*slim/);
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user);
    expect(runtime.stopSignal).toBe('SIGTERM');
    expect(runtime.env.NODE_ENV).toBe('production');
  });

  it('installs only production dependencies in the image', () => {
    const modules = inStage(stages.at(-1)!, 'node_modules');
    expect(existsSync(join(modules, '@apollo/subgraph'))).toBe(true);
    expect(existsSync(join(modules, 'vitest'))).toBe(false);
    expect(existsSync(join(modules, 'typescript'))).toBe(false);
  });

  it('keeps node_modules, the build output and secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.env', '.git']) expect(ignored).toContain(entry);
  });

  it('serves: /readyz turns ready and a query is answered from the upstream', async () => {
    await expect.poll(async () => (await fetch(`${baseUrl}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    await upstream.checkpoint();
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'router-authorization': ROUTER_SECRET },
      body: JSON.stringify({ query: '{ user(id: "1000000000000001") { alias achievements { apiName } } }' }),
    });
    const body = (await res.json()) as { data?: { user: { alias: string; achievements: unknown[] } } };
    expect(body.data?.user.alias).toBe('NovaDrift');
    expect(body.data?.user.achievements.length).toBeGreaterThan(0);
    expect((await upstream.counts()).total).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a caller without the router secret (production settings are in force)', async () => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(401);
  });

  it("passes the image's HEALTHCHECK", async () => {
    const [command, ...argv] = stages.at(-1)!.healthcheck!;
    expect(command).toBe('node');
    const port = new URL(baseUrl).port;
    await expect(
      run(process.execPath, argv, { env: { PORT: port }, timeout: 30_000 }),
    ).resolves.toBeDefined();
  });

  it('drains and exits 0 on its stop signal', async () => {
    server!.kill(stages.at(-1)!.stopSignal as NodeJS.Signals);
    const [code] = await serverExit!;
    expect(code).toBe(0);
  }, 60_000);
});
