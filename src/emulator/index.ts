/**
 * The graph.oculus.com emulator as a library: `startEmulator()` serves the server-to-server API
 * from a fixture over real HTTP, for local runs without Meta credentials and for tests.
 */
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { Control } from './control.ts';
import { loadFixture, parseFixture, type Fixture } from './fixture-schema.ts';
import { Router } from './router.ts';
import { achievementEndpoints } from './routes/achievements.ts';
import { entitlementEndpoints } from './routes/entitlements.ts';
import { leaderboardEndpoints } from './routes/leaderboards.ts';
import { subscriptionEndpoints } from './routes/subscriptions.ts';
import { userEndpoints } from './routes/users.ts';
import { createEmulatorServer, type EmulatorRuntime } from './server.ts';
import { EmulatorState } from './state.ts';

export { FixtureSchema, loadFixture, type Fixture, type LoadedFixture } from './fixture-schema.ts';

/** The demo fixture shipped with the project, used when no fixture is given. */
export const DEMO_FIXTURE_PATH = fileURLToPath(new URL('../../fixtures/demo.json', import.meta.url));

/** Options of `startEmulator`; every one has a default. */
export interface EmulatorOptions {
  /** TCP port; default 0 (any free port — read the chosen one from `url`). */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** A fixture object or the path of a fixture JSON file; default the demo fixture. */
  fixture?: Fixture | string;
  /** Overrides the fixture's app id and/or secret (the app token is `OC|id|secret`). */
  app?: { id?: string; secret?: string };
  /** Fixed delay added to every API response (not to control calls); default 0. */
  latencyMs?: number;
  /** Write int64 values (`score`, `target`, …) as JSON strings (default) or as bare numbers. */
  int64AsString?: boolean;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The app's credentials; the app access token is `OC|${id}|${secret}`. */
  app: { id: string; secret: string };
  /** Stops listening and drops open connections (stalled requests included). */
  close(): Promise<void>;
}

/** Starts an emulator; resolves once it listens. Throws if the fixture is invalid. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const source = options.fixture ?? DEMO_FIXTURE_PATH;
  const load = () => {
    const parsed =
      typeof source === 'string' ? parseFixture(loadFixture(source), source) : parseFixture(source, 'object');
    const app = { id: options.app?.id ?? parsed.app.id, secret: options.app?.secret ?? parsed.app.secret };
    return new EmulatorState({ ...parsed, app });
  };
  let state = load();
  const runtime: EmulatorRuntime = {
    get state() {
      return state;
    },
    router: new Router([
      ...achievementEndpoints,
      ...entitlementEndpoints,
      ...subscriptionEndpoints,
      ...leaderboardEndpoints,
      ...userEndpoints,
    ]),
    // A reset rereads a fixture file, so edits to it are picked up without a restart.
    control: new Control(() => {
      state = load();
    }),
    latencyMs: options.latencyMs ?? 0,
    output: { int64AsString: options.int64AsString ?? true },
  };
  const { server, shutdown } = createEmulatorServer(runtime);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app: { ...state.app },
    close: shutdown,
  };
}
