import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const compose = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', ...args]);

describe('npm run compose', () => {
  it('composes our schema with the accounts subgraph into a supergraph', async () => {
    const { stdout } = await compose();
    expect(stdout).toContain('@join__graph(name: "horizon"');
    expect(stdout).toContain('@join__graph(name: "accounts"');
    expect(stdout).toMatch(
      /type User\s+@join__type\(graph: ACCOUNTS, key: "id"\)\s+@join__type\(graph: HORIZON, key: "id"\)/,
    );
  });

  it('fails with the composition errors for a conflicting subgraph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    const conflicting = join(dir, 'conflicting.graphql');
    // `User.alias` with another type and without @shareable: two errors a gateway would refuse.
    writeFileSync(
      conflicting,
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
       type User @key(fields: "id") { id: ID! alias: Int }
       type Query { other: User }`,
    );
    const failure = await compose('horizon=schema.graphql', `other=${conflicting}`).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/Composition failed/);
    expect(failure?.stderr).toMatch(/User\.alias/);
  });
});
