import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApolloGateway } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { subgraph } from '../helpers/harness.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'compose-'));

/** `npm run compose -- …`, without npm; resolves with the exit code, stdout and stderr. */
async function compose(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', ...args], {
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

const stderrLines = (stderr: string) => stderr.trim().split('\n');

describe('npm run compose', () => {
  it('composes our schema with the accounts subgraph into a supergraph @apollo/gateway accepts', async () => {
    const { code, stdout } = await compose([]);
    expect(code).toBe(0);
    expect(stdout).toContain('@join__graph(name: "horizon"');
    expect(stdout).toContain('@join__graph(name: "accounts"');
    expect(stdout).toMatch(
      /type User\s+@join__type\(graph: ACCOUNTS, key: "id"\)\s+@join__type\(graph: HORIZON, key: "id"\)/,
    );
    // As the subgraph serves its SDL by default: @apollo/gateway refuses `for: SECURITY` features.
    expect(stdout).not.toMatch(/requiresScopes|authenticated/);
    const gateway = new ApolloGateway({ supergraphSdl: stdout });
    await expect(gateway.load()).resolves.toBeDefined();
    await gateway.stop();
  });

  it('keeps the security directives when asked, for a router that enforces them', async () => {
    const { stdout } = await compose(['--security-directives']);
    expect(stdout).toContain('https://specs.apollo.dev/requiresScopes/v0.1');
  });

  it('sets routing URLs and writes to --out with nothing on stdout', async () => {
    const out = join(dir, 'supergraph.graphql');
    const { code, stdout, stderr } = await compose([
      'horizon=schema.graphql',
      'accounts=test/federation/accounts.graphql',
      '--url',
      'horizon=http://horizon:4001/graphql',
      '--url',
      'accounts=http://accounts:4002/graphql',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderrLines(stderr)).toEqual([`compose: horizon + accounts composed into ${out}`]);
    const supergraph = readFileSync(out, 'utf8');
    expect(supergraph).toContain('HORIZON @join__graph(name: "horizon", url: "http://horizon:4001/graphql")');
    expect(supergraph).toContain(
      'ACCOUNTS @join__graph(name: "accounts", url: "http://accounts:4002/graphql")',
    );
  });

  it('reads a running subgraph from its _service SDL, routing to the URL it was read from', async () => {
    const routerSecret = 'router-secret-for-compose-test';
    const horizon = await subgraph({ routerSecret });
    try {
      const url = `${horizon.url}/graphql`;
      const { code, stdout } = await compose(
        [`horizon=${url}`, 'accounts=test/federation/accounts.graphql'],
        {
          ROUTER_SECRET: routerSecret,
        },
      );
      expect(code).toBe(0);
      expect(stdout).toContain(`HORIZON @join__graph(name: "horizon", url: "${url}")`);
    } finally {
      await horizon.close();
    }
  });

  it('fails with one line for a missing file', async () => {
    const { code, stdout, stderr } = await compose(['horizon=no-such-schema.graphql']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderrLines(stderr)).toEqual([
      'compose: horizon: cannot read no-such-schema.graphql (no such file)',
    ]);
  });

  it('fails with one line per composition error for a conflicting subgraph', async () => {
    const conflicting = join(dir, 'conflicting.graphql');
    // `User.alias` with another type and without @shareable: two errors a gateway would refuse.
    writeFileSync(
      conflicting,
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
       type User @key(fields: "id") { id: ID! alias: Int }
       type Query { other: User }`,
    );
    const { code, stdout, stderr } = await compose([
      'horizon=schema.graphql',
      `other=${conflicting}`,
      '--url',
      'horizon=http://h/graphql',
      '--url',
      'other=http://o/graphql',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderrLines(stderr);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^compose: composition failed: .*User\.alias/);
  });

  it('refuses to write after the banner of `npm run compose > file`', async () => {
    const { code, stderr } = await compose([], { npm_lifecycle_event: 'compose', npm_config_loglevel: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/use --out FILE, or npm run --silent compose/);
  });
});
