import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

const SECRET = 'router-secret-for-tests-0123456789';
// A read without guessed fields: one upstream call against the lenient and the strict emulator.
const QUERY = '{ user(id: "1000000000000001") { entitlements { sku } } }';

describe('router-only access with ROUTER_SECRET', () => {
  let sg: SubgraphHandle;
  beforeAll(async () => {
    sg = await subgraph({ routerSecret: SECRET });
  });
  afterAll(() => sg.close());
  beforeEach(() => sg.emulator.reset());

  it('answers 401 UNAUTHENTICATED without the header and makes no upstream call', async () => {
    const res = await sg.gql(QUERY);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.raw).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('answers 401 for a wrong secret, even one of the right length', async () => {
    const wrong = SECRET.replace(/.$/, 'X');
    const res = await sg.gql(QUERY, {}, { 'router-authorization': wrong });
    expect(res.status).toBe(401);
    expect(res.raw).not.toContain(SECRET);
    expect((await sg.emulator.counts()).total).toBe(0);
  });

  it('serves the router that sends the secret', async () => {
    const res = await sg.gql(QUERY, {}, { 'router-authorization': SECRET });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect((await sg.emulator.counts()).total).toBe(1);
  });

  it('keeps health endpoints open for the orchestrator', async () => {
    expect((await fetch(`${sg.url}/healthz`)).status).toBe(200);
  });
});

describe('without ROUTER_SECRET (local runs)', () => {
  let sg: SubgraphHandle;
  beforeAll(async () => {
    sg = await subgraph();
  });
  afterAll(() => sg.close());

  it('serves anyone and warns once at startup', async () => {
    const res = await sg.gql('{ user(id: "1000000000000001") { id } }');
    await sg.gql('{ user(id: "1000000000000002") { id } }');
    expect(res.status).toBe(200);
    expect(sg.logs.filter((line) => line.includes('ROUTER_SECRET is not set'))).toHaveLength(1);
  });
});
