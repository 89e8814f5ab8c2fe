import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { transcript } from './planted-secret.ts';

/** A graphql-ws subscription whose results and end the test reads. */
export interface TestSubscription {
  /** Every `next` payload so far. */
  results: FormattedExecutionResult<Record<string, unknown>, unknown>[];
  /** Set once the server ended the subscription with an `error` message (or the socket failed). */
  error?: unknown;
  /** Set once the server completed it. */
  completed: boolean;
  /** The socket's close event, once closed. */
  closed?: { code: number; reason: string };
  /** Resolves once the server acknowledged the connection (connection_ack). */
  connected: Promise<void>;
  client: Client;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client (the `ws` package) on `url` (http:// is turned into ws://) running one
 * subscription. `headers` go on the upgrade request, `connectionParams` in `connection_init`. It
 * never retries, so a refused connection stays refused and its close code can be read.
 */
export function subscribe(
  url: string,
  query: string,
  options: {
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
    connectionParams?: Record<string, unknown>;
  } = {},
): TestSubscription {
  const headers = options.headers ?? {};
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  let acknowledged!: () => void;
  const connected = new Promise<void>((resolve) => (acknowledged = resolve));
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocketWithHeaders,
    connectionParams: options.connectionParams,
    retryAttempts: 0,
    lazy: false,
    // The close code and reason are recorded below; the default would print the event.
    onNonLazyError: () => {},
    shouldRetry: () => false,
    on: {
      connected: () => acknowledged(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        transcript.push(String(reason));
        sub.closed = { code, reason: String(reason) };
      },
    },
  });
  const sub: TestSubscription = {
    results: [],
    completed: false,
    connected,
    client,
    dispose: () => client.dispose() as Promise<void>,
  };
  client.subscribe(
    { query, variables: options.variables },
    {
      // What the server sent joins the transcript the secret sentinel checks after each file.
      next: (result) => {
        transcript.push(JSON.stringify(result));
        sub.results.push(result);
      },
      error: (error) => {
        transcript.push(JSON.stringify(error));
        sub.error = error;
      },
      complete: () => void (sub.completed = true),
    },
  );
  return sub;
}

export { until } from './eventually.ts';
