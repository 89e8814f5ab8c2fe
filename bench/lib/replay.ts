/**
 * The replay upstream: a cheaper stand-in for the emulator, so that on a small machine the
 * upstream's own CPU does not limit the floor (the emulator spends about 5 ms per 21-call request
 * building its answers). It serves the same routes with the same injected latency and the same
 * bytes: the first GET of each URL (with its `authorization`) is forwarded to the emulator (same
 * latency), and its 200 answer, recorded from the demo fixture (read-only routes), is replayed
 * byte for byte afterwards. It keeps the emulator's counters (`GET /__emulator/requests`, one per
 * call, by route template) and forwards `POST /__emulator/reset` and `/faults`; while a fault is
 * pending (S4's park) every call goes to the emulator, so that the fault applies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

interface Recorded {
  status: number;
  contentType: string;
  body: Buffer;
}

/** The emulator's route template for the workload's reads; other paths are counted as they are. */
function routeOf(method: string, pathname: string): string {
  if (pathname === '/leaderboard_entries' || pathname === '/leaderboard_entries/')
    return `${method} /leaderboard_entries`;
  if (/^\/[^/]+\/achievements\/?$/.test(pathname)) return `${method} /{user_id}/achievements`;
  return `${method} ${pathname}`;
}

export interface ReplayUpstream {
  url: string;
  close(): Promise<void>;
}

/** A replay upstream in front of the emulator at `emulatorUrl`, adding `latencyMs` to replayed calls. */
export async function startReplay(emulatorUrl: string, latencyMs: number): Promise<ReplayUpstream> {
  const emulator = new Pool(emulatorUrl, { connections: 512, keepAliveTimeout: 30_000 });
  const recorded = new Map<string, Recorded>();
  const counts = new Map<string, number>();
  /** Calls answered from the recording and calls forwarded, since the last reset. */
  let replayed = 0;
  let forwarded = 0;
  let faultPending = false;

  async function forward(req: IncomingMessage, path: string): Promise<Recorded> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept'])
      if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
    const send = () =>
      emulator.request({
        method: (req.method ?? 'GET') as 'GET',
        path,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
    // A GET lost between the replay and the emulator (a kept-alive socket closed under it, on a
    // loaded machine) is sent once more: the caller sees one call, counted once above.
    const res = await send().catch((error: unknown) => {
      if (req.method !== 'GET') throw error;
      return send();
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const contentType = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: typeof contentType === 'string' ? contentType : 'application/json; charset=UTF-8',
      body,
    };
  }

  function send(res: ServerResponse, answer: Recorded): void {
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': answer.body.length,
    });
    res.end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const pathname = path.split('?')[0]!;
    if (pathname.startsWith('/__emulator/')) {
      if (method === 'GET' && pathname === '/__emulator/requests') {
        let total = 0;
        for (const n of counts.values()) total += n;
        const body = JSON.stringify({ total, byRoute: Object.fromEntries(counts), replayed, forwarded });
        send(res, { status: 200, contentType: 'application/json', body: Buffer.from(body) });
        return;
      }
      const answer = await forward(req, path);
      if (answer.status === 200 && pathname.startsWith('/__emulator/reset')) {
        counts.clear();
        replayed = forwarded = 0;
        faultPending = false;
      } else if (answer.status === 200 && pathname.startsWith('/__emulator/faults')) faultPending = true;
      send(res, answer);
      return;
    }
    const route = routeOf(method, pathname);
    counts.set(route, (counts.get(route) ?? 0) + 1);
    const key = `${req.headers.authorization ?? ''} ${path}`;
    const hit = method === 'GET' && !faultPending ? recorded.get(key) : undefined;
    if (hit) {
      replayed++;
      if (latencyMs > 0) await sleep(latencyMs);
      send(res, hit);
      return;
    }
    forwarded++;
    const answer = await forward(req, path);
    if (method === 'GET' && answer.status === 200 && !faultPending) recorded.set(key, answer);
    send(res, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `replay: ${(error as Error).message}` } }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emulator.close();
    },
  };
}
