import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { setImmediate as tick } from 'node:timers/promises';
import type { CommandMessage, HeapStats, ReadyMessage, ReplyMessage } from './ipc.ts';

/** Counts the requests a server process receives and answers (for CPU and calls per request). */
export class RequestCounter {
  handled = 0;
  inFlight = 0;

  /** Call for every incoming request. */
  track(_req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      this.handled++;
    });
  }
}

/** What the floor process does on `once` and `load`. */
export interface LoadRunner {
  once(n: number): Promise<string | undefined>;
  load(options: {
    n: number;
    connections: number;
    durationMs: number;
  }): Promise<NonNullable<ReplyMessage['measure']>>;
}

/**
 * The child's half of the IPC protocol: announces `ready`, answers `stats`/`heap`, and on `stop`
 * (or when the runner goes away) runs `stop` and exits, so `--cpu-prof` gets to write its file.
 */
export function serveRunner(
  ready: Omit<ReadyMessage, 'type'>,
  counter: RequestCounter | undefined,
  stop: () => Promise<void>,
  /** The floor process: runs the workload itself (`once`, `load`) instead of serving it. */
  load?: LoadRunner,
  /** Named tasks the runner may start (`task`), each answering what it measured. */
  tasks: Record<string, () => Promise<Record<string, number>>> = {},
): void {
  if (!process.send) throw new Error('start this process from bench/run.ts (it needs an IPC channel)');
  let stopping = false;
  const exit = async () => {
    if (stopping) return;
    stopping = true;
    // Bounded: a server that will not drain must not keep the run waiting.
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (message: CommandMessage) => {
    if (message?.type !== 'command') return;
    void answer(message).then((reply) => {
      process.send?.(reply);
      if (message.command === 'stop') void exit();
    });
  });
  process.on('disconnect', () => void exit());
  process.on('SIGTERM', () => void exit());
  process.send({ type: 'ready', ...ready } satisfies ReadyMessage);

  async function answer(message: CommandMessage): Promise<ReplyMessage> {
    const reply: ReplyMessage = { type: 'reply', id: message.id };
    if (message.command === 'stats') {
      const cpu = process.cpuUsage();
      reply.stats = {
        cpuMicros: cpu.user + cpu.system,
        handled: counter?.handled ?? 0,
        inFlight: counter?.inFlight ?? 0,
        rssBytes: process.memoryUsage.rss(),
      };
    } else if (message.command === 'once' && load && message.load) {
      reply.problem = await load.once(message.load.n);
    } else if (message.command === 'load' && load && message.load) {
      reply.measure = await load.load(message.load);
    } else if (message.command === 'task') {
      const task = message.task === undefined ? undefined : tasks[message.task];
      if (!task) reply.error = `no task ${message.task}`;
      else
        try {
          reply.result = await task();
        } catch (error) {
          reply.error = (error as Error).message;
        }
    } else if (message.command === 'heap') {
      if (typeof globalThis.gc !== 'function') reply.error = 'start the process with --expose-gc';
      else reply.heap = await collectedHeap(globalThis.gc);
    } else if (message.command === 'profile-start') {
      await profiler.start();
    } else if (message.command === 'profile-stop' && message.path) {
      await profiler.stop(message.path);
    } else if (message.command === 'heap-sampling-start') {
      await profiler.startHeapSampling();
    } else if (message.command === 'heap-sampling-stop' && message.path) {
      await profiler.stopHeapSampling(message.path);
    }
    return reply;
  }
}

/**
 * V8's sampling profilers through the inspector, so that a profile covers only the measured load
 * (`--cpu-prof` would also hold the start-up, module loading included). The heap sampler reports
 * the allocation sites of the objects still alive when it stops (what a parked request holds).
 */
const profiler = {
  session: undefined as Session | undefined,
  connect(): Session {
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
    }
    return this.session;
  },
  async start(): Promise<void> {
    const session = this.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  },
  async stop(path: string): Promise<void> {
    const { profile } = await this.connect().post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
  },
  async startHeapSampling(): Promise<void> {
    await this.connect().post('HeapProfiler.startSampling', { samplingInterval: 1024 });
  },
  async stopHeapSampling(path: string): Promise<void> {
    const { profile } = await this.connect().post('HeapProfiler.stopSampling');
    writeFileSync(path, JSON.stringify(profile));
  },
};

async function collectedHeap(gc: () => void): Promise<HeapStats> {
  // Two full collections with a turn between them: objects freed by finalizers or weak
  // callbacks of the first go in the second.
  gc();
  await tick();
  gc();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers, rss };
}

/** `--name value` from `process.argv`, or the fallback. */
export function argument(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}
