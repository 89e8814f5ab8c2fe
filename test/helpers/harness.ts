import { Writable } from 'node:stream';
import {
  DEMO_FIXTURE_PATH,
  loadFixture,
  startEmulator,
  type LoadedFixture,
} from '../../src/emulator/index.ts';
import { HorizonClient, type ResilienceOptions } from '../../src/horizon/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.ts';

/** What the emulator's `GET /__emulator/requests` reports. */
export interface RequestCounts {
  total: number;
  byRoute: Record<string, number>;
}

/** An emulator on a loopback port, with helpers for its control endpoints. */
export interface EmulatorHandle {
  url: string;
  app: { id: string; secret: string };
  close(): Promise<void>;
  counts(): Promise<RequestCounts>;
  reset(): Promise<void>;
  fault(fault: Record<string, unknown>): Promise<void>;
}

export async function emulator(options: Parameters<typeof startEmulator>[0] = {}): Promise<EmulatorHandle> {
  const emu = await startEmulator({ port: 0, host: '127.0.0.1', ...options });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__emulator/${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url: emu.url,
    app: emu.app,
    close: () => emu.close(),
    counts: () => control('GET', 'requests') as Promise<RequestCounts>,
    reset: async () => void (await control('POST', 'reset')),
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

/** A client of the given emulator with the fixture's credentials. */
export function clientFor(
  emu: EmulatorHandle,
  options: { timeoutMs?: number; appSecret?: string; resilience?: ResilienceOptions } = {},
): HorizonClient {
  return new HorizonClient({
    baseUrl: emu.url,
    appId: emu.app.id,
    appSecret: options.appSecret ?? emu.app.secret,
    timeoutMs: options.timeoutMs,
    resilience: options.resilience ?? SINGLE_ATTEMPT,
  });
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
    /** Upstream timeout of the subgraph's client (headers, then body), ms; the client's default if unset. */
    timeoutMs?: number;
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
  } = {},
): Promise<SubgraphHandle> {
  const emu = options.upstream ?? (await emulator(options.emulator));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const horizon = clientFor(emu, { timeoutMs: options.timeoutMs, resilience: options.resilience });
  const server = await startServer(
    {
      horizon,
      logger: createLogger('info', sink),
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
    logs,
    async gql(query, variables, headers = {}) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const raw = await res.text();
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
