import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcript } from '../helpers/planted-secret.ts';

// `npm run example:supergraph` as a newcomer runs it: our subgraph with its default configuration
// (the served SDL without the security directives) and the embedded emulator, an accounts
// subgraph, and @apollo/gateway composing both from their running SDL. Ports are ephemeral here.

const ROUTER_SECRET = 'router-secret-of-the-example-test';
const SCRIPT = 'examples/supergraph/gateway.ts';
const output: string[] = [];
let child: ChildProcess;
let gatewayUrl = '';
let horizonUrl = '';

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    ACCOUNTS_PORT: '0',
    GATEWAY_PORT: '0',
    ROUTER_SECRET,
  };
  for (const name of Object.keys(env)) {
    if (/^(HORIZON_|AUTH_|FEDERATION_)/.test(name)) delete env[name];
  }
  child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      transcript.push(line);
      horizonUrl ||= /^horizon subgraph: (\S+)/.exec(line)?.[1] ?? '';
      const ready = /^gateway ready at (\S+)/.exec(line);
      if (ready) {
        gatewayUrl = ready[1]!;
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output.join('\n')}`)));
  });
}, 90_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const raw = await res.text();
  transcript.push(raw);
  return {
    status: res.status,
    body: JSON.parse(raw) as { data?: Record<string, unknown>; errors?: unknown[] },
  };
}

describe('npm run example:supergraph', () => {
  it('is the npm script', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['example:supergraph']).toBe(`tsx ${SCRIPT}`);
  });

  it('serves the default SDL, which @apollo/gateway composes: no security directives', async () => {
    const { body } = await post(horizonUrl, '{ _service { sdl } }', {
      'router-authorization': ROUTER_SECRET,
    });
    const sdl = (body.data?._service as { sdl: string }).sdl;
    expect(sdl).toContain('type User');
    expect(sdl).not.toMatch(/@requiresScopes|@authenticated/);
  });

  it('answers a query across both subgraphs through the gateway', async () => {
    const { body } = await post(
      gatewayUrl,
      '{ accounts { id name alias leaderboardEntry(leaderboard: "GLOBAL_HIGH_SCORE") { rank } achievements { apiName } } }',
    );
    expect(body.errors).toBeUndefined();
    const rows = body.data!.accounts as {
      id: string;
      name: string;
      alias: string;
      achievements: unknown[];
    }[];
    expect(rows.find((row) => row.id === '1000000000000001')).toMatchObject({
      name: 'Nova Drift',
      alias: 'NovaDrift',
      leaderboardEntry: { rank: 2 },
    });
    expect(rows).toHaveLength(5);
    expect(rows[0]!.achievements.length).toBeGreaterThan(0);
  });

  it('sends the router secret: the subgraph refuses callers without it', async () => {
    expect((await post(horizonUrl, '{ __typename }')).status).toBe(401);
  });

  it('stops on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
