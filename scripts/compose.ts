/**
 * `npm run compose [-- name=path.graphql ...]`: composes our subgraph's SDL with the others into a
 * supergraph, as a gateway would. Prints the supergraph SDL on success; prints every composition
 * error and exits 1 otherwise. Without arguments it composes `schema.graphql` with the test-only
 * accounts subgraph (`test/federation/accounts.graphql`): our schema check against a supergraph.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const DEFAULT_SUBGRAPHS = ['horizon=schema.graphql', 'accounts=test/federation/accounts.graphql'];

const specs = process.argv.slice(2).filter((arg) => arg !== '--');
const subgraphs = (specs.length ? specs : DEFAULT_SUBGRAPHS).map((spec) => {
  const [name, path] = spec.split('=');
  if (!name || !path) {
    console.error(`compose: expected name=path.graphql, got '${spec}'`);
    process.exit(2);
  }
  return { name, url: `http://${name}.invalid/graphql`, typeDefs: parse(readFileSync(path, 'utf8')) };
});

const result = composeServices(subgraphs);
if (result.errors) {
  console.error(`Composition failed with ${result.errors.length} error(s):`);
  for (const error of result.errors) console.error(`- ${error.message}`);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
console.error(`Composed ${subgraphs.map((s) => s.name).join(' + ')}: ok`);
