import type { SharedListName } from '../graphql/data/cost.ts';
import type { ListInvalidation } from '../graphql/loaders/shared-list.ts';
import type { Logger } from '../logger.ts';
import type { RedisConnection } from './redis-connection.ts';
import { RedisJsonChannel } from './redis-json-channel.ts';

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
  readonly #channel: RedisJsonChannel<{ list: SharedListName }>;
  readonly #hooks: ListInvalidationHooks;
  readonly #drops: ((list: SharedListName | 'all') => void)[] = [];

  constructor(redis: RedisConnection, channel: string, logger: Logger, hooks: ListInvalidationHooks = {}) {
    this.#hooks = hooks;
    this.#channel = new RedisJsonChannel(redis, channel, logger, {
      onResubscribed: () => this.#deliver('all'),
    });
    this.#channel.subscribe((message) => {
      const list = LISTS.find((name) => name === message.list);
      if (list) this.#deliver(list);
    });
  }

  /** Whether invalidations from other replicas arrive now. */
  get live(): boolean {
    return this.#channel.live;
  }

  publish(list: SharedListName): void {
    this.#channel.publish(
      { list },
      'cache invalidation not published (Redis unreachable): other replicas serve the old list until its TTL',
    );
  }

  subscribe(drop: (list: SharedListName | 'all') => void): void {
    this.#drops.push(drop);
  }

  #deliver(list: SharedListName | 'all'): void {
    this.#hooks.onReceived?.(list);
    for (const drop of this.#drops) drop(list);
  }
}
