/**
 * The graph.oculus.com emulator as a library: `startEmulator()` serves the server-to-server API
 * from a fixture over real HTTP, for local runs without Meta credentials and for tests.
 */
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { Control } from './control.ts';
import { loadFixture, parseFixture, type Fixture } from './fixture-schema.ts';
import { LATENCY_PROFILES, parseLatencyProfile, type LatencyProfile } from './latency.ts';
import { Router } from './router.ts';
import { achievementEndpoints } from './routes/achievements.ts';
import { entitlementEndpoints } from './routes/entitlements.ts';
import { leaderboardEndpoints } from './routes/leaderboards.ts';
import { subscriptionEndpoints } from './routes/subscriptions.ts';
import { userEndpoints } from './routes/users.ts';
import { createEmulatorServer, type EmulatorRuntime } from './server.ts';
import { generateInto, type GenerateOptions } from './generate.ts';
import { EmulatorState } from './state.ts';
import { InFlightLimit, STRICT_DELETE_CONCURRENCY } from './strict.ts';
import { WebhookSender, type EmulatorWebhookOptions } from './webhooks.ts';

export { FixtureSchema, loadFixture, type Fixture, type LoadedFixture } from './fixture-schema.ts';
export { LATENCY_PROFILES, type LatencyProfile } from './latency.ts';
export { WEBHOOK_FAULTS, WebhookSender, type EmulatorWebhookOptions, type WebhookFault } from './webhooks.ts';
export { GENERATED_USER_BASE, parseGenerateOption, type GenerateOptions } from './generate.ts';

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
  /**
   * A delay per route on top of `latencyMs`: `realistic` = writes 3–4 s, reads 100–300 ms, drawn
   * per request; default `off`. Control calls are never delayed.
   */
  latencyProfile?: LatencyProfile;
  /**
   * Answer the way public evidence says the real API does where the default mode is lenient:
   * guessed fields refused, `user_ids` as integers only, short whole-board pages with a broken
   * `next`, Facebook-shaped throttling, at most 5 DELETEs at once. Default false (README "Strict mode").
   */
  strict?: boolean;
  /** Write int64 values (`score`, `target`, …) as JSON strings (default) or as bare numbers. */
  int64AsString?: boolean;
  /**
   * Deliver Meta's IAP webhook (`order_status`, `subscription_*`) to `url`, signed with `secret`
   * (default the app secret), for purchases (`POST /__emulator/purchases`), refunds, consumptions
   * and cancellations. Default: no webhook.
   */
  webhook?: EmulatorWebhookOptions;
  /**
   * Big data generated at start (and again on each reset) on top of the fixture: a leaderboard of
   * `entries` entries and `players` players with achievements, purchases and subscriptions.
   * Deterministic: the same options give the same data. Default: nothing generated.
   */
  generate?: GenerateOptions;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The app's credentials; the app access token is `OC|${id}|${secret}`. */
  app: { id: string; secret: string };
  /** The webhook sender, with `options.webhook`. */
  webhooks?: WebhookSender;
  /** Stops listening and drops open connections (stalled requests included). */
  close(): Promise<void>;
}

/**
 * The mode options an environment asks for: `EMULATOR_STRICT` (`true`/`false`) and
 * `EMULATOR_LATENCY_PROFILE` (`off`/`realistic`); unset ones are left out. Throws a `TypeError`
 * naming the variable for any other value. (`EMULATOR_LATENCY_MS` is read by the subgraph's config.)
 */
export function emulatorModeFromEnv(
  env: Record<string, string | undefined> = process.env,
): Pick<EmulatorOptions, 'strict' | 'latencyProfile'> {
  const mode: Pick<EmulatorOptions, 'strict' | 'latencyProfile'> = {};
  const strict = env.EMULATOR_STRICT;
  if (strict !== undefined && strict !== '') {
    if (strict !== 'true' && strict !== 'false') {
      throw new TypeError(`EMULATOR_STRICT must be true or false, not ${JSON.stringify(strict)}`);
    }
    mode.strict = strict === 'true';
  }
  const profile = env.EMULATOR_LATENCY_PROFILE;
  if (profile !== undefined && profile !== '') {
    try {
      mode.latencyProfile = parseLatencyProfile(profile);
    } catch {
      throw new TypeError(
        `EMULATOR_LATENCY_PROFILE must be one of ${LATENCY_PROFILES.join(', ')}, not ${JSON.stringify(profile)}`,
      );
    }
  }
  return mode;
}

/** Starts an emulator; resolves once it listens. Throws if the fixture is invalid. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  if (options.latencyProfile !== undefined) parseLatencyProfile(options.latencyProfile);
  const source = options.fixture ?? DEMO_FIXTURE_PATH;
  const load = () => {
    const parsed =
      typeof source === 'string' ? parseFixture(loadFixture(source), source) : parseFixture(source, 'object');
    const app = { id: options.app?.id ?? parsed.app.id, secret: options.app?.secret ?? parsed.app.secret };
    const built = new EmulatorState({ ...parsed, app });
    if (options.generate) generateInto(built, options.generate);
    return built;
  };
  let state = load();
  const webhooks = options.webhook && new WebhookSender(options.webhook, state.app);
  const runtime: EmulatorRuntime = {
    webhooks,
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
    latencyProfile: options.latencyProfile ?? 'off',
    strict: options.strict ?? false,
    deletes: new InFlightLimit(STRICT_DELETE_CONCURRENCY),
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
    webhooks,
    close: async () => {
      webhooks?.close();
      await shutdown();
    },
  };
}
