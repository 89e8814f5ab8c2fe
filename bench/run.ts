/**
 * `npm run bench -- [--quick] [--scenarios S1,S2,S3,S4,S5] [--profile] [--peers]
 *   [--upstream replay|emulator] [--candidate DIR] [--candidate-env K=V,…] [--node-flags "…"]`
 *
 * Measures the subgraph against the physical floor, a plain passthrough, a bare Apollo subgraph
 * (the CPU target's reference), a naive Apollo subgraph and, with `--peers`, the peers installed,
 * side by side, each in a process of its own; and an idempotent write with the in-memory store
 * against the same write with the Redis store (S5). Writes `bench/results/latest.json` and
 * `bench/results/latest.md` and prints the Markdown. See `bench/README.md`.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { Child, decidePinning } from './lib/children.ts';
import { EmulatorControl } from './lib/emulator-control.ts';
import { idempotentWriteWorkload, WRITE_MINIMUM_CALLS, WRITE_SCOPE } from './lib/idempotent-write.ts';
import { runScenario, type ScenarioResult, type ScenarioSpec } from './lib/measure.ts';
import { parkedHeap, type MemoryResult } from './lib/memory.ts';
import {
  checkTailcallEntries,
  findTailcall,
  TAILCALL_INSTALL,
  TailcallServer,
  tailcallWorkload,
} from './lib/peers.ts';
import { startBenchRedis } from './lib/redis.ts';
import { webhookBurst, type WebhookBurstResult } from './lib/webhook-burst.ts';
import { exportScenario, type ExportResult } from './lib/export-scenario.ts';
import { checkTargets, renderMarkdown, type BenchResults, type IdempotentWriteInfo } from './lib/report.ts';
import { floorVariant, httpVariant, type Variant } from './lib/variants.ts';
import { loadConfig } from '../src/config.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string', default: 'S1,S2,S3,S4,S5,S6,S7' },
    profile: { type: 'boolean', default: false },
    /** Also measure the peers found installed (Tailcall); installs nothing. */
    peers: { type: 'boolean', default: false },
    /** Upstream of S1–S4: `replay` (the emulator's answers replayed, cheap) or `emulator`. */
    upstream: { type: 'string', default: 'replay' },
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
if (values.upstream !== 'replay' && values.upstream !== 'emulator')
  throw new Error('--upstream: replay or emulator');
const readsUpstream = values.upstream;
const wanted = new Set(values.scenarios.toUpperCase().split(','));

/** Rounds and durations: the full run takes about 5 minutes on 2 cores (S5 about 35 s), `--quick` one. */
const PLAN = quick
  ? {
      s1: { repeats: 1, durationMs: 1000, warmupMs: 200 },
      s2: { repeats: 1, durationMs: 800, warmupMs: 200 },
      s3: { repeats: 1, durationMs: 500, warmupMs: 0 },
      s5: { repeats: 1, durationMs: 800, warmupMs: 200 },
      parkMs: 1500,
      s6: { deliveries: 200, warmup: 100, concurrency: 50 },
      s7: { entries: 10_000, rounds: 1 },
    }
  : {
      s1: { repeats: 5, durationMs: 3000, warmupMs: 1000 },
      s2: { repeats: 5, durationMs: 2500, warmupMs: 1000 },
      s3: { repeats: 3, durationMs: 1500, warmupMs: 400 },
      s5: { repeats: 5, durationMs: 2500, warmupMs: 1000 },
      parkMs: 3000,
      s6: { deliveries: 2000, warmup: 2000, concurrency: 50 },
      s7: { entries: 100_000, rounds: 3 },
    };
const SWEEP = [1, 10, 50, 100];
const PARKED = [50, 200];

const RESULTS = new URL('./results/', import.meta.url);
const PROFILES = new URL('profiles/', RESULTS);
/** The variants `--profile` profiles in the read scenarios. */
const PROFILED: ReadonlySet<string> = new Set(['subgraph', 'bare-apollo']);
const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SERVER_FLAGS = ['--expose-gc'];
/**
 * The Node flags `npm start` runs the subgraph with (package.json), so the bench measures the
 * same; the Node references (floor, passthrough, bare Apollo, naive) get them too, so that a flag
 * is never the difference between two variants.
 */
const START_FLAGS = startFlags();
const REFERENCE_FLAGS = [...SERVER_FLAGS, ...START_FLAGS];
/**
 * The pool of the floor, the passthrough, the bare Apollo subgraph and Tailcall: the subgraph's
 * own `HORIZON_MAX_CONNECTIONS` (from this environment, as the subgraph reads it).
 */
const POOL_CONNECTIONS = loadConfig().maxConnections;
/** As deployed: graphql-js and Express skip their development-only checks. */
const SERVER_ENV = { NODE_ENV: 'production' };

const ROUTER_SECRET = 'bench-router-secret-0123456789';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
/**
 * What the router sends the subgraph in production: its shared secret and the caller's JWT. The
 * token lives 1 h, the most the subgraph accepts by default (AUTH_MAX_TOKEN_AGE_SECONDS): a longer
 * one is refused, which public reads do not notice but costs a signature check on every request.
 */
const routerHeaders = async (scope: string) => ({
  'router-authorization': ROUTER_SECRET,
  authorization: `Bearer ${await new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET))}`,
});
const SUBGRAPH_HEADERS = await routerHeaders('players:read');
/** S6 reads the event log back: a caller with the purchases scope. */
const EVENTS_HEADERS = await routerHeaders('horizon:purchases:read');
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
/** S5's caller: may write achievements. */
const WRITE_HEADERS = await routerHeaders(WRITE_SCOPE);

/**
 * S4 parks up to 200 requests of 20 players: up to 3,400 upstream calls waiting, more than the
 * default bulkhead queues (it sheds the rest as RATE_LIMITED, which is what it is for), and for
 * longer than the default upstream timeout (which would fail them, and then open the breaker), and on
 * a loaded machine for longer than the default operation deadline (20 s).
 * The heap is measured on a subgraph whose queue holds them all and whose timeout outlasts the park.
 */
const S4_ENV = {
  HORIZON_MAX_QUEUED_CALLS: '100000',
  HORIZON_TIMEOUT_MS: '30000',
  REQUEST_DEADLINE_MS: '60000',
};

/**
 * S5: one write per request at 0 ms upstream and 1 connection, so that p50 is one write's latency
 * (a Redis round trip shows in it) and the subgraph's CPU is the write's own. Its two subgraphs
 * differ in `REDIS_URL` only; the in-memory one has it removed even if the runner's environment
 * sets it.
 */
const S5_LATENCY_MS = 0;

const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
const loadAverage = os.loadavg();
const cpus = os.availableParallelism();
const pinning = decidePinning(cpus);
log(`bench (${quick ? 'quick' : 'full'}): ${pinning.description}`);

/** The latencies of the upstreams behind the read scenarios (S1–S4); S5 needs one of its own. */
const latencies: number[] = [];
if (wanted.has('S1') || wanted.has('S3') || wanted.has('S4')) latencies.push(20);
if (wanted.has('S2')) latencies.push(0);
const emulatorLatencies = [
  ...new Set([...latencies, ...(wanted.has('S5') || wanted.has('S6') ? [S5_LATENCY_MS] : [])]),
];
const emulatorChild = await Child.start('emulator', script('emulator-process.ts'), {
  args: [
    '--latencies',
    (emulatorLatencies.length ? emulatorLatencies : [0]).join(','),
    ...(wanted.has('S7') ? ['--export-entries', String(PLAN.s7.entries)] : []),
  ],
  cpus: pinning.others,
});
const app = {
  id: String(emulatorChild.ready.info!.appId),
  secret: String(emulatorChild.ready.info!.appSecret),
};
/** The emulator, or the replay of its answers in front of it (same process, same latency). */
type UpstreamKind = 'emulator' | 'replay';
const upstreamUrl = (kind: UpstreamKind, latencyMs: number) =>
  emulatorChild.ready.urls[`${kind}-${latencyMs}`]!;
const upstream = (kind: UpstreamKind, latencyMs: number) => ({
  control: new EmulatorControl(upstreamUrl(kind, latencyMs)),
  child: emulatorChild,
  name: kind,
});
const tailcallBinary = values.peers ? findTailcall() : undefined;

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

/** The variants of the read scenarios in front of the upstream with `latencyMs`. */
async function variantsFor(latencyMs: number): Promise<Variant[]> {
  const url = upstreamUrl(readsUpstream, latencyMs);
  const upstreamArgs = ['--upstream', url, '--app-id', app.id, '--app-secret', app.secret];
  const server = {
    args: [...upstreamArgs, '--connections', String(POOL_CONNECTIONS)],
    cpus: pinning.servers,
    nodeFlags: REFERENCE_FLAGS,
    env: SERVER_ENV,
  };
  const [floor, passthrough, subgraph, candidate, bare, naive, tailcall] = await Promise.all([
    Child.start('floor', script('floor-process.ts'), server),
    Child.start('passthrough', script('passthrough-process.ts'), server),
    startSubgraph(url),
    values.candidate ? startSubgraph(url, candidateEnv, values.candidate) : undefined,
    Child.start('bare-apollo', script('bare-apollo/server.ts'), server),
    Child.start('naive', script('naive/server.ts'), { ...server, args: upstreamArgs }),
    tailcallBinary
      ? TailcallServer.start({
          binary: tailcallBinary,
          upstream: url,
          token: `OC|${app.id}|${app.secret}`,
          connections: POOL_CONNECTIONS,
          cpus: pinning.servers,
        })
      : undefined,
  ]);
  return [
    floorVariant(floor),
    httpVariant('passthrough', passthrough, '/'),
    httpVariant('subgraph', subgraph, '/graphql', SUBGRAPH_HEADERS),
    ...(candidate ? [httpVariant('candidate', candidate, '/graphql', SUBGRAPH_HEADERS)] : []),
    httpVariant('bare-apollo', bare, '/'),
    httpVariant('naive', naive, '/'),
    ...(tailcall ? [httpVariant('tailcall', tailcall, '/graphql', {}, tailcallWorkload)] : []),
  ];
}

/**
 * S5's two subgraphs: the in-memory idempotency store and the Redis store, on a redis-server of
 * the bench's own (pinned with the emulator). Without redis-server, the in-memory one only.
 */
async function idempotentWriteVariants(): Promise<{
  variants: Variant[];
  redis?: Awaited<ReturnType<typeof startBenchRedis>>;
}> {
  const url = upstreamUrl('emulator', S5_LATENCY_MS);
  const workload = idempotentWriteWorkload(`bench-${process.pid}-${started}`);
  const [redis, inMemory] = await Promise.all([
    startBenchRedis(pinning.others),
    startSubgraph(url, { REDIS_URL: undefined }),
  ]);
  const variants = [httpVariant('subgraph', inMemory, '/graphql', WRITE_HEADERS, workload)];
  if ('url' in redis) {
    const shared = await startSubgraph(url, { REDIS_URL: redis.url });
    variants.push(httpVariant('subgraph-redis', shared, '/graphql', WRITE_HEADERS, workload));
  }
  return { variants, redis };
}

const [sets, memorySubgraph, s5, webhookSubgraph, exporter] = await Promise.all([
  Promise.all(latencies.map(async (ms) => [ms, await variantsFor(ms)] as const)).then(
    (pairs) => new Map(pairs),
  ),
  wanted.has('S4') ? startSubgraph(upstreamUrl(readsUpstream, 20), S4_ENV) : undefined,
  wanted.has('S5') ? idempotentWriteVariants() : undefined,
  // S6: the webhook intake on, the in-memory event log at its default bound; no upstream call.
  wanted.has('S6')
    ? startSubgraph(upstreamUrl('emulator', S5_LATENCY_MS), {
        HORIZON_WEBHOOK_VERIFY_TOKEN: 'bench-verify-token',
        HORIZON_WEBHOOK_SECRET: WEBHOOK_SECRET,
        REDIS_URL: undefined,
      })
    : undefined,
  // S7: the export and its floor, in a process of their own, uncapped (EXPORT_MAX_RATE at its maximum).
  wanted.has('S7')
    ? Child.start('export', script('export-process.ts'), {
        args: ['--leaderboard', 'GENERATED_BOARD'],
        cpus: pinning.servers,
        nodeFlags: REFERENCE_FLAGS,
        env: {
          ...SERVER_ENV,
          HORIZON_APP_ID: app.id,
          HORIZON_APP_SECRET: app.secret,
          HORIZON_GRAPH_URL: emulatorChild.ready.urls['export-20'],
          EXPORT_MAX_RATE: '10000',
          // No callers here (as `npm run export` without auth settings).
          AUTH_DISABLED: 'true',
          HORIZON_RATE_LIMIT: undefined,
          REDIS_URL: undefined,
        },
      })
    : undefined,
]);
const anySubgraph =
  [...sets.values()].flat().find((v) => v.name === 'subgraph')?.child ??
  memorySubgraph ??
  s5?.variants[0]?.child;
const benchRedis = s5?.redis && 'url' in s5.redis ? s5.redis : undefined;
log(`processes ready${s5 && !benchRedis ? ` (S5: Redis store skipped, ${skippedReason()})` : ''}`);
const peers = values.peers ? await peersNote() : undefined;
if (peers) log(`peers: ${peers}`);

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
let idempotentWrite: IdempotentWriteInfo | undefined;
let webhook: WebhookBurstResult | undefined;
let exported: ExportResult | undefined;
try {
  for (const spec of specs) {
    log(`${spec.id}: ${spec.title}`);
    const variants = sets.get(spec.latencyMs)!;
    // The subgraph, and the bare Apollo subgraph beside it, so the two profiles can be compared.
    const profiled = values.profile
      ? variants
          .filter((v) => PROFILED.has(v.name) && v.child)
          .map((v) => ({ name: v.name, child: v.child! }))
      : [];
    const result = await runScenario(spec, variants, upstream(readsUpstream, spec.latencyMs), log, {
      beforeRounds: async () => {
        for (const { child } of profiled) await child.profileStart();
      },
      afterRounds: async () => {
        for (const { name, child } of profiled) await saveProfile(child, name, spec.id);
      },
    });
    scenarios.push(result);
  }
  if (memorySubgraph) {
    const subgraph = httpVariant('subgraph', memorySubgraph, '/graphql', SUBGRAPH_HEADERS);
    const others = sets
      .get(20)!
      .filter((v) => v.name === 'passthrough' || v.name === 'bare-apollo' || v.name === 'naive');
    // The workload's 20 players for every variant; one player for the subgraph too, which
    // separates what a request costs from what each of its upstream calls costs.
    const cases = quick
      ? [{ variant: subgraph, n: 20 }]
      : [...[subgraph, ...others].map((variant) => ({ variant, n: 20 })), { variant: subgraph, n: 1 }];
    for (const { variant, n } of cases) {
      for (const parked of PARKED) {
        const result = await parkedHeap(variant, upstream(readsUpstream, 20).control, {
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
  if (s5) {
    const spec: ScenarioSpec = {
      id: 'S5',
      title: `addAchievementCount, fresh idempotencyKey per request, ${S5_LATENCY_MS} ms, 1 conn`,
      latencyMs: S5_LATENCY_MS,
      connections: 1,
      n: 1,
      apiMinimumCalls: WRITE_MINIMUM_CALLS,
      ...PLAN.s5,
    };
    log(`${spec.id}: ${spec.title}`);
    // The Redis store connects in the background, and the first write reads the definitions:
    // one good write each before the probes, so that they count the write's calls only.
    for (const variant of s5.variants) await firstGoodWrite(variant);
    const shared = s5.variants.find((v) => v.name === 'subgraph-redis');
    // redis-server's CPU over the rounds per write of `subgraph-redis` (its idle time included).
    const reading = async () => ({
      cpuMicros: (await benchRedis?.cpuMicros()) ?? Number.NaN,
      handled: (await shared?.stats())?.handled ?? 0,
    });
    let before = { cpuMicros: 0, handled: 0 };
    let redisCpuMsPerRequest: number | undefined;
    const result = await runScenario(spec, s5.variants, upstream('emulator', S5_LATENCY_MS), log, {
      beforeRounds: async () => {
        if (values.profile) for (const v of s5.variants) await v.child?.profileStart();
        before = await reading();
      },
      afterRounds: async () => {
        const after = await reading();
        if (shared)
          redisCpuMsPerRequest =
            (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, after.handled - before.handled);
        if (values.profile) for (const v of s5.variants) await saveProfile(v.child!, v.name, spec.id);
      },
    });
    idempotentWrite = benchRedis
      ? {
          redis: `redis-server ${benchRedis.version}, started by the bench on ${benchRedis.url.slice('redis://'.length)}`,
          redisCpuMsPerRequest,
        }
      : { skipped: skippedReason() };
    scenarios.push(result);
    const r = result.ratios['subgraph-redis/subgraph'];
    if (r)
      log(
        `  S5 Redis/in-memory: p50 ${r.p50.median.toFixed(2)}, CPU/req ${r.cpuMsPerRequest.median.toFixed(2)}; redis-server ${redisCpuMsPerRequest?.toFixed(3)} ms/req`,
      );
  }
  if (webhookSubgraph) {
    log(`S6: ${PLAN.s6.deliveries} signed webhook deliveries, ${PLAN.s6.concurrency} in flight`);
    webhook = await webhookBurst(webhookSubgraph, {
      ...PLAN.s6,
      secret: WEBHOOK_SECRET,
      readHeaders: EVENTS_HEADERS,
    });
    log(
      `  S6: ${webhook.ok}/${webhook.deliveries} answered 200, p50 ${webhook.p50.toFixed(1)} ms, p99 ${webhook.p99.toFixed(1)} ms, ${webhook.deliveriesPerSecond.toFixed(0)}/s, ${webhook.cpuMsPerDelivery.toFixed(2)} ms CPU each; ${webhook.storedAfter - webhook.storedBefore} stored (missing ${webhook.missing})`,
    );
  }
  if (exporter) {
    log(`S7: export of a ${PLAN.s7.entries}-entry leaderboard at 20 ms vs paging it directly`);
    exported = await exportScenario(exporter, new EmulatorControl(emulatorChild.ready.urls['export-20']!), {
      ...PLAN.s7,
      latencyMs: 20,
      log,
    });
  }
} finally {
  await Promise.all([
    webhookSubgraph?.stop(),
    exporter?.stop(),
    ...[...sets.values()].flat().map((v) => v.server.stop()),
    memorySubgraph?.stop(),
    ...(s5?.variants.map((v) => v.server.stop()) ?? []),
  ]);
  await Promise.all([emulatorChild.stop(), benchRedis?.stop()]);
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
  ...(idempotentWrite ? { idempotentWrite } : {}),
  ...(webhook ? { webhook } : {}),
  ...(exported ? { export: exported } : {}),
  references: `floor, passthrough and bare Apollo: undici pool of ${POOL_CONNECTIONS} connections (the subgraph's HORIZON_MAX_CONNECTIONS), every call of a request at once; naive: global \`fetch\`; all in processes of their own, pinned with the subgraph, Node flags \`${REFERENCE_FLAGS.join(' ')}\` as the subgraph's; read scenarios against the ${readsUpstream === 'replay' ? "replay upstream (the emulator's answers recorded on first use and replayed byte for byte, same latency, own counters; S4 forwards to the emulator while its fault holds the calls)" : 'emulator'}, S5 against the emulator`,
  ...(peers ? { peers } : {}),
  targets: checkTargets(scenarios, memory, 'subgraph', webhook, exported),
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

/** Writes the CPU profile of `child` during the rounds of scenario `id`. */
async function saveProfile(child: Child, name: string, id: string): Promise<void> {
  mkdirSync(PROFILES, { recursive: true });
  const path = fileURLToPath(new URL(`${name}-${id.replace(/\W+/g, '-')}.cpuprofile`, PROFILES));
  await child.profileStop(path);
  log(`  profile of ${name} during the rounds: ${path}`);
}

/** `--peers`: what ran and how it answered, or how to install what is missing. */
async function peersNote(): Promise<string> {
  if (!tailcallBinary)
    return `Tailcall not installed (\`${TAILCALL_INSTALL}\`, or TAILCALL_BIN=path; 1.0.0: newer builds need glibc 2.38)`;
  const tailcall = [...sets.values()].flat().find((v) => v.name === 'tailcall');
  const problems = tailcall
    ? (await Promise.all([1, 2, 3].map((seq) => checkTailcallEntries(tailcall.server.url, seq, 20)))).filter(
        (p) => p !== undefined,
      )
    : [];
  return (
    `Tailcall 1.0.0 (${tailcallBinary}): achievements and entries as two root fields joined by the client (its minimum of N + 1 calls); ` +
    `the ids of the USER_IDS call passed as one JSON-array string (a list argument is sent as repeated user_ids, and batchKey batching answers wrong players); no cache, no dedupe; ` +
    `entries belong to the players asked for: ${problems.length ? `NO (${problems[0]})` : 'yes'}`
  );
}

/** Sends S5 writes until one is answered right (10 s at most; the probes then report the rest). */
async function firstGoodWrite(variant: Variant): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await variant.once(1)) !== undefined && Date.now() < deadline) await sleep(100);
}

/** Why S5 has no Redis store. */
function skippedReason(): string {
  return s5?.redis && 'skipped' in s5.redis ? s5.redis.skipped : 'no redis-server';
}

/** The flags between `node` and `--import` in package.json's start script. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('--import')).filter((word) => word.startsWith('--'));
}
