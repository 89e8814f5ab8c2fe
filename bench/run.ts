/**
 * `npm run bench -- [--quick] [--scenarios S1,S2,S3,S4] [--profile]
 *   [--candidate DIR] [--candidate-env K=V,…] [--node-flags "…"]`
 *
 * Measures the subgraph against the physical floor, a plain passthrough and a naive Apollo
 * subgraph, side by side, with the emulator as upstream. Writes `bench/results/latest.json` and
 * `bench/results/latest.md` and prints the Markdown. See `bench/README.md`.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { Child, decidePinning } from './lib/children.ts';
import { EmulatorControl } from './lib/emulator-control.ts';
import { runScenario, type ScenarioResult, type ScenarioSpec } from './lib/measure.ts';
import { parkedHeap, type MemoryResult } from './lib/memory.ts';
import { checkTargets, renderMarkdown, type BenchResults } from './lib/report.ts';
import { DirectUpstream } from './lib/upstream.ts';
import { floorVariant, httpVariant, type Variant } from './lib/variants.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string', default: 'S1,S2,S3,S4' },
    profile: { type: 'boolean', default: false },
    /** A second checkout whose subgraph runs as the `candidate` variant (A/B of a change). */
    candidate: { type: 'string' },
    /** Environment of the candidate only, e.g. `HORIZON_BATCH_CONCURRENCY=128,…`. */
    'candidate-env': { type: 'string', default: '' },
    /** Node flags for the subgraph and the candidate, e.g. `--max-semi-space-size=32`. */
    'node-flags': { type: 'string', default: '' },
  },
});
const candidateEnv = Object.fromEntries(
  values['candidate-env']
    .split(',')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const subgraphFlags = values['node-flags'].split(' ').filter(Boolean);
const quick = values.quick;
const wanted = new Set(values.scenarios.toUpperCase().split(','));

/** Rounds and durations: the full run fits in 5 minutes on 2 cores, `--quick` in one. */
const PLAN = quick
  ? {
      s1: { repeats: 1, durationMs: 1000, warmupMs: 200 },
      s2: { repeats: 1, durationMs: 800, warmupMs: 200 },
      s3: { repeats: 1, durationMs: 500, warmupMs: 0 },
      parkMs: 1500,
    }
  : {
      s1: { repeats: 5, durationMs: 3000, warmupMs: 1000 },
      s2: { repeats: 5, durationMs: 2500, warmupMs: 1000 },
      s3: { repeats: 3, durationMs: 1500, warmupMs: 400 },
      parkMs: 3000,
    };
const SWEEP = [1, 10, 50, 100];
const PARKED = [50, 200];

const RESULTS = new URL('./results/', import.meta.url);
const PROFILES = new URL('profiles/', RESULTS);
const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SERVER_FLAGS = ['--expose-gc'];
/** The Node flags `npm start` runs the subgraph with (package.json), so the bench measures the same. */
const START_FLAGS = startFlags();
/** As deployed: graphql-js and Express skip their development-only checks. */
const SERVER_ENV = { NODE_ENV: 'production' };

const ROUTER_SECRET = 'bench-router-secret-0123456789';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
/** What the router sends the subgraph in production: its shared secret and the caller's JWT. */
const SUBGRAPH_HEADERS = {
  'router-authorization': ROUTER_SECRET,
  authorization: `Bearer ${await new SignJWT({ scope: 'players:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET))}`,
};

/**
 * S4 parks up to 200 requests of 20 players: up to 3,400 upstream calls waiting, more than the
 * default bulkhead queues (it sheds the rest as RATE_LIMITED, which is what it is for), and for
 * longer than the default upstream timeout (which would fail them, and then open the breaker).
 * The heap is measured on a subgraph whose queue holds them all and whose timeout outlasts the park.
 */
const S4_ENV = { HORIZON_MAX_QUEUED_CALLS: '100000', HORIZON_TIMEOUT_MS: '30000' };

const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
const loadAverage = os.loadavg();
const cpus = os.availableParallelism();
const pinning = decidePinning(cpus);
log(`bench (${quick ? 'quick' : 'full'}): ${pinning.description}`);

const latencies: number[] = [];
if (wanted.has('S1') || wanted.has('S3') || wanted.has('S4')) latencies.push(20);
if (wanted.has('S2')) latencies.push(0);
const emulatorChild = await Child.start('emulator', script('emulator-process.ts'), {
  args: ['--latencies', latencies.join(',')],
  cpus: pinning.others,
});
const app = {
  id: String(emulatorChild.ready.info!.appId),
  secret: String(emulatorChild.ready.info!.appSecret),
};
const emulatorUrl = (latencyMs: number) => emulatorChild.ready.urls[String(latencyMs)]!;
const emulator = (latencyMs: number) => ({
  control: new EmulatorControl(emulatorUrl(latencyMs)),
  child: emulatorChild,
});

/**
 * Our subgraph in front of the emulator at `upstream`, configured like production plus `env`;
 * from the checkout at `root` (default this one).
 */
function startSubgraph(upstream: string, env: NodeJS.ProcessEnv = {}, root?: string): Promise<Child> {
  return Child.start(
    root ? 'candidate' : 'subgraph',
    root ? `${root}/bench/subgraph-process.ts` : script('subgraph-process.ts'),
    {
      cwd: root,
      cpus: pinning.servers,
      nodeFlags: [...SERVER_FLAGS, ...START_FLAGS, ...subgraphFlags],
      env: {
        HORIZON_APP_ID: app.id,
        HORIZON_APP_SECRET: app.secret,
        HORIZON_GRAPH_URL: upstream,
        ROUTER_SECRET,
        AUTH_JWT_SECRET: JWT_SECRET,
        APOLLO_TELEMETRY_DISABLED: '1',
        ...SERVER_ENV,
        ...env,
      },
    },
  );
}

/** The four variants in front of the emulator with `latencyMs`. */
async function variantsFor(latencyMs: number): Promise<Variant[]> {
  const upstream = emulatorUrl(latencyMs);
  const upstreamArgs = ['--upstream', upstream, '--app-id', app.id, '--app-secret', app.secret];
  const server = { args: upstreamArgs, cpus: pinning.servers, nodeFlags: SERVER_FLAGS, env: SERVER_ENV };
  const [passthrough, subgraph, candidate, naive] = await Promise.all([
    Child.start('passthrough', script('passthrough-process.ts'), server),
    startSubgraph(upstream),
    values.candidate ? startSubgraph(upstream, candidateEnv, values.candidate) : undefined,
    Child.start('naive', script('naive/server.ts'), server),
  ]);
  return [
    floorVariant(new DirectUpstream(upstream, app)),
    httpVariant('passthrough', passthrough, '/'),
    httpVariant('subgraph', subgraph, '/graphql', SUBGRAPH_HEADERS),
    ...(candidate ? [httpVariant('candidate', candidate, '/graphql', SUBGRAPH_HEADERS)] : []),
    httpVariant('naive', naive, '/'),
  ];
}

const [sets, memorySubgraph] = await Promise.all([
  Promise.all(latencies.map(async (ms) => [ms, await variantsFor(ms)] as const)).then(
    (pairs) => new Map(pairs),
  ),
  wanted.has('S4') ? startSubgraph(emulatorUrl(20), S4_ENV) : undefined,
]);
const anySubgraph = [...sets.values()].flat().find((v) => v.name === 'subgraph')?.child ?? memorySubgraph;
log('processes ready');

const specs: ScenarioSpec[] = [];
const base = { n: 20 };
if (wanted.has('S1'))
  specs.push({
    id: 'S1',
    title: '20 players, 20 ms, 10 conn',
    latencyMs: 20,
    connections: 10,
    ...base,
    ...PLAN.s1,
  });
if (wanted.has('S2'))
  specs.push({
    id: 'S2',
    title: '20 players, 0 ms, 10 conn',
    latencyMs: 0,
    connections: 10,
    ...base,
    ...PLAN.s2,
  });
if (wanted.has('S3'))
  for (const n of SWEEP)
    specs.push({
      id: `S3 N=${n}`,
      title: `${n} players, 20 ms, 1 conn`,
      latencyMs: 20,
      connections: 1,
      n,
      ...PLAN.s3,
    });

const scenarios: ScenarioResult[] = [];
const memory: MemoryResult[] = [];
try {
  for (const spec of specs) {
    log(`${spec.id}: ${spec.title}`);
    const variants = sets.get(spec.latencyMs)!;
    const profiled = values.profile ? variants.find((v) => v.name === 'subgraph')?.child : undefined;
    const result = await runScenario(spec, variants, emulator(spec.latencyMs), log, {
      beforeRounds: () => profiled?.profileStart(),
      afterRounds: async () => {
        if (!profiled) return;
        mkdirSync(PROFILES, { recursive: true });
        const path = fileURLToPath(new URL(`subgraph-${spec.id.replace(/\W+/g, '-')}.cpuprofile`, PROFILES));
        await profiled.profileStop(path);
        log(`  profile of the subgraph during the rounds: ${path}`);
      },
    });
    scenarios.push(result);
  }
  if (memorySubgraph) {
    const subgraph = httpVariant('subgraph', memorySubgraph, '/graphql', SUBGRAPH_HEADERS);
    const others = sets.get(20)!.filter((v) => v.name === 'passthrough' || v.name === 'naive');
    // The workload's 20 players for every variant; one player for the subgraph too, which
    // separates what a request costs from what each of its upstream calls costs.
    const cases = quick
      ? [{ variant: subgraph, n: 20 }]
      : [...[subgraph, ...others].map((variant) => ({ variant, n: 20 })), { variant: subgraph, n: 1 }];
    for (const { variant, n } of cases) {
      for (const parked of PARKED) {
        const result = await parkedHeap(variant, emulator(20).control, {
          parked,
          n,
          parkMs: PLAN.parkMs,
          path: variant.name === 'subgraph' ? '/graphql' : '/',
          headers: variant.name === 'subgraph' ? SUBGRAPH_HEADERS : {},
          heapProfile: values.profile
            ? (mkdirSync(PROFILES, { recursive: true }),
              fileURLToPath(new URL(`${variant.name}-S4-${parked}x${n}.heapprofile`, PROFILES)))
            : undefined,
        });
        log(
          `S4 ${variant.name}, ${parked} parked × ${n} players: ${(result.heapBytesPerRequest / 1024).toFixed(1)} KB/request (${result.inFlightSeen} in flight${result.failures ? `, ${result.failures} FAILED: ${result.failureSample}` : ''})`,
        );
        memory.push(result);
      }
    }
  }
} finally {
  await Promise.all([...[...sets.values()].flat().map((v) => v.child?.stop()), memorySubgraph?.stop()]);
  await emulatorChild.stop();
}

const results: BenchResults = {
  startedAt: new Date(started).toISOString(),
  mode: quick ? 'quick' : 'full',
  durationS: (Date.now() - started) / 1000,
  machine: {
    cpus,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage,
  },
  pinning: pinning.description,
  subgraphConfig: {
    ...anySubgraph?.ready.info,
    ...(subgraphFlags.length ? { nodeFlags: subgraphFlags.join(' ') } : {}),
    ...(memorySubgraph ? { s4Env: S4_ENV } : {}),
  },
  ...(values.candidate ? { candidate: { dir: values.candidate, env: candidateEnv } } : {}),
  scenarios,
  memory,
  targets: checkTargets(scenarios, memory),
  ...(values.candidate ? { candidateTargets: checkTargets(scenarios, memory, 'candidate') } : {}),
};
const markdown = renderMarkdown(results);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(new URL('latest.json', RESULTS), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(new URL('latest.md', RESULTS), markdown);
process.stdout.write(markdown);

// The probes are sequential single requests: a failure there is a broken variant, not noise.
const broken = scenarios.flatMap((s) =>
  Object.entries(s.probes).flatMap(([name, probe]) =>
    probe.failures.length ? [`${s.id} ${name}: ${probe.failures[0]}`] : [],
  ),
);
if (broken.length) {
  log(`probe requests failed:\n  ${broken.join('\n  ')}`);
  process.exitCode = 1;
}

/** The flags between `node` and `--import` in package.json's start script. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('--import')).filter((word) => word.startsWith('--'));
}
