import type { Logger } from '../logger.ts';
import type { RedisConnection } from './redis-connection.ts';

/**
 * One Redis pub/sub channel carrying JSON messages between the replicas of an app. Each message
 * names the replica that sent it (`from`), and a replica never hears its own. Pub/sub keeps
 * nothing for a subscriber that is away; `onResubscribed` tells when the subscription came back
 * after a loss (messages may have been missed meanwhile).
 */
export class RedisJsonChannel<T extends object> {
  readonly #redis: RedisConnection;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #listeners: ((message: Partial<T>) => void)[] = [];
  readonly #onResubscribed?: () => void;
  #subscribed = false;
  #everReady = false;

  constructor(
    redis: RedisConnection,
    channel: string,
    logger: Logger,
    options: { onResubscribed?: () => void } = {},
  ) {
    this.#redis = redis;
    this.#channel = channel;
    this.#logger = logger;
    this.#onResubscribed = options.onResubscribed;
    redis.subscriber.on('ready', () => void this.#onReady());
    if (redis.subscriber.isReady) void this.#onReady();
  }

  /** Whether messages from other replicas arrive now. */
  get live(): boolean {
    return this.#subscribed && this.#redis.subscriber.isReady;
  }

  /** Sends `message` to the other replicas; when Redis cannot take it, logs `lost` as a warning. */
  publish(message: T, lost: string): void {
    const text = JSON.stringify({ ...message, from: this.#redis.replicaId });
    this.#redis.client.publish(this.#channel, text).catch((error: unknown) => {
      this.#logger.warn({ channel: this.#channel, err: (error as Error)?.message }, lost);
    });
  }

  /** Calls `listener` with each message another replica sent (parsed, not validated). */
  subscribe(listener: (message: Partial<T>) => void): void {
    this.#listeners.push(listener);
  }

  async #onReady(): Promise<void> {
    // node-redis subscribes again by itself after a reconnect; the first time is ours to do.
    if (!this.#subscribed) {
      try {
        await this.#redis.subscriber.subscribe(this.#channel, (text) => this.#receive(text));
        this.#subscribed = true;
      } catch (error) {
        this.#logger.warn(
          { channel: this.#channel, err: (error as Error)?.message },
          'Redis channel not subscribed',
        );
        return;
      }
    }
    if (this.#everReady) this.#onResubscribed?.();
    this.#everReady = true;
  }

  #receive(text: string): void {
    let parsed: Partial<T> & { from?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || parsed.from === this.#redis.replicaId) return;
    for (const listener of this.#listeners) listener(parsed);
  }
}
