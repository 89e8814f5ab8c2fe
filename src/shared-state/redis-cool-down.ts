import type { CoolDownChannel } from '../horizon/index.ts';
import type { Logger } from '../logger.ts';
import type { RedisConnection } from './redis-connection.ts';
import { RedisJsonChannel } from './redis-json-channel.ts';

/**
 * The app's throttling pauses over Redis pub/sub on `channel`: a message `{ ms, from }` when a
 * replica was throttled by Meta. The pause travels as a length, not a time of day, so replicas'
 * clocks never matter. Nothing is kept: a replica that was away when a pause began learns of
 * Meta's throttling from its own next call.
 */
export class RedisCoolDownChannel implements CoolDownChannel {
  readonly #channel: RedisJsonChannel<{ ms: number }>;

  constructor(redis: RedisConnection, channel: string, logger: Logger) {
    this.#channel = new RedisJsonChannel(redis, channel, logger);
  }

  /** Whether pauses begun on other replicas arrive now. */
  get live(): boolean {
    return this.#channel.live;
  }

  publish(ms: number): void {
    this.#channel.publish(
      { ms: Math.round(ms) },
      'throttling pause not told to the other replicas (Redis unreachable): each finds out from its own next call',
    );
  }

  subscribe(pause: (ms: number) => void): void {
    this.#channel.subscribe(({ ms }) => {
      if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) pause(ms);
    });
  }
}
