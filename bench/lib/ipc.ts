/**
 * The IPC protocol between the bench runner and the processes it starts (emulator, floor,
 * subgraph, passthrough, bare Apollo, naive): each child says `ready` once it listens, then answers numbered commands.
 * IPC instead of an HTTP control route, so the measured servers serve nothing but the workload.
 */

/** What a child sends once it listens. */
export interface ReadyMessage {
  type: 'ready';
  /** Where it listens, by name (`main`, or one per emulator latency). */
  urls: Record<string, string>;
  /** Anything worth printing with the results (e.g. the subgraph's pool settings). */
  info?: Record<string, unknown>;
}

/** A command from the runner. */
export interface CommandMessage {
  type: 'command';
  id: number;
  command:
    | 'stats'
    | 'heap'
    | 'profile-start'
    | 'profile-stop'
    | 'heap-sampling-start'
    | 'heap-sampling-stop'
    | 'once'
    | 'load'
    | 'task'
    | 'stop';
  /** `profile-stop`, `heap-sampling-stop`: where to write the profile. */
  path?: string;
  /** `once`, `load` (the floor process): players per request, connections, duration. */
  load?: { n: number; connections: number; durationMs: number };
  /** `task`: which of the child's named tasks to run (e.g. the export process's `export`, `floor`). */
  task?: string;
}

/** A child's answer to one command. */
export interface ReplyMessage {
  type: 'reply';
  id: number;
  stats?: ProcessStats;
  heap?: HeapStats;
  /** `once`: what was wrong with the answer (undefined when right); `load`: what the load saw. */
  problem?: string;
  measure?: {
    completed: number;
    elapsedMs: number;
    latencies: number[];
    failures: number;
    failureSample?: string;
  };
  /** `task`: what it measured. */
  result?: Record<string, number>;
  error?: string;
}

/** CPU and request counters of a child. */
export interface ProcessStats {
  /** `process.cpuUsage()` (user + system), microseconds since start. */
  cpuMicros: number;
  /** Requests answered since start. */
  handled: number;
  /** Requests received but not answered yet. */
  inFlight: number;
  /** Resident set size now (no collection forced), bytes. */
  rssBytes: number;
}

/** `process.memoryUsage()` after two forced collections (needs `--expose-gc`). */
export interface HeapStats {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}
