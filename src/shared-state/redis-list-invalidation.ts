import type { SharedListName } from '../graphql/data/cost.ts';
import type { ListInvalidation } from '../graphql/loaders/shared-list.ts';
import type { Logger } from '../logger.ts';
import type { RedisConnection } from './redis-connection.ts';

const LISTS: readonly SharedListName[] = ['definitions', 'leaderboards', 'catalog'];

/** Optional callbacks for metrics; they must be cheap and must not throw. */
export interface ListInvalidationHooks {
  /** Another replica said `list` changed (or `all`, after messages may have been missed). */
  onReceived?(list: SharedListName | 'all'): void;
}

/**
 * Shared-list invalidations over Redis pub/sub on `channel`: a message `{ list, from }` per change,
 * ignored by the replica that sent it. Pub/sub keeps nothing for a subscriber that is away, so
 * when the subscription comes back after a loss, every list is dropped once (messages may have
 * been missed); while it is away, lists live out their TTL.
 */
export class RedisListInvalidation implements ListInvalidation {
  readonly #redis: RedisConnection;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #hooks: ListInvalidationHooks;
  readonly #drops: ((list: SharedListName | 'all') => void)[] = [];
  #subscribed = false;
  #everReady = false;

  constructor(redis: RedisConnection, channel: string, logger: Logger, hooks: ListInvalidationHooks = {}) {
    this.#redis = redis;
    this.#channel = channel;
    this.#logger = logger;
    this.#hooks = hooks;
    redis.subscriber.on('ready', () => void this.#onReady());
    if (redis.subscriber.isReady) void this.#onReady();
  }

  /** Whether invalidations from other replicas arrive now. */
  get live(): boolean {
    return this.#subscribed && this.#redis.subscriber.isReady;
  }

  publish(list: SharedListName): void {
    const message = JSON.stringify({ list, from: this.#redis.replicaId });
    this.#redis.client.publish(this.#channel, message).catch((error: unknown) => {
      this.#logger.warn(
        { list, err: (error as Error)?.message },
        'cache invalidation not published (Redis unreachable): other replicas serve the old list until its TTL',
      );
    });
  }

  subscribe(drop: (list: SharedListName | 'all') => void): void {
    this.#drops.push(drop);
  }

  async #onReady(): Promise<void> {
    // node-redis subscribes again by itself after a reconnect; the first time is ours to do.
    if (!this.#subscribed) {
      try {
        await this.#redis.subscriber.subscribe(this.#channel, (message) => this.#receive(message));
        this.#subscribed = true;
      } catch (error) {
        this.#logger.warn({ err: (error as Error)?.message }, 'cache invalidation channel not subscribed');
        return;
      }
    }
    if (this.#everReady) this.#deliver('all');
    this.#everReady = true;
  }

  #receive(message: string): void {
    let parsed: { list?: unknown; from?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === this.#redis.replicaId) return;
    const list = LISTS.find((name) => name === parsed.list);
    if (list) this.#deliver(list);
  }

  #deliver(list: SharedListName | 'all'): void {
    this.#hooks.onReceived?.(list);
    for (const drop of this.#drops) drop(list);
  }
}
