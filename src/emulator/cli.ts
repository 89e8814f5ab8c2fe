/**
 * `npm run emulator -- [--port 8787] [--host 127.0.0.1] [--fixture PATH] [--latency MS]
 *  [--latency-profile off|realistic] [--strict] [--app-id ID] [--app-secret SECRET] [--int64-as-numbers]
 *  [--generate players=N,entries=N]`
 *
 * Runs the emulator until SIGINT/SIGTERM and prints what is needed to call it. `EMULATOR_STRICT`
 * and `EMULATOR_LATENCY_PROFILE` set the defaults of `--strict` and `--latency-profile`.
 */
import { parseArgs } from 'node:util';
import {
  DEMO_FIXTURE_PATH,
  emulatorModeFromEnv,
  LATENCY_PROFILES,
  loadFixture,
  parseGenerateOption,
  startEmulator,
  type GenerateOptions,
  type LatencyProfile,
} from './index.ts';
import { webhookOptionsFrom, type EmulatorWebhookOptions } from './webhooks.ts';

const USAGE = `Usage: npm run emulator -- [options]
  --port N             port to listen on (default 8787; 0 = any free port)
  --host HOST          interface to listen on (default 127.0.0.1)
  --fixture PATH       fixture JSON file (default fixtures/demo.json)
  --latency MS         fixed delay added to every API response (default 0)
  --latency-profile P  per-route delay on top: off (default) or realistic (writes 3-4 s,
                       reads 100-300 ms); default from EMULATOR_LATENCY_PROFILE
  --strict             answer like the real API where the default is lenient (refuse guessed
                       fields, string user_ids, broken next, 403 throttling, >5 DELETEs);
                       also EMULATOR_STRICT=true
  --app-id ID          app id instead of the fixture's
  --app-secret SECRET  app secret instead of the fixture's
  --int64-as-numbers   write int64 values as JSON numbers instead of strings
  --generate SPEC      add generated data on top of the fixture, the same on every start:
                       players=N,entries=N[,leaderboard=NAME][,seed=N] (a board GENERATED_BOARD
                       of N entries; N players with achievements, purchases, subscriptions)
  --webhook-url URL    deliver Meta's IAP webhook there (purchases via POST /__emulator/purchases,
                       refunds, consumptions, cancellations); also EMULATOR_WEBHOOK_URL
  --webhook-secret S   its signing key (default the app secret); also EMULATOR_WEBHOOK_SECRET
  --webhook-time-scale F  compress the retry schedule (36 h), e.g. 0.001; also EMULATOR_WEBHOOK_TIME_SCALE
  --help               show this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      fixture: { type: 'string', default: DEMO_FIXTURE_PATH },
      latency: { type: 'string', default: '0' },
      'latency-profile': { type: 'string' },
      strict: { type: 'boolean' },
      'app-id': { type: 'string' },
      'app-secret': { type: 'string' },
      'int64-as-numbers': { type: 'boolean', default: false },
      generate: { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-time-scale': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = wholeNumber('--port', values.port, 65_535);
  const latencyMs = wholeNumber('--latency', values.latency, 600_000);
  let fromEnv: ReturnType<typeof emulatorModeFromEnv>;
  try {
    fromEnv = emulatorModeFromEnv();
  } catch (error) {
    fail((error as Error).message);
  }
  const profileFlag = values['latency-profile'];
  if (profileFlag !== undefined && !(LATENCY_PROFILES as readonly string[]).includes(profileFlag))
    fail(`--latency-profile must be one of ${LATENCY_PROFILES.join(', ')}`);
  const latencyProfile = (profileFlag as LatencyProfile | undefined) ?? fromEnv.latencyProfile ?? 'off';
  const strict = values.strict ?? fromEnv.strict ?? false;
  if (values['app-id'] !== undefined && !/^\d+$/.test(values['app-id']))
    fail('--app-id must be a numeric id');
  let generate: GenerateOptions | undefined;
  try {
    generate = values.generate === undefined ? undefined : parseGenerateOption(values.generate);
  } catch (error) {
    fail(`--generate: ${(error as Error).message}`);
  }

  let webhook: EmulatorWebhookOptions | undefined;
  try {
    webhook = webhookOptionsFrom({
      url: values['webhook-url'],
      secret: values['webhook-secret'],
      timeScale: values['webhook-time-scale'],
    });
  } catch (error) {
    fail((error as Error).message);
  }

  // Read once here to print sample users; the emulator itself keeps the path so that a reset rereads the file.
  const fixture = loadFixture(values.fixture);
  const emulator = await startEmulator({
    port,
    host: values.host,
    fixture: values.fixture,
    app: { id: values['app-id'], secret: values['app-secret'] },
    latencyMs,
    latencyProfile,
    strict,
    int64AsString: !values['int64-as-numbers'],
    generate,
    webhook,
  });
  const appToken = `OC|${emulator.app.id}|${emulator.app.secret}`;
  const samples = fixture.users.filter((u) => u.id !== undefined && u.access_token !== undefined).slice(0, 3);
  console.log(
    [
      `Horizon S2S emulator listening on ${emulator.url}`,
      `  fixture     ${values.fixture}`,
      `  mode        ${strict ? 'strict (answers like the real API; see src/emulator/README.md)' : 'lenient (default)'}`,
      `  latency     ${latencyMs} ms + profile ${latencyProfile}`,
      webhook ? `  webhook     ${webhook.url} (signed, retried on non-2xx)` : undefined,
      generate ? `  generated   ${values.generate}` : undefined,
      `  app id      ${emulator.app.id}`,
      `  app secret  ${emulator.app.secret}`,
      `  app token   ${appToken}`,
      '',
      'Users to try:',
      ...samples.map((u) => `  ${u.id}  ${(u.alias ?? '').padEnd(16)} token ${u.access_token}`),
      '',
      'Try:',
      `  curl -H 'Authorization: Bearer ${appToken}' '${emulator.url}/${emulator.app.id}/leaderboards?fields=api_name,entry_count'`,
      samples[0]
        ? `  curl -H 'Authorization: Bearer ${samples[0].access_token}' '${emulator.url}/me?fields=id,alias'`
        : undefined,
      `  curl '${emulator.url}/__emulator/requests'`,
      '',
      'Ctrl-C to stop.',
    ]
      .filter((line) => line !== undefined)
      .join('\n'),
  );

  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the emulator`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function wholeNumber(flag: string, value: string, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(parsed <= max)) fail(`${flag} must be a whole number from 0 to ${max}`);
  return parsed;
}

function fail(message: string): never {
  console.error(`emulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
