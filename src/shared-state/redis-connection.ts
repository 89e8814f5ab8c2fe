import { createHash, randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../logger.ts';

/** Options of `RedisConnection`. */
export interface RedisConnectionOptions {
  /** `redis://` or `rediss://`, with password and database index when needed. */
  url: string;
  logger: Logger;
  /** Longest wait for one command, ms; past it the command fails (as if Redis were down). Default 1000. */
  commandTimeoutMs?: number;
}

/** A Lua script, run by its SHA1 (loaded on first use). */
export interface RedisScript {
  source: string;
  sha1: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * One client connection to Redis, and a second one for pub/sub (a subscribed connection can run
 * no other command). Neither is awaited at start: a replica serves without Redis, and both keep
 * reconnecting with backoff (at most 2 s apart) until Redis answers. While disconnected, commands
 * fail at once (no offline queue), so a caller never waits on a Redis that is gone; a command that
 * gets no answer fails after `commandTimeoutMs`.
 */
export class RedisConnection {
  readonly client: RedisClientType;
  readonly subscriber: RedisClientType;
  /** Tells this replica's own messages from the others'. */
  readonly replicaId = randomUUID();
  readonly #logger: Logger;
  #closed = false;

  constructor(options: RedisConnectionOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      throw new TypeError(`RedisConnection: url must be redis:// or rediss://, got ${url.protocol}`);
    this.#logger = options.logger;
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs ?? 1000 },
      socket: {
        connectTimeout: 2000,
        // Full jitter below an exponential bound: replicas that lost Redis together do not
        // reconnect together.
        reconnectStrategy: (retries: number) => Math.round(Math.random() * Math.min(50 * 2 ** retries, 2000)),
      },
    }) as RedisClientType;
    this.subscriber = this.client.duplicate() as RedisClientType;
    this.#watch(this.client, 'commands');
    this.#watch(this.subscriber, 'pub/sub');
  }

  /** Starts connecting both connections; resolves at once (see the class comment). */
  start(): void {
    for (const client of [this.client, this.subscriber]) {
      // Failures are reported through 'error' and retried by the reconnect strategy.
      client.connect().catch(() => undefined);
    }
  }

  /** Whether commands can be sent now. */
  get available(): boolean {
    return this.client.isReady;
  }

  /** Runs `script` by SHA1, loading it on the first NOSCRIPT (after a Redis restart, too). */
  async run(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.evalSha(script.sha1, { keys, arguments: args });
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.client.eval(script.source, { keys, arguments: args });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [this.client, this.subscriber].map(async (client) => {
        if (client.isOpen) await client.close().catch(() => client.destroy());
        else client.destroy();
      }),
    );
  }

  /** One warning per connection when Redis is lost (not one per reconnect attempt), one line when back. */
  #watch(client: RedisClientType, role: 'commands' | 'pub/sub'): void {
    let down = false;
    client.on('error', (error: Error) => {
      if (this.#closed || down) return;
      down = true;
      this.#logger.warn(
        { role, err: error.message },
        role === 'commands'
          ? 'Redis unreachable: keyed writes fail with IDEMPOTENCY_STORE_UNAVAILABLE and the upstream budget is per replica until it is back; reconnecting'
          : 'Redis pub/sub lost: shared caches rely on their TTL until it is back; reconnecting',
      );
    });
    client.on('ready', () => {
      if (down) this.#logger.info({ role }, 'Redis reachable again');
      down = false;
    });
  }
}
