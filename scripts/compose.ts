/**
 * `npm run compose -- [name=path-or-url ...] [--url name=URL ...] [--out FILE]`: composes
 * subgraphs into a supergraph, as a gateway would, with `@apollo/composition`.
 *
 * - A subgraph is `name=path.graphql` (its SDL file) or `name=http(s)://host/graphql` (a running
 *   subgraph, whose SDL is read from `{ _service { sdl } }`; `ROUTER_SECRET`, when set, is sent as
 *   `router-authorization`).
 * - `--url name=URL` sets the routing URL the gateway will call for that subgraph; it defaults to
 *   the URL a running subgraph was read from, and to `http://<name>.invalid/graphql` for a file
 *   (a placeholder the gateway cannot reach, with a warning on stderr).
 * - Files are composed as the subgraph serves its SDL by default (`FEDERATION_SECURITY_DIRECTIVES`
 *   unset): without `@requiresScopes`/`@authenticated`, which `@apollo/gateway` refuses.
 *   `--security-directives` keeps them, for a router that enforces them (a GraphOS plan). A running
 *   subgraph's SDL is composed as it serves it.
 * - The supergraph SDL goes to `--out FILE`, or to stdout with nothing else on it. Every problem
 *   (a missing file, an unreachable subgraph, a composition error) is one line on stderr and exit
 *   code 1; bad arguments exit 2.
 *
 * Without subgraphs it composes `schema.graphql` with the test-only accounts subgraph
 * (`test/federation/accounts.graphql`): CI's check that our schema composes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { parse, type DocumentNode } from 'graphql';
import { withoutSecurityDirectives } from '../src/graphql/auth/enforce-scopes.ts';

const DEFAULT_SUBGRAPHS = ['horizon=schema.graphql', 'accounts=test/federation/accounts.graphql'];
const USAGE =
  'usage: npm run compose -- [name=path-or-url ...] [--url name=URL ...] [--out FILE] [--security-directives]';

function fail(message: string, code = 1): never {
  console.error(`compose: ${message.replace(/\s*\n\s*/g, ' ')}`);
  process.exit(code);
}

/** `name=value` → [name, value]. */
function pair(spec: string, what: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) fail(`expected ${what}, got "${spec}"\n${USAGE}`, 2);
  return [spec.slice(0, at), spec.slice(at + 1)];
}

async function sdlFrom(name: string, source: string): Promise<string> {
  if (!/^https?:\/\//.test(source)) {
    try {
      return readFileSync(source, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      fail(`${name}: cannot read ${source} (${code === 'ENOENT' ? 'no such file' : code})`);
    }
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (process.env.ROUTER_SECRET) headers['router-authorization'] = process.env.ROUTER_SECRET;
  let body: { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] };
  try {
    const res = await fetch(source, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) fail(`${name}: ${source} answered HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (error) {
    fail(`${name}: cannot read the SDL from ${source} (${(error as Error).message})`);
  }
  const sdl = body.data?._service?.sdl;
  if (!sdl)
    fail(
      `${name}: ${source} is not a federation subgraph (${body.errors?.[0]?.message ?? 'no _service.sdl'})`,
    );
  return sdl;
}

function commandLine() {
  try {
    return parseArgs({
      args: process.argv.slice(2).filter((arg) => arg !== '--'),
      options: {
        url: { type: 'string', multiple: true },
        out: { type: 'string' },
        'security-directives': { type: 'boolean' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

const args = commandLine();
const out = args.values.out;
// `npm run compose > file` puts npm's own banner on stdout before this script runs: refuse rather
// than leave an unparseable supergraph behind.
if (
  !out &&
  process.env.npm_lifecycle_event === 'compose' &&
  process.env.npm_config_loglevel !== 'silent' &&
  !process.stdout.isTTY
) {
  fail(
    'npm wrote its banner to stdout before the supergraph: use --out FILE, or npm run --silent compose',
    2,
  );
}

const routingUrls = new Map((args.values.url ?? []).map((spec) => pair(spec, 'name=URL')));
const specs = (args.positionals.length ? args.positionals : DEFAULT_SUBGRAPHS).map((spec) =>
  pair(spec, 'name=path-or-url'),
);
for (const name of routingUrls.keys()) {
  if (!specs.some(([subgraph]) => subgraph === name)) fail(`--url ${name}=…: no subgraph named ${name}`, 2);
}

const subgraphs: { name: string; url: string; typeDefs: DocumentNode }[] = [];
for (const [name, source] of specs) {
  const sdl = await sdlFrom(name, source);
  let typeDefs: DocumentNode;
  try {
    typeDefs = parse(sdl);
  } catch (error) {
    fail(`${name}: ${source} is not valid GraphQL SDL (${(error as Error).message})`);
  }
  const running = /^https?:\/\//.test(source);
  if (!running && !args.values['security-directives']) typeDefs = withoutSecurityDirectives(typeDefs);
  let url = routingUrls.get(name) ?? (running ? source : undefined);
  if (!url) {
    url = `http://${name}.invalid/graphql`;
    console.error(`compose: ${name}: no --url ${name}=URL given; its routing URL is the placeholder ${url}`);
  }
  subgraphs.push({ name, url, typeDefs });
}

const result = composeServices(subgraphs);
if (result.errors) {
  for (const error of result.errors)
    console.error(`compose: composition failed: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
  process.exit(1);
}
if (out) writeFileSync(out, result.supergraphSdl);
else process.stdout.write(result.supergraphSdl);
console.error(`compose: ${subgraphs.map((s) => s.name).join(' + ')} composed${out ? ` into ${out}` : ''}`);
