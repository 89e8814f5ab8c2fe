// An emulator (demo data) behind a recording proxy, as a process of its own for the fleet tests:
// prints one JSON line `{ url, app }` once both listen; `GET /__recorded` lists the calls seen.
import { startEmulator } from '../../src/emulator/index.ts';
import { recordingProxy } from './fleet.ts';

const emulator = await startEmulator({ port: 0, host: '127.0.0.1', app: { secret: 'fleet-test-secret' } });
const proxy = await recordingProxy(emulator.url);
process.stdout.write(`${JSON.stringify({ url: proxy.url, app: emulator.app })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([proxy.close(), emulator.close()]).then(() => process.exit(0));
});
