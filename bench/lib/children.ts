/**
 * Starting, pinning, asking and stopping the bench's child processes (runner side of `ipc.ts`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandMessage, HeapStats, ProcessStats, ReadyMessage, ReplyMessage } from './ipc.ts';

/** How the runner pins processes to CPUs, decided once per run. */
export interface Pinning {
  /** False when `taskset` is missing or the machine has one CPU. */
  enabled: boolean;
  /** CPU list for the measured processes (floor, subgraph, passthrough, bare Apollo, naive, peers), e.g. `1`. */
  servers?: string;
  /** CPU list for the runner (load generator) and the upstream (emulator, replay), e.g. `0`. */
  others?: string;
  /** One line for the report. */
  description: string;
}

/** Pins the runner itself and decides where its children go. */
export function decidePinning(cpus: number): Pinning {
  const taskset = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' });
  if (taskset.error || taskset.status !== 0) {
    return { enabled: false, description: 'not pinned (taskset is not available)' };
  }
  if (cpus < 2) return { enabled: false, description: 'not pinned (one CPU)' };
  const others = '0';
  const servers = cpus === 2 ? '1' : `1-${cpus - 1}`;
  // -a: every thread of the runner (libuv pool, V8 helpers), not only the main one.
  const self = spawnSync('taskset', ['-a', '-p', '-c', others, String(process.pid)], { encoding: 'utf8' });
  if (self.status !== 0)
    return { enabled: false, description: `not pinned (taskset failed: ${self.stderr.trim()})` };
  return {
    enabled: true,
    servers,
    others,
    description: `taskset: floor and measured servers on CPU ${servers}; load generator and upstream (emulator, replay) on CPU ${others}`,
  };
}

/** A started child process. */
export class Child {
  readonly name: string;
  readonly ready: ReadyMessage;
  readonly #process: ChildProcess;
  readonly #stderr: string[];
  readonly #pending = new Map<number, (reply: ReplyMessage) => void>();
  #nextId = 1;

  private constructor(name: string, child: ChildProcess, ready: ReadyMessage, stderr: string[]) {
    this.name = name;
    this.#process = child;
    this.ready = ready;
    this.#stderr = stderr;
    child.on('message', (message: ReplyMessage) => {
      if (message?.type !== 'reply') return;
      this.#pending.get(message.id)?.(message);
      this.#pending.delete(message.id);
    });
  }

  /**
   * `node --import tsx <script> ...args`; resolves once it is ready. With `cpus`, every thread of
   * it is pinned there once it is ready: starting up (compiling, loading modules) on every CPU
   * keeps a dozen starts from queueing on the measured core, and no load runs before `ready`.
   */
  static async start(
    name: string,
    script: string,
    options: {
      /** Working directory (where `tsx` resolves); default this checkout's root. */
      cwd?: string;
      args?: string[];
      env?: NodeJS.ProcessEnv;
      cpus?: string;
      nodeFlags?: string[];
      timeoutMs?: number;
    },
  ): Promise<Child> {
    const nodeArgs = [...(options.nodeFlags ?? []), '--import', 'tsx', script, ...(options.args ?? [])];
    const child = spawn(process.execPath, nodeArgs, {
      // The project root, where `tsx` resolves.
      cwd: options.cwd ?? fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env },
    });
    started.add(child);
    child.once('exit', () => started.delete(child));
    const stderr: string[] = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr.push(chunk);
      if (stderr.length > 50) stderr.shift();
    });
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('not ready in time')), options.timeoutMs ?? 180_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${name}: ${error.message}\n${stderr.join('').slice(-2000)}`));
      };
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal}) before it was ready`)));
      child.on('message', (message: ReadyMessage) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(message);
      });
    });
    if (options.cpus) {
      // -a: every thread (V8's platform workers, libuv's pool); threads made later inherit it.
      const pinned = spawnSync('taskset', ['-a', '-p', '-c', options.cpus, String(child.pid)], {
        encoding: 'utf8',
      });
      if (pinned.status !== 0) {
        child.kill('SIGKILL');
        throw new Error(`${name}: taskset failed: ${pinned.stderr.trim()}`);
      }
    }
    return new Child(name, child, ready, stderr);
  }

  get url(): string {
    return this.ready.urls.main!;
  }

  /** CPU time and request counters. */
  async stats(): Promise<ProcessStats> {
    return (await this.#ask('stats')).stats!;
  }

  /** Heap after forced collections (the child needs `--expose-gc`). */
  async heap(): Promise<HeapStats> {
    const reply = await this.#ask('heap');
    if (reply.error) throw new Error(`${this.name}: ${reply.error}`);
    return reply.heap!;
  }

  /** Starts the V8 sampling profiler in the child. */
  async profileStart(): Promise<void> {
    await this.#ask('profile-start');
  }

  /** Stops the profiler and has the child write the profile to `path`. */
  async profileStop(path: string): Promise<void> {
    await this.#ask('profile-stop', path);
  }

  /** Starts V8's sampling heap profiler in the child. */
  async heapSamplingStart(): Promise<void> {
    await this.#ask('heap-sampling-start');
  }

  /** Writes the allocation sites of what is alive now to `path` (`.heapprofile`) and stops sampling. */
  async heapSamplingStop(path: string): Promise<void> {
    await this.#ask('heap-sampling-stop', path);
  }

  /** The floor process: one request of `n` players, checked; what was wrong, or undefined. */
  async once(n: number): Promise<string | undefined> {
    const reply = await this.#ask('once', undefined, { n, connections: 1, durationMs: 0 });
    return reply.error ?? reply.problem;
  }

  /** The floor process: a closed-loop load it runs itself; what it saw. */
  async load(load: {
    n: number;
    connections: number;
    durationMs: number;
  }): Promise<NonNullable<ReplyMessage['measure']>> {
    const reply = await this.#ask('load', undefined, load);
    if (!reply.measure) throw new Error(`${this.name}: no measure (${reply.error ?? 'not a floor process'})`);
    return reply.measure;
  }

  /** Runs the child's task `name` (up to `timeoutMs`); what it measured. */
  async task(name: string, timeoutMs = 120_000): Promise<Record<string, number>> {
    const reply = await this.#ask('task', undefined, undefined, name, timeoutMs);
    if (!reply.result) throw new Error(`${this.name} ${name}: ${reply.error ?? 'no result'}`);
    return reply.result;
  }

  /** Asks the child to stop and waits for it to exit (killed after 10 s). */
  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#process.once('exit', () => resolve()));
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 10_000);
    try {
      await Promise.race([this.#ask('stop'), exited]);
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #ask(
    command: CommandMessage['command'],
    path?: string,
    load?: CommandMessage['load'],
    task?: string,
    timeoutMs = 30_000 + (load?.durationMs ?? 0),
  ): Promise<ReplyMessage> {
    const id = this.#nextId++;
    return new Promise<ReplyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${command}\n${this.#stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#process.send({ type: 'command', id, command, path, load, task } satisfies CommandMessage);
    });
  }
}

/** Every child still running, killed if the runner exits early. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
