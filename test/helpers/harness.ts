import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  DEMO_FIXTURE_PATH,
  loadFixture,
  startEmulator,
  type LoadedFixture,
} from '../../src/emulator/index.ts';
import {
  HorizonClient,
  ThrottleCoolDown,
  type CoolDownHooks,
  type ResilienceOptions,
  type SharedFieldRefusals,
  type UpstreamObserver,
} from '../../src/horizon/index.ts';
import { createLogger } from '../../src/logger.ts';
import {
  createObservability,
  type Observability,
  type ObservabilityOptions,
} from '../../src/observability/index.ts';
import { PLANTED_SECRET, transcript } from './planted-secret.ts';
import type { ReadFields } from '../../src/shared/read-fields.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.ts';

/** What the emulator's `GET /__emulator/requests` reports. */
export interface RequestCounts {
  total: number;
  byRoute: Record<string, number>;
}

/** An emulator on a loopback port, with helpers for its control endpoints. */
export interface EmulatorHandle {
  url: string;
  /** Whether it runs in strict mode (see `src/emulator/strict.ts`). */
  strict: boolean;
  app: { id: string; secret: string };
  close(): Promise<void>;
  /** Calls counted since the last `checkpoint()` or `reset()` (routes without calls left out). */
  counts(): Promise<RequestCounts>;
  /** Restores the fixture, zeroes the counters and drops pending faults (rereads the fixture: slow). */
  reset(): Promise<void>;
  /** Zeroes what `counts()` reports without touching the emulator's state (fast). */
  checkpoint(): Promise<void>;
  fault(fault: Record<string, unknown>): Promise<void>;
}

/** `now` minus `base`, route by route; routes without calls in between are left out. */
function countsSince(now: RequestCounts, base: RequestCounts): RequestCounts {
  const byRoute: Record<string, number> = {};
  for (const [route, n] of Object.entries(now.byRoute)) {
    const delta = n - (base.byRoute[route] ?? 0);
    if (delta > 0) byRoute[route] = delta;
  }
  return { total: now.total - base.total, byRoute };
}

/**
 * The emulator mode of this run: `EMULATOR_STRICT=true` runs the suites against the strict emulator
 * (as CI does for integration and federation on Node 24); a test may still ask for one mode.
 */
export const STRICT_RUN = process.env.EMULATOR_STRICT === 'true';

export async function emulator(options: Parameters<typeof startEmulator>[0] = {}): Promise<EmulatorHandle> {
  // Unless a test brings its own fixture, the app secret is the planted one the sentinel looks for.
  const app = options.fixture ? undefined : { secret: PLANTED_SECRET };
  const strict = options.strict ?? STRICT_RUN;
  const emu = await startEmulator({ port: 0, host: '127.0.0.1', app, ...options, strict });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__emulator/${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  const zero: RequestCounts = { total: 0, byRoute: {} };
  let base = zero;
  const raw = () => control('GET', 'requests') as Promise<RequestCounts>;
  return {
    url: emu.url,
    strict,
    app: emu.app,
    close: () => emu.close(),
    counts: async () => countsSince(await raw(), base),
    reset: async () => {
      await control('POST', 'reset');
      base = zero;
    },
    checkpoint: async () => {
      base = await raw();
    },
    fault: async (fault) => void (await control('POST', 'faults', fault)),
  };
}

let demo: LoadedFixture | undefined;

/** The demo fixture (`fixtures/demo.json`) as the emulator reads it, int64 values exact; loaded once. */
export function demoFixture(): LoadedFixture {
  demo ??= loadFixture(DEMO_FIXTURE_PATH);
  return demo;
}

/**
 * Resilience of test clients unless a test asks for its own: no retries, so that a fault injected
 * once is seen once by the tests that are about something else. Resilience tests pass their own
 * options (unset ones then take the client's production defaults).
 */
const SINGLE_ATTEMPT: ResilienceOptions = { retry: { maxAttempts: 1 } };

/** How far each test client's throttling-pause clock was moved ahead (`passThrottlePause`). */
const pauseClocks = new WeakMap<HorizonClient, { skippedMs: number; coolDown: ThrottleCoolDown }>();

/**
 * Ends the client's pause after a throttling answer (`ThrottleCoolDown`) by moving its clock past
 * it, for test files whose tests share one subgraph and inject throttling in some of them.
 */
export function passThrottlePause(client: HorizonClient): void {
  const clock = pauseClocks.get(client);
  if (clock) clock.skippedMs += clock.coolDown.remainingMs();
}

/** A client of the given emulator with the fixture's credentials. */
export function clientFor(
  emu: EmulatorHandle,
  options: {
    timeoutMs?: number;
    writeTimeoutMs?: number;
    appSecret?: string;
    resilience?: ResilienceOptions;
    observer?: UpstreamObserver;
    onUnknownValue?: (field: string, value: string) => void;
    onFieldRefused?: (route: string, field: string) => void;
    coolDownHooks?: CoolDownHooks;
    /** The client's throttling pause; default one on a clock `passThrottlePause` can move. */
    coolDown?: ThrottleCoolDown;
    /** Refused fields shared with other clients (Redis); default: this client only. */
    sharedFieldRefusals?: SharedFieldRefusals;
  } = {},
): HorizonClient {
  const clock = { skippedMs: 0, coolDown: undefined as unknown as ThrottleCoolDown };
  clock.coolDown =
    options.coolDown ??
    new ThrottleCoolDown({ now: () => performance.now() + clock.skippedMs, hooks: options.coolDownHooks });
  const client = new HorizonClient({
    coolDown: clock.coolDown,
    baseUrl: emu.url,
    appId: emu.app.id,
    appSecret: options.appSecret ?? emu.app.secret,
    timeoutMs: options.timeoutMs,
    writeTimeoutMs: options.writeTimeoutMs,
    resilience: options.resilience ?? SINGLE_ATTEMPT,
    observer: options.observer,
    onUnknownValue: options.onUnknownValue,
    onFieldRefused: options.onFieldRefused,
    sharedFieldRefusals: options.sharedFieldRefusals,
  });
  pauseClocks.set(client, clock);
  return client;
}

/** A GraphQL response as the tests read it. */
export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  raw: string;
}

/** The subgraph in front of an emulator, over real HTTP, with collected log lines. */
export interface SubgraphHandle {
  url: string;
  emulator: EmulatorHandle;
  server: RunningServer;
  /** Its Horizon client. */
  horizon: HorizonClient;
  /** Its metrics registry, readiness and the observer its client reports to. */
  observability: Observability;
  logs: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export async function subgraph(
  options: {
    cacheTtlMs?: number;
    batchConcurrency?: number;
    routerSecret?: string;
    /** Upstream read timeout of the subgraph's client (headers and body), ms; the client's default if unset. */
    timeoutMs?: number;
    /** Upstream write timeout of the subgraph's client, ms; the client's default if unset. */
    writeTimeoutMs?: number;
    /** The app secret the subgraph's client sends (a wrong one, to test refused credentials). */
    appSecret?: string;
    /** Retries, breakers and bulkhead of the subgraph's client; no retries if unset (see `clientFor`). */
    resilience?: ResilienceOptions;
    emulator?: Parameters<typeof startEmulator>[0];
    /**
     * An emulator to put this subgraph in front of, instead of starting one (it is not closed with
     * the subgraph): a second subgraph with cold caches over the same upstream and counters.
     */
    upstream?: EmulatorHandle;
    /** Further server options (auth, limits, introspection, ...), passed through as given. */
    server?: Partial<ServerOptions>;
    /** Readiness grace, metric options. */
    observability?: Omit<ObservabilityOptions, 'logger'>;
  } = {},
): Promise<SubgraphHandle> {
  const emu = options.upstream ?? (await emulator(options.emulator));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      transcript.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('info', sink);
  const observability = createObservability({ logger, ...options.observability });
  const horizon = clientFor(emu, {
    timeoutMs: options.timeoutMs,
    writeTimeoutMs: options.writeTimeoutMs,
    appSecret: options.appSecret,
    resilience: options.resilience,
    observer: observability.upstreamObserver,
    onUnknownValue: observability.onUnknownValue,
    onFieldRefused: observability.onFieldRefused,
    coolDownHooks: observability.coolDownHooks,
  });
  const server = await startServer(
    {
      horizon,
      logger,
      observability,
      cacheTtlMs: options.cacheTtlMs ?? 60_000,
      batchConcurrency: options.batchConcurrency ?? 16,
      routerSecret: options.routerSecret,
      ...options.server,
    },
    0,
    '127.0.0.1',
  );
  return {
    url: server.url,
    emulator: emu,
    server,
    horizon,
    observability,
    logs,
    async gql(query, variables, headers = {}) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const raw = await res.text();
      transcript.push(raw);
      const body = JSON.parse(raw);
      return { status: res.status, data: body.data, errors: body.errors, raw };
    },
    async close() {
      await server.close();
      await horizon.close();
      if (!options.upstream) await emu.close();
    },
  };
}

/**
 * The refused calls the next upstream read of each of `reads` will cost `sg` before it answers:
 * in strict mode each guess (optional field) its client has not settled yet is refused once, the
 * first time the route is read in that process (see `FieldRefusals`); in lenient mode, none.
 * Ask before the query: afterwards the route is settled. Zero for a read a cache will answer.
 */
export function refusedProbes(
  sg: Pick<SubgraphHandle, 'emulator' | 'horizon'>,
  ...reads: ReadFields[]
): number {
  if (!sg.emulator.strict) return 0;
  return reads.reduce((n, read) => n + sg.horizon.unsettledFields(read), 0);
}

/**
 * What the subgraph answers for a value that comes only from a guessed upstream field: the value
 * in lenient mode, `null` in strict mode (the field was refused and is left out).
 */
export function guessed<T>(sg: Pick<SubgraphHandle, 'emulator'>, value: T): T | null {
  return sg.emulator.strict ? null : value;
}

/**
 * Whether upstream names progress rows: `User.achievements` joins a row to its achievement only
 * through `definition{api_name}`, a guess that strict mode refuses. Without it the field fails
 * with a reason rather than answering "no progress" (see `getUserAchievements`).
 */
export function progressNamed(sg: Pick<SubgraphHandle, 'emulator'>): boolean {
  return !sg.emulator.strict;
}

/**
 * Asserts what a caller gets for progress upstream did not name: at each of `paths`, in any order,
 * and nowhere else, one non-retryable UPSTREAM_ERROR that says the rows came without their achievement.
 */
export function expectUnnamedProgress(
  res: Pick<GqlResponse, 'errors' | 'raw'>,
  paths: (string | number)[][],
): void {
  const errors = res.errors ?? [];
  const key = (path: unknown) => JSON.stringify(path);
  expect(errors.map((e) => key(e.path)).sort(), res.raw).toEqual(paths.map(key).sort());
  for (const error of errors) {
    expect(error.message).toMatch(/progress rows came without the achievement they belong to/);
    expect(error.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: false,
      upstream: { endpoint: 'GET /{user_id}/achievements' },
    });
  }
}

/**
 * One subgraph shared by the tests of a file: started before them, closed after them, and its
 * upstream counters checkpointed before each test, so each test sees the calls it made (a test
 * that writes restores the fixture itself with `emulator.reset()`). The handle is usable from
 * inside tests and hooks, once the subgraph has started.
 */
export function sharedSubgraph(options?: Parameters<typeof subgraph>[0]): SubgraphHandle {
  let handle: SubgraphHandle | undefined;
  beforeAll(async () => {
    handle = await subgraph(options);
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach(async () => {
    await handle!.emulator.checkpoint();
  });
  return new Proxy({} as SubgraphHandle, {
    get(_target, property) {
      if (!handle) throw new Error('sharedSubgraph: used before its beforeAll hook ran');
      return Reflect.get(handle, property);
    },
  });
}
