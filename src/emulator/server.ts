/**
 * The HTTP layer: one `node:http` server that sends `/__emulator/…` to the control endpoints and
 * everything else through routing, latency, counting, strict mode's DELETE limit, fault injection,
 * parameter parsing, authentication, strict mode's field check and the endpoint handler, answering
 * Graph errors in Graph's envelope.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext } from './context.ts';
import { faultResponse, type Control } from './control.ts';
import {
  defaultErrorForStatus,
  GraphError,
  permissionDenied,
  unknownErrorOverload,
  unknownObject,
  unknownPath,
} from './graph-errors.ts';
import { stringifyJson, type JsonWriteOptions } from './json.ts';
import { profileDelayMs, type LatencyProfile } from './latency.ts';
import { Params } from './params.ts';
import { readBody, readBodyParams } from './request-body.ts';
import type { Endpoint, Router } from './router.ts';
import type { EmulatorState } from './state.ts';
import { DELETE_ROUTES, refuseGuessedFields, STRICT_DELETE_MIN_MS, type InFlightLimit } from './strict.ts';
import { authenticate, extractToken } from './tokens.ts';
import { handleEventControl } from './events-control.ts';
import type { WebhookSender } from './webhooks.ts';

/** What the server serves from; `state` is replaced on reset, so it is read per request. */
export interface EmulatorRuntime {
  readonly state: EmulatorState;
  readonly router: Router;
  readonly control: Control;
  readonly latencyMs: number;
  readonly latencyProfile: LatencyProfile;
  readonly strict: boolean;
  /** DELETEs in flight (strict mode refuses those beyond the limit). */
  readonly deletes: InFlightLimit;
  readonly output: JsonWriteOptions;
  /** Sends Meta's IAP webhook (`--webhook-url`); undefined: changes are not notified. */
  readonly webhooks?: WebhookSender;
}

/** A server for `runtime`, and its shutdown (which also ends stalled requests). */
export function createEmulatorServer(runtime: EmulatorRuntime): {
  server: Server;
  shutdown(): Promise<void>;
} {
  const closing = new AbortController();
  const server = createServer((req, res) => {
    handle(req, res, runtime, closing.signal).catch((error: unknown) => {
      // Only reachable when the connection broke mid-answer; nothing is left to tell the client.
      if (!closing.signal.aborted) console.error('[emulator] could not answer a request:', error);
    });
  });
  const shutdown = () =>
    new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, shutdown };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  runtime: EmulatorRuntime,
  signal: AbortSignal,
) {
  const method = req.method ?? 'GET';
  const url = publicUrl(req);
  if (url.pathname.startsWith('/__emulator/')) {
    let body: string;
    try {
      body = (await readBody(req)).toString('utf8');
    } catch {
      send(
        res,
        413,
        {},
        JSON.stringify({ error: { message: 'Body too large', type: 'EmulatorControlError' } }),
      );
      return;
    }
    const answer =
      handleEventControl(runtime.state, runtime.webhooks, method, url.pathname, body) ??
      runtime.control.handle(method, url.pathname, body);
    send(res, answer.status, {}, JSON.stringify(answer.body));
    return;
  }
  let release: (() => void) | undefined;
  try {
    // Routed first (errors kept for later): the latency profile and the DELETE limit depend on the route.
    let endpoint: Endpoint | undefined;
    let segments: string[] = [];
    let notServed: unknown;
    try {
      segments = pathSegments(url.pathname);
      endpoint = runtime.router.match(method, segments, runtime.state);
    } catch (error) {
      notServed = error;
    }
    const isDelete = runtime.strict && endpoint !== undefined && DELETE_ROUTES.has(endpoint.route);
    let overloaded = false;
    if (isDelete) {
      if (runtime.deletes.tryAcquire()) release = () => runtime.deletes.release();
      else overloaded = true;
    }
    let delayMs = runtime.latencyMs + profileDelayMs(runtime.latencyProfile, endpoint?.route);
    if (isDelete) delayMs = Math.max(delayMs, STRICT_DELETE_MIN_MS);
    if (delayMs > 0) await sleep(delayMs, undefined, { signal });
    if (!endpoint) throw notServed;

    runtime.control.count(endpoint.route);
    // Too many DELETEs at once: graph.oculus.com's overload answer, and nothing is deleted.
    if (overloaded) throw unknownErrorOverload();
    const fault = runtime.control.takeFault(endpoint.route);
    if (fault && fault.delayMs > 0) await sleep(fault.delayMs, undefined, { signal });
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    const faulted = fault && faultResponse(fault, runtime.strict);
    if (faulted) {
      send(res, faulted.status, faulted.headers, faulted.body);
      return;
    }

    const params = new Params(new Map([...url.searchParams, ...(await readBodyParams(req))]));
    // Read once, after any stall, so that a reset during the stall is seen whole.
    const state = runtime.state;
    const caller = authenticate(extractToken(req.headers, params), state);
    if (endpoint.auth === 'app' && caller.kind !== 'app') {
      throw permissionDenied(`${endpoint.route} requires an app access token`);
    }
    if (endpoint.route.includes('{app_id}') && segments[0] !== state.app.id) {
      throw unknownObject(method, segments[0] ?? '');
    }
    if (runtime.strict) refuseGuessedFields(endpoint.route, params.get('fields'));
    const ctx: RequestContext = {
      method,
      url,
      segments,
      params,
      token: caller.token,
      caller,
      state,
      output: runtime.output,
      strict: runtime.strict,
      webhooks: runtime.webhooks,
    };
    send(res, 200, {}, stringifyJson(endpoint.handle(ctx), runtime.output));
  } catch (error) {
    // The client hung up (e.g. timed out during an injected delay): nobody is there to answer.
    if (signal.aborted || (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
      req.socket.destroy();
      return;
    }
    if (!(error instanceof GraphError)) console.error('[emulator] internal error:', error);
    const graphError = error instanceof GraphError ? error : defaultErrorForStatus(500);
    send(res, graphError.status, {}, stringifyJson(graphError.toBody(), runtime.output));
  } finally {
    release?.();
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The URL as the client addressed it: `paging.next` links must point back at the same host. */
function publicUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  const address = req.socket.localAddress ?? '127.0.0.1';
  const fallback = `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
  // Concatenated rather than resolved, so that a path like `//x/y` cannot change the host.
  const relative = target.startsWith('/');
  try {
    if (!req.headers.host) throw new TypeError('no Host header');
    return relative ? new URL(`http://${req.headers.host}${target}`) : new URL(target);
  } catch {
    return new URL(`${fallback}${relative ? target : '/'}`);
  }
}

/** `/123/achievements/` → `['123', 'achievements']` (the docs show trailing slashes too). */
function pathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw unknownPath(pathname);
  }
}
