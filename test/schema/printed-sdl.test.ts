import { printSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.ts';

describe('the public contract', () => {
  it('prints the same SDL as the committed snapshot (update it deliberately with `vitest -u`)', async () => {
    await expect(printSubgraphSchema(buildSchema())).toMatchFileSnapshot(
      './__snapshots__/schema.printed.graphql',
    );
  });
});
