import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startFromConfig, type StartedSubgraph } from '../../src/start-from-config.ts';
import { emulator, type EmulatorHandle } from '../helpers/harness.ts';
import { transcript } from '../helpers/planted-secret.ts';

// Every `curl … 127.0.0.1:4001/graphql` example of the README runs against the demo data, through a
// subgraph configured exactly as `npm start` configures it (defaults, embedded-emulator auth), with
// cold caches; the number of upstream calls it makes must be the one the README states for it in
// the text before the example ("Upstream calls: **N**").

export interface ReadmeExample {
  /** The prose between the previous code block and this one. */
  prose: string;
  body: { query: string; variables?: Record<string, unknown> };
  headers: Record<string, string>;
  /** What the README says the example costs upstream, or undefined when it does not say. */
  statedCalls?: number;
}

/** The README's curl examples against the local subgraph, with the call counts it states. */
export function readmeExamples(readme: string): ReadmeExample[] {
  const examples: ReadmeExample[] = [];
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  let proseStart = 0;
  for (const block of blocks) {
    const prose = readme.slice(proseStart, block.index);
    proseStart = block.index + block[0].length;
    const code = block[2]!;
    if (!code.includes('127.0.0.1:4001/graphql') || !code.includes('curl')) continue;
    const data = /-d '([^']*)'/.exec(code)?.[1];
    if (!data) throw new Error(`README example without a -d '…' body:\n${code}`);
    const headers: Record<string, string> = {};
    for (const [, name, value] of code.matchAll(/-H '([^:']+):\s*([^']*)'/g)) {
      if (name!.toLowerCase() !== 'content-type') headers[name!.toLowerCase()] = value!;
    }
    const stated = [...prose.matchAll(/Upstream calls: \*\*(\d+)\*\*/g)];
    if (stated.length > 1) throw new Error(`README: two call counts before one example:\n${prose}`);
    examples.push({
      prose,
      body: JSON.parse(data) as ReadmeExample['body'],
      headers,
      statedCalls: stated[0] ? Number(stated[0][1]) : undefined,
    });
  }
  return examples;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const examples = readmeExamples(readme);
let upstream: EmulatorHandle;

beforeAll(async () => {
  upstream = await emulator();
});

afterAll(async () => {
  await upstream?.close();
});

/** A subgraph as `npm start` builds it (cold caches), in front of the shared emulator. */
async function startLikeNpmStart(): Promise<StartedSubgraph> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  return startFromConfig(config, {
    baseUrl: upstream.url,
    appId: upstream.app.id,
    appSecret: upstream.app.secret,
  });
}

describe('the README examples', () => {
  it('are there, and each states what it costs upstream', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) expect(example.statedCalls, example.body.query).toBeDefined();
  });

  it.each(examples.map((example) => [example.body.query.slice(0, 90), example] as const))(
    'runs against the demo data with the upstream calls it states: %s',
    async (_name, example) => {
      await upstream.reset();
      const subgraph = await startLikeNpmStart();
      try {
        const res = await fetch(`${subgraph.server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...example.headers },
          body: JSON.stringify(example.body),
        });
        const raw = await res.text();
        transcript.push(raw);
        const body = JSON.parse(raw) as { data?: unknown; errors?: unknown[] };
        expect(res.status).toBe(200);
        expect(body.errors).toBeUndefined();
        expect(body.data).toBeTruthy();
        const counts = await upstream.counts();
        expect(
          counts.total,
          `the README says ${example.statedCalls}; the calls were ${JSON.stringify(counts.byRoute)}`,
        ).toBe(example.statedCalls);
      } finally {
        await subgraph.server.close();
        await subgraph.horizon.close();
      }
    },
  );
});

describe('the README examples test', () => {
  it('reads a stated count and headers, and notices an example without one', () => {
    const sample = [
      'Upstream calls: **7**.',
      '```sh',
      `curl -s http://127.0.0.1:4001/graphql -H 'content-type: application/json' -H 'x-horizon-user-token: T' -d '{"query":"{ a }"}'`,
      '```',
      'No count here.',
      '```sh',
      `curl -s http://127.0.0.1:4001/graphql -d '{"query":"{ b }"}'`,
      '```',
    ].join('\n');
    const [first, second] = readmeExamples(sample);
    expect(first).toMatchObject({
      statedCalls: 7,
      headers: { 'x-horizon-user-token': 'T' },
      body: { query: '{ a }' },
    });
    expect(second!.statedCalls).toBeUndefined();
  });
});
