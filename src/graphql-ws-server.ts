import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { Context as WsContext, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createContext, type ContextDependencies, type GraphQLContext } from './graphql/context.ts';
import type { KnownSizes } from './graphql/data/cost.ts';
import { queryTooExpensive } from './graphql/errors.ts';
import { estimateUpstreamCalls } from './graphql/limits/upstream-cost.ts';
import { resolvers } from './graphql/resolvers/index.ts';
import { MAX_BODY_BYTES } from './http-errors.ts';
import type { Logger } from './logger.ts';
import { credentialsOf, runInScope } from './observability/request-scope.ts';
import { ROUTER_SECRET_HEADER, routerSecretMatcher } from './router-secret.ts';

/** What `serveSubscriptions` needs from the server. */
export interface SubscriptionServerOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  contextDeps: ContextDependencies;
  /** The same validation rules and parse limits as HTTP operations (depth, aliases, tokens...). */
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
  /** `MAX_UPSTREAM_COST`, here per event: each event's execution is held to it. */
  maxUpstreamCost: number;
  knownSizes: () => Partial<KnownSizes>;
  /** When set, a connection must carry it (`router-authorization`, in the upgrade headers or `connection_init`). */
  routerSecret?: string;
  /** The HTTP server's last line of defense for errors (codes, masking, scrubbing). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  /** How long `close()` waits for clients to answer the close handshake before cutting them, ms. */
  closeTimeoutMs?: number;
}

/** The WebSocket endpoint, attached to the HTTP server. */
export interface SubscriptionServer {
  /** Tells every client the server is going away (1001), waits a little for them, cuts the rest. */
  close(): Promise<void>;
}

/** The path subscriptions are served on: the same as HTTP operations. */
export const GRAPHQL_PATH = '/graphql';

/** Close code when the router secret or the caller's token is refused at `connection_init`. */
export const WS_FORBIDDEN = 4403;

/** Credentials a connection may carry, as upgrade headers or `connection_init` payload keys. */
const CREDENTIAL_KEYS = ['authorization', ROUTER_SECRET_HEADER, 'x-horizon-user-token'] as const;

/** What a connection established at `connection_init`: its credentials, as headers. */
interface Connection {
  headers: Record<string, string>;
  secrets: readonly string[];
}

type Ctx = WsContext<Record<string, unknown>, Extra & { connection?: Connection }>;

/**
 * Subscriptions over the `graphql-ws` protocol on `GRAPHQL_PATH` (queries and mutations stay on
 * HTTP POST). A connection is admitted at `connection_init` with the same checks as an HTTP
 * request: the router secret and the caller's JWT, from the upgrade request's headers or the
 * `connection_init` payload (`authorization`, `router-authorization`). Each operation passes the
 * same parse limits, validation rules and upstream-cost estimate as over HTTP, and each event is
 * executed with a fresh context (its own loaders, budget and deadline, the caller's token checked
 * again), so a long subscription never accumulates state nor outlives its token's validity.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  const admits = options.routerSecret ? routerSecretMatcher(options.routerSecret) : () => true;
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== GRAPHQL_PATH)
      return refuseUpgrade(socket, 404, `WebSocket is served on ${GRAPHQL_PATH} only`);
    if (closing) return refuseUpgrade(socket, 503, 'The server is shutting down');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  httpServer.on('upgrade', onUpgrade);

  useServer<Record<string, unknown>, { connection?: Connection }>(
    {
      onConnect: async (ctx) => admit(ctx, admits, options.contextDeps, logger),
      onSubscribe: (ctx, _id, payload) => prepare(ctx, payload, options),
      subscribe: (args) => subscribePerEvent(args),
      onNext: (ctx, id, _payload, _args, result) => format(ctx, id, result, options.formatError),
      onError: (ctx, id, _payload, errors) =>
        inScope(ctx, id, () => errors.map((error) => options.formatError(error.toJSON(), error))),
    },
    wss,
  );

  return {
    close: async () => {
      closing = true;
      httpServer.off('upgrade', onUpgrade);
      await closeClients([...wss.clients], options.closeTimeoutMs ?? 2000);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** `connection_init`: the router secret and the caller's token, else close 4403 with the reason. */
async function admit(
  ctx: Ctx,
  admits: (given: string | undefined) => boolean,
  deps: ContextDependencies,
  logger: Logger,
): Promise<boolean> {
  const headers = credentials(ctx.extra.request.headers, ctx.connectionParams);
  const refuse = (reason: string) => {
    logger.info({ reason }, 'WebSocket connection refused');
    ctx.extra.socket.close(WS_FORBIDDEN, reason);
    return false;
  };
  if (!admits(headers[ROUTER_SECRET_HEADER]))
    return refuse(
      `Forbidden: missing or wrong ${ROUTER_SECRET_HEADER}: only the router may call this subgraph`,
    );
  const caller = await deps.resolveCaller(headers.authorization);
  if (caller.kind === 'invalid') return refuse('Forbidden: the bearer token was refused');
  ctx.extra.connection = { headers, secrets: credentialsOf({ headers }) };
  return true;
}

/** `subscribe`: parse, validate, refuse what is not a subscription or costs too much, then the context. */
async function prepare(
  ctx: Ctx,
  payload: SubscribePayload,
  options: SubscriptionServerOptions,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const { schema } = options;
  let document: DocumentNode;
  try {
    document = parse(payload.query, options.parseOptions);
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
  const errors = validate(schema, document, [...specifiedRules, ...options.validationRules]);
  if (errors.length > 0) return errors;
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) return [new GraphQLError('The document names no operation to run (operationName)')];
  if (operation.operation !== 'subscription') {
    const message = `Only subscriptions are served over WebSocket: send ${operation.operation} operations with HTTP POST ${GRAPHQL_PATH}`;
    return [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })];
  }
  const variables = payload.variables ?? undefined;
  const estimate = estimateUpstreamCalls({
    schema,
    resolvers,
    document,
    operation,
    variables,
    sizes: options.knownSizes(),
  });
  if (estimate > options.maxUpstreamCost) {
    return [
      queryTooExpensive(
        `Subscription refused: each event could make about ${estimate} upstream calls to Meta, more than the limit of ${options.maxUpstreamCost} (MAX_UPSTREAM_COST). Select fewer fields below the event.`,
        { estimatedUpstreamCalls: estimate, limit: options.maxUpstreamCost },
      ),
    ];
  }
  const connection = ctx.extra.connection!;
  const context = () => createContext(options.contextDeps, connection.headers);
  options.logger.info({ operationName: payload.operationName ?? null }, 'subscription started');
  return {
    schema,
    document,
    operationName: payload.operationName,
    variableValues: variables,
    // The subscribe resolver's context; `subscribePerEvent` makes one per event.
    contextValue: Object.assign(await context(), { [EVENT_CONTEXT]: context }),
  };
}

/** Where `prepare` leaves the factory of per-event contexts for `subscribePerEvent`. */
const EVENT_CONTEXT = Symbol('eventContext');

/**
 * graphql-js's `subscribe`, except that each event is executed with a fresh context: one
 * operation's budget, loaders and deadline per event, not one for the subscription's whole life.
 */
async function subscribePerEvent(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const iterator = source[Symbol.asyncIterator]();
  const eventContext = (args.contextValue as { [EVENT_CONTEXT]: () => Promise<GraphQLContext> })[
    EVENT_CONTEXT
  ];
  const events: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      const event = await iterator.next();
      if (event.done) return { value: undefined, done: true };
      const contextValue = await eventContext();
      if (contextValue.caller.kind === 'invalid') {
        // The token expired (or its key was rotated) since the connection was admitted.
        await iterator.return?.();
        throw new GraphQLError('The bearer token is no longer valid: subscribe again with a fresh one', {
          extensions: { code: 'UNAUTHENTICATED', retryable: false },
        });
      }
      const result = await execute({ ...args, rootValue: event.value, contextValue });
      return { value: result as ExecutionResult, done: false };
    },
    // Not an async generator: its `return()` would wait for the pending `next()` (the next event).
    return: async () => {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    throw: async (error: unknown) => {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => events,
  };
  return events;
}

/** An event's result, its errors formatted like HTTP ones (codes, masking, the connection's secrets scrubbed). */
function format(
  ctx: Ctx,
  id: string,
  result: ExecutionResult,
  formatError: SubscriptionServerOptions['formatError'],
) {
  if (!result.errors) return undefined;
  const errors = inScope(ctx, id, () => result.errors!.map((error) => formatError(error.toJSON(), error)));
  return { ...result, errors };
}

/** Runs `work` in a request scope carrying the connection's credentials (scrubbed from errors). */
function inScope<T>(ctx: Ctx, id: string, work: () => T): T {
  return runInScope(`ws:${id}`, work, ctx.extra.connection?.secrets ?? []);
}

/** The connection's credentials: the `connection_init` payload's keys, else the upgrade request's headers. */
function credentials(
  headers: IncomingHttpHeaders,
  params: Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const found: Record<string, string> = {};
  for (const key of CREDENTIAL_KEYS) {
    const given = params?.[key] ?? headers[key];
    const value = Array.isArray(given) ? given[0] : given;
    if (typeof value === 'string' && value.trim()) found[key] = value.trim();
  }
  return found;
}

/** Answers an upgrade request we do not take with a plain HTTP error, then drops the socket. */
function refuseUpgrade(socket: Duplex, status: 404 | 503, message: string): void {
  const body = JSON.stringify({
    errors: [{ message, extensions: { code: status === 404 ? 'NOT_FOUND' : 'SERVICE_UNAVAILABLE' } }],
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Closes every client with 1001; whoever has not completed the handshake after `timeoutMs` is cut. */
async function closeClients(clients: WebSocket[], timeoutMs: number): Promise<void> {
  const closed = clients.map(
    (ws) =>
      new Promise<void>((resolve) =>
        ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
      ),
  );
  for (const ws of clients) ws.close(1001, 'Going away: the server is shutting down');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(closed), late]);
  clearTimeout(timer);
  for (const ws of clients) if (ws.readyState !== ws.CLOSED) ws.terminate();
  await Promise.all(closed);
}
