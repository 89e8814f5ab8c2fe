import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// The breaker state of each upstream route family is a gauge on /metrics.

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph({
    resilience: { retry: { maxAttempts: 1 }, breaker: { threshold: 2, cooldownMs: 60_000 } },
  });
});
afterAll(() => sg.close());

async function circuitLines(): Promise<string[]> {
  const text = await (await fetch(`${sg.url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('horizon_upstream_circuit_state{'));
}

describe('horizon_upstream_circuit_state', () => {
  it('shows every family closed at first', async () => {
    const lines = await circuitLines();
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/ 0$/);
  });

  it('shows a family open after repeated failures, and only that family', async () => {
    await sg.emulator.fault({ route: 'GET /{user_id}/achievements', status: 503, times: 2 });
    for (const id of ['1000000000000001', '1000000000000002']) {
      await sg.gql(`{ user(id: "${id}") { achievements { apiName } } }`);
    }
    const lines = await circuitLines();
    expect(lines).toContain('horizon_upstream_circuit_state{family="achievements"} 2');
    expect(lines).toContain('horizon_upstream_circuit_state{family="leaderboards"} 0');
  });
});
