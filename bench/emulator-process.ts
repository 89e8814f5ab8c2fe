/**
 * The upstream of the benchmark: one emulator per requested latency (`--latencies 20,0`), serving
 * the demo fixture, and in front of each a replay upstream (`lib/replay.ts`: same routes, latency
 * and bytes, a fraction of the CPU), in a process of its own so that it never shares an event
 * loop with what is measured; and for S7 an emulator at 20 ms with a generated board
 * (`--export-entries N`). The counters at `GET /__emulator/requests` (the emulator's, or the
 * replay's own) are the source of truth for upstream calls.
 */
import { startEmulator } from '../src/emulator/index.ts';
import { argument, serveRunner } from './lib/child-side.ts';
import { startReplay } from './lib/replay.ts';

const latencies = argument('latencies', '20')
  .split(',')
  .map((value) => Number(value));
if (latencies.some((ms) => !Number.isInteger(ms) || ms < 0))
  throw new Error('--latencies: whole ms, comma-separated');

const emulators = await Promise.all(
  latencies.map((latencyMs) => startEmulator({ port: 0, host: '127.0.0.1', latencyMs })),
);
const replays = await Promise.all(latencies.map((latencyMs, i) => startReplay(emulators[i]!.url, latencyMs)));
/** S7: an emulator at 20 ms with a generated board of `--export-entries` entries (GENERATED_BOARD). */
const exportEntries = Number(argument('export-entries', '0'));
const exporting =
  exportEntries > 0
    ? await startEmulator({ port: 0, host: '127.0.0.1', latencyMs: 20, generate: { entries: exportEntries } })
    : undefined;
const app = emulators[0]!.app;
serveRunner(
  {
    urls: {
      ...Object.fromEntries(
        latencies.flatMap((ms, i) => [
          [`emulator-${ms}`, emulators[i]!.url],
          [`replay-${ms}`, replays[i]!.url],
        ]),
      ),
      ...(exporting ? { 'export-20': exporting.url } : {}),
    },
    info: { appId: app.id, appSecret: app.secret },
  },
  undefined,
  async () => {
    await Promise.all(replays.map((replay) => replay.close()));
    await Promise.all([...emulators, ...(exporting ? [exporting] : [])].map((emulator) => emulator.close()));
  },
);
