import { Trace } from '@apollo/usage-reporting-protobuf';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';

// Federated inline traces (ftv1): the gateway asks with a header, the subgraph answers with a
// base64 protobuf trace in `extensions.ftv1`.

let sg: SubgraphHandle;
beforeAll(async () => {
  sg = await subgraph();
});
afterAll(() => sg.close());
beforeEach(() => sg.emulator.reset());

const FTV1 = { 'apollo-federation-include-trace': 'ftv1' };

function decode(raw: string): Trace {
  const ftv1 = JSON.parse(raw).extensions?.ftv1 as string;
  return Trace.decode(Buffer.from(ftv1, 'base64'));
}

function errorsOf(node: Trace.INode | null | undefined): Trace.IError[] {
  if (!node) return [];
  return [...(node.error ?? []), ...(node.child ?? []).flatMap(errorsOf)];
}

describe('inline traces', () => {
  it('are attached when the gateway asks for ftv1', async () => {
    const res = await sg.gql('{ user(id: "1000000000000001") { alias } }', {}, FTV1);
    const trace = decode(res.raw);
    expect(Number(trace.durationNs)).toBeGreaterThan(0);
    expect(trace.root?.child?.[0]?.responseName).toBe('user');
  });

  it('are absent when not asked for', async () => {
    const res = await sg.gql('{ user(id: "1000000000000001") { alias } }');
    expect(JSON.parse(res.raw).extensions?.ftv1).toBeUndefined();
  });

  it('mask error messages, so a trace reveals no more than the response', async () => {
    await sg.emulator.fault({
      route: 'GET /{user_id}',
      status: 500,
      body: { error: { message: 'internal detail xyz', code: 2 } },
    });
    const res = await sg.gql('{ user(id: "1000000000000001") { alias } }', {}, FTV1);
    const errors = errorsOf(decode(res.raw).root);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.message).toBe('<masked>');
    expect(JSON.stringify(errors)).not.toContain('internal detail xyz');
  });
});
