import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseMetrics } from '../ops/prometheus-text.ts';

// The subgraph as separate processes (`src/index.ts`, which runs `startFromConfig`), all in front
// of one upstream, and a recording proxy between them and the emulator that notes every call.

/** One upstream call as the proxy saw it arrive. */
export interface RecordedCall {
  method: string;
  /** Path without the query string, e.g. `/1000000000000001/achievements`. */
  path: string;
  body: string;
  /** `performance.now()` of the test process at arrival. */
  at: number;
}

/** Forwards everything to `target` and records each call. */
export async function recordingProxy(
  target: string,
): Promise<{ url: string; calls: RecordedCall[]; close(): Promise<void> }> {
  const calls: RecordedCall[] = [];
  const aborts = new AbortController();
  const server = createServer((req, res) => void forward(req, res));
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    if (req.url === '/__recorded') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(calls));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (!req.url!.startsWith('/__emulator/'))
      calls.push({ method: req.method!, path: req.url!.split('?')[0]!, body, at });
    try {
      const upstream = await fetch(target + req.url, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(
            ([name]) => !['host', 'connection', 'content-length'].includes(name),
          ),
        ) as Record<string, string>,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        signal: aborts.signal,
      });
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'retry-after', 'x-fb-trace-id']) {
        const value = upstream.headers.get(name);
        if (value) headers[name] = value;
      }
      res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.destroy();
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: async () => {
      aborts.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * An emulator and a recording proxy in a process of their own, so that arrival times are not
 * delayed by the load the test process generates. `recorded()` fetches the calls seen so far.
 */
export async function upstreamProcess(): Promise<{
  url: string;
  app: { id: string; secret: string };
  recorded(): Promise<RecordedCall[]>;
  close(): Promise<void>;
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fleet/upstream-process.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const started = await new Promise<{ url: string; app: { id: string; secret: string } }>(
    (resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`upstream process exited with ${code}`)));
    },
  );
  return {
    ...started,
    recorded: async () => (await (await fetch(`${started.url}/__recorded`)).json()) as RecordedCall[],
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A GraphQL answer. */
export interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One subgraph process. */
export interface Replica {
  base: string;
  child: ChildProcess;
  gql(query: string, variables?: Record<string, unknown>): Promise<Answer>;
  readyz(): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The value of one series (summed over its labels matching `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

const children: ChildProcess[] = [];

/** Starts `n` replicas with the same environment; each logs `subgraph ready` with its URL. */
export async function startReplicas(n: number, env: Record<string, string>): Promise<Replica[]> {
  return Promise.all(Array.from({ length: n }, () => startReplica(env)));
}

/** SIGKILLs every replica still running (afterAll). */
export async function killReplicas(): Promise<void> {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }),
  );
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const fullEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  // As in production: vitest's NODE_ENV=test changes Apollo's defaults.
  delete fullEnv.NODE_ENV;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (record.msg === 'subgraph ready') resolve(String(record.url).replace(/\/graphql$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`replica exited early with ${code}: ${stderr.join('')}`)));
  });
  return {
    base,
    child,
    gql: async (query, variables) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
    },
    readyz: async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    metric: async (name, labels = {}) => {
      const samples = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      return samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
    },
  };
}

export { eventually } from '../helpers/eventually.ts';
