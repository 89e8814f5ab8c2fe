import type { Server } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Options of `acceptQueueDrained`. */
export interface AcceptQueueOptions {
  /** Event-loop turns in a row without a new connection that count as drained. Default 3. */
  quietTurns?: number;
  /** Gives up after this long, ms (the shutdown deadline). */
  maxMs: number;
}

/**
 * Resolves once the connections the kernel has already accepted for `server` have reached it,
 * and their first bytes have been read: call it before closing the listening socket.
 *
 * Why: Node takes at most one connection from the accept queue per event-loop turn, and a busy
 * (e.g. cold) process turns slowly, so clients may have written whole requests that still sit in
 * the queue. Closing the listening socket resets those connections (ECONNRESET), and closing an
 * accepted connection whose request was not read yet resets it too. A probe sent 100 requests
 * ~370 ms before SIGTERM to a fresh instance and got 16–40 resets. Turning the loop until no
 * connection arrives for `quietTurns` turns lets each of them become a request in flight, which
 * the drain then answers.
 */
export async function acceptQueueDrained(server: Server, options: AcceptQueueOptions): Promise<void> {
  const quietTurns = options.quietTurns ?? 3;
  const deadline = Date.now() + options.maxMs;
  let arrived = 0;
  const onConnection = () => {
    arrived += 1;
  };
  server.on('connection', onConnection);
  try {
    let quiet = 0;
    let seen = arrived;
    while (quiet < quietTurns && Date.now() < deadline) {
      await nextTurn();
      if (arrived === seen) quiet += 1;
      else [seen, quiet] = [arrived, 0];
    }
  } finally {
    server.off('connection', onConnection);
  }
}
