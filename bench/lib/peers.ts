/**
 * The peers (`--peers`): what a team might run instead of writing this subgraph, measured beside
 * it when installed. The bench installs nothing. Today: Tailcall 1.0.0 (Rust), from
 * `node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall` or `TAILCALL_BIN`
 * (`npm install --no-save @tailcallhq/core-linux-x64-gnu@1.0.0`; newer builds need glibc 2.38).
 *
 * How it is configured, and why (checked against the emulator with Tailcall 1.0.0):
 * - Achievements and entries are two root fields, joined by the client (the bench's check):
 *   Tailcall makes the minimum N + 1 calls only that way.
 * - The entries field takes the ids as one string holding the JSON array, sent as `user_ids`
 *   unchanged: a `[String!]` argument is sent as repeated `user_ids=` parameters, which the API
 *   reads as one id, and `@http(batchKey)` batching of `USER_IDS` answers wrong players.
 * - No cache, no dedupe (its defaults); the pool size is the subgraph's; it runs pinned with the
 *   measured servers. Its CPU and RSS are read from `/proc`, and its requests are counted by the
 *   client (it has no counter of its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort } from '../../test/helpers/loopback.ts';
import type { ProcessStats } from './ipc.ts';
import { ENTRY_FIELDS, PROGRESS_FIELDS } from './upstream.ts';
import type { Server } from './variants.ts';
import { checkResponse, LEADERBOARD, playersFor, type PlayerResult, type Workload } from './workload.ts';

export const TAILCALL_PACKAGE = '@tailcallhq/core-linux-x64-gnu@1.0.0';
export const TAILCALL_INSTALL = `npm install --no-save ${TAILCALL_PACKAGE}`;

/** The Tailcall binary, or undefined when it is not installed. */
export function findTailcall(): string | undefined {
  const candidates = [
    process.env.TAILCALL_BIN,
    fileURLToPath(new URL('../../node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall', import.meta.url)),
  ];
  return candidates.find((path): path is string => path !== undefined && existsSync(path));
}

/** Tailcall's configuration for the workload, against `upstream` with the app token. */
export function tailcallConfig(options: {
  port: number;
  upstream: string;
  token: string;
  connections: number;
}): string {
  const auth = `headers: [{key: "authorization", value: "Bearer ${options.token}"}]`;
  return `schema
  @server(port: ${options.port}, hostname: "127.0.0.1")
  @upstream(poolMaxIdlePerHost: ${options.connections}) {
  query: Query
}

type Query {
  achievements(userId: String!): ProgressPage
    @http(
      url: "${options.upstream}/{{.args.userId}}/achievements"
      query: [{key: "fields", value: "${PROGRESS_FIELDS}"}]
      ${auth}
    )
  "userIds: the ids as one JSON array string, sent as user_ids unchanged (see bench/lib/peers.ts)"
  entries(userIds: String!, limit: String!): EntryPage
    @http(
      url: "${options.upstream}/leaderboard_entries"
      query: [
        {key: "api_name", value: "${LEADERBOARD}"}
        {key: "filter", value: "USER_IDS"}
        {key: "user_ids", value: "{{.args.userIds}}"}
        {key: "limit", value: "{{.args.limit}}"}
        {key: "fields", value: "${ENTRY_FIELDS}"}
      ]
      ${auth}
    )
}

type ProgressPage {
  data: [Progress!]
}
type Progress {
  is_unlocked: Boolean
  unlock_time: Int
  count_progress: String
  definition: Definition
}
type Definition {
  api_name: String
  achievement_type: String
}
type EntryPage {
  data: [Entry!]
}
type Entry {
  rank: Int
  score: String
  user: EntryUser
}
type EntryUser {
  id: String
}
`;
}

/** The query Tailcall answers for N players: N aliased achievements fields and one entries field. */
function tailcallQuery(n: number): string {
  const vars = Array.from({ length: n }, (_, i) => `$i${i}: String!`).join(', ');
  const fields = Array.from(
    { length: n },
    (_, i) =>
      `a${i}: achievements(userId: $i${i}) { data { is_unlocked unlock_time count_progress definition { api_name achievement_type } } }`,
  ).join('\n  ');
  return `query Players(${vars}, $ids: String!, $limit: String!) {\n  ${fields}\n  e: entries(userIds: $ids, limit: $limit) { data { rank score user { id } } }\n}`;
}

const queries = new Map<number, string>();

interface TailcallProgress {
  is_unlocked?: boolean;
  unlock_time?: number;
  count_progress?: string;
  definition?: { api_name?: string; achievement_type?: string };
}

/**
 * Tailcall's request and check: the same players; the client joins achievements and entries by
 * user id into the users shape and checks it as every other answer, and also that every entry
 * returned belongs to a player asked for.
 */
export const tailcallWorkload: Workload = {
  body(seq, n) {
    let query = queries.get(n);
    if (!query) queries.set(n, (query = tailcallQuery(n)));
    const ids = playersFor(seq, n);
    const variables: Record<string, string> = { ids: JSON.stringify(ids), limit: String(n) };
    ids.forEach((id, i) => (variables[`i${i}`] = id));
    return JSON.stringify({ operationName: 'Players', query, variables });
  },
  check(status, body, n) {
    if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
    let json: { data?: Record<string, { data?: unknown[] } | null>; errors?: unknown[] };
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
    if (json.errors !== undefined) return `errors: ${JSON.stringify(json.errors).slice(0, 300)}`;
    const data = json.data ?? {};
    const entries = (data.e?.data ?? []) as { rank?: number; score?: string; user?: { id?: string } }[];
    const users: PlayerResult[] = [];
    for (let i = 0; i < n; i++) {
      const rows = data[`a${i}`]?.data as TailcallProgress[] | undefined;
      users.push({
        id: String(i),
        achievements: rows
          ? rows.map((row) => ({
              apiName: String(row.definition?.api_name),
              isUnlocked: row.is_unlocked === true,
              unlockedAt: null,
              count: row.count_progress ?? null,
            }))
          : null,
        leaderboardEntry: null,
      });
    }
    const problem = checkResponse(200, JSON.stringify({ data: { users } }), n);
    if (problem) return problem;
    // The answer does not name the players asked for (the query text stays the same for every
    // request); whether the entries are theirs is checked once per run (`checkTailcallEntries`).
    if (entries.length > n || entries.some((entry) => typeof entry.user?.id !== 'string'))
      return 'more entries than players, or an entry without its user';
    return undefined;
  },
};

/** Checks that every entry Tailcall returns belongs to a player asked for (one request, once). */
export async function checkTailcallEntries(url: string, seq: number, n: number): Promise<string | undefined> {
  const ids = playersFor(seq, n);
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: tailcallWorkload.body(seq, n),
  });
  const json = (await res.body.json()) as { data?: { e?: { data?: { user?: { id?: string } }[] } } };
  const strangers = (json.data?.e?.data ?? []).filter((entry) => !ids.includes(entry.user?.id ?? ''));
  return strangers.length ? `${strangers.length} entries of players not asked for` : undefined;
}

/** Tailcall, started pinned to `cpus`, its config in a temporary directory. */
export class TailcallServer implements Server {
  readonly url: string;
  readonly #process: ChildProcess;
  readonly #dir: string;
  #answers = 0;

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#process = child;
    this.#dir = dir;
  }

  static async start(options: {
    binary: string;
    upstream: string;
    token: string;
    connections: number;
    cpus?: string;
  }): Promise<TailcallServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(os.tmpdir(), 'bench-tailcall-'));
    const config = join(dir, 'tailcall.graphql');
    writeFileSync(config, tailcallConfig({ ...options, port }));
    const args = ['start', config];
    const [command, argv] = options.cpus
      ? ['taskset', ['-c', options.cpus, options.binary, ...args]]
      : [options.binary, args];
    const child = spawn(command, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TAILCALL_TRACKER: 'false', TC_TRACKER: 'false' },
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const log: string[] = [];
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        log.push(chunk);
        if (log.length > 50) log.shift();
      });
    }
    const server = new TailcallServer(`http://127.0.0.1:${port}`, child, dir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tailcall exited (${child.exitCode}):\n${log.join('')}`);
      try {
        const res = await request(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        await res.body.text();
        if (res.statusCode === 200) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`tailcall not ready in 30 s:\n${log.join('')}`);
      }
      await sleep(100);
    }
  }

  countAnswer(): void {
    this.#answers++;
  }

  async stats(): Promise<ProcessStats> {
    const pid = this.#process.pid!;
    // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the `(comm)` field.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(
      /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN,
    );
    return {
      cpuMicros: (ticks / CLOCK_TICKS) * 1e6,
      handled: this.#answers,
      inFlight: 0,
      rssBytes: rssKb * 1024,
    };
  }

  async stop(): Promise<void> {
    if (this.#process.exitCode === null && this.#process.signalCode === null) {
      const exited = new Promise((resolve) => this.#process.once('exit', resolve));
      this.#process.kill('SIGTERM');
      const timer = setTimeout(() => this.#process.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS = 100;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
