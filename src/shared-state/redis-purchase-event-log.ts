import type { DeliveryRecorder, KeyedPurchaseEvent, RecordOutcome } from '../events/delivery-recorder.ts';
import { matchesPurchaseEvent } from '../events/memory-purchase-event-log.ts';
import type {
  NewPurchaseEvent,
  PurchaseEvent,
  PurchaseEventLog,
  PurchaseEventPage,
  PurchaseEventPageQuery,
} from '../events/purchase-event-log.ts';
import type { Logger } from '../logger.ts';
import { redisScript, type RedisConnection } from './redis-connection.ts';
import { RedisJsonChannel } from './redis-json-channel.ts';

/** Options of `RedisPurchaseEventLog`. */
export interface RedisPurchaseEventLogOptions {
  /** The stream, e.g. `horizon:app:123:events`. */
  streamKey: string;
  /** Prefix of the dedupe keys, e.g. `horizon:app:123:webhook:seen:`. */
  dedupeKeyPrefix: string;
  /**
   * Prefix of each player's own stream (the same entries, same ids, for that player's pages), e.g.
   * `horizon:app:123:events:user:`. Default: `streamKey` + `:user:`.
   */
  userStreamPrefix?: string;
  /** Pub/sub channel of live events, e.g. `horizon:app:123:events:live`. */
  channel: string;
  /** Approximate bound of the stream (`HORIZON_EVENTS_MAX`). */
  max: number;
  /** How long a dedupe key lives, s (`HORIZON_WEBHOOK_DEDUPE_TTL_S`). */
  dedupeTtlSeconds: number;
  logger: Logger;
}

/**
 * Appends events: per event, ARGV holds a flag (`d`: only when its dedupe key is new, `-`: always),
 * whether it has a player (`u`) and its JSON; KEYS holds the stream, then per event its dedupe key
 * and its player's stream (the stream's own name where there is none). With `d`, `SET <key> NX EX
 * ttl` comes first, and the event is appended only when that set it: one script, so a key is never
 * taken without its event (a crash in between cannot turn Meta's retry into a "duplicate" of an
 * event never stored). Each event goes to the stream (`XADD … MAXLEN ~ max`) and, under the same
 * id, to its player's stream. Returns the new id per event, '' for a duplicate.
 */
const APPEND = redisScript(`
local ids = {}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local dedupe, player, event = ARGV[3 * i], ARGV[3 * i + 1], ARGV[3 * i + 2]
  if dedupe == '-' or redis.call('SET', KEYS[2 * i], '1', 'NX', 'EX', ARGV[2]) then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', event)
    if player == 'u' then
      redis.call('XADD', KEYS[2 * i + 1], 'MAXLEN', '~', ARGV[1], id, 'e', event)
    end
    ids[#ids + 1] = id
  else
    ids[#ids + 1] = ''
  end
end
return ids
`);

/** Entries read per XREVRANGE while a filtered page is being filled. */
const SCAN_CHUNK = 500;

interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

/**
 * The log with `REDIS_URL`: a Redis Stream (`XADD … MAXLEN ~ HORIZON_EVENTS_MAX`) shared by the
 * fleet, whose entry ids are the event ids, so it survives restarts and every replica pages the
 * same history. Live events reach the other replicas' subscribers over Redis pub/sub (the
 * appending replica tells its own directly); pub/sub keeps nothing for a replica that is away, so
 * a live subscriber may miss events while its replica has lost Redis: the log itself has them.
 */
export class RedisPurchaseEventLog implements PurchaseEventLog, DeliveryRecorder {
  readonly #redis: RedisConnection;
  readonly #options: RedisPurchaseEventLogOptions;
  readonly #channel: RedisJsonChannel<{ events: PurchaseEvent[] }>;
  readonly #listeners = new Set<(event: PurchaseEvent) => void>();

  constructor(redis: RedisConnection, options: RedisPurchaseEventLogOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#channel = new RedisJsonChannel(redis, options.channel, options.logger);
    this.#channel.subscribe((message) => {
      if (Array.isArray(message.events)) for (const event of message.events) this.#deliver(event);
    });
  }

  async append(events: readonly NewPurchaseEvent[]): Promise<PurchaseEvent[]> {
    const recorded = await this.#append(events.map((event) => ({ event })));
    return this.#published(recorded.filter((event): event is PurchaseEvent => event !== undefined));
  }

  /** `DeliveryRecorder`: appends the events whose dedupe key is new, atomically with the key. */
  async record(items: readonly KeyedPurchaseEvent[]): Promise<RecordOutcome> {
    const recorded = (await this.#append(items)).filter(
      (event): event is PurchaseEvent => event !== undefined,
    );
    return { recorded: this.#published(recorded), duplicates: items.length - recorded.length };
  }

  /** Runs `APPEND`; undefined for each duplicate. */
  async #append(
    items: readonly { event: NewPurchaseEvent; key?: string }[],
  ): Promise<(PurchaseEvent | undefined)[]> {
    if (items.length === 0) return [];
    const { streamKey, dedupeKeyPrefix, max, dedupeTtlSeconds } = this.#options;
    const keys = [streamKey];
    const args = [String(max), String(dedupeTtlSeconds)];
    for (const { event, key } of items) {
      keys.push(
        key === undefined ? streamKey : dedupeKeyPrefix + key,
        this.#userStream(event.userId) ?? streamKey,
      );
      args.push(key === undefined ? '-' : 'd', event.userId === null ? '-' : 'u', JSON.stringify(event));
    }
    const ids = (await this.#redis.run(APPEND, keys, args)) as string[];
    return items.map(({ event }, i) => (ids[i] ? { ...event, id: ids[i] } : undefined));
  }

  #userStream(userId: string | null): string | undefined {
    if (userId === null) return undefined;
    return (this.#options.userStreamPrefix ?? `${this.#options.streamKey}:user:`) + userId;
  }

  async page(query: PurchaseEventPageQuery): Promise<PurchaseEventPage> {
    const events: PurchaseEvent[] = [];
    let end = query.after === undefined ? '+' : `(${query.after}`;
    // Ids start with the ms they were added, never before `receivedAt`.
    const start = query.since ? String(query.since.getTime()) : '-';
    // A player's page reads that player's own stream: no scan of everyone's events.
    const stream = (query.userId !== undefined && this.#userStream(query.userId)) || this.#options.streamKey;
    const filtered = (query.types?.length ?? 0) > 0 || query.since;
    const chunk = filtered ? Math.max(SCAN_CHUNK, query.first + 1) : query.first + 1;
    for (;;) {
      const entries = (await this.#redis.client.xRevRange(stream, end, start, {
        COUNT: chunk,
      })) as StreamEntry[];
      for (const entry of entries) {
        const event = this.#parse(entry);
        if (!event || !matchesPurchaseEvent(event, query)) continue;
        if (events.length === query.first) return { events, hasNextPage: true };
        events.push(event);
      }
      if (entries.length < chunk) return { events, hasNextPage: false };
      end = `(${entries[entries.length - 1]!.id}`;
    }
  }

  async readForward(options: { after?: string; since?: Date; count: number }): Promise<PurchaseEvent[]> {
    const out: PurchaseEvent[] = [];
    let start = options.after === undefined ? '-' : `(${options.after}`;
    if (options.since && options.after === undefined) start = String(options.since.getTime());
    while (out.length < options.count) {
      const entries = (await this.#redis.client.xRange(this.#options.streamKey, start, '+', {
        COUNT: options.count - out.length,
      })) as StreamEntry[];
      for (const entry of entries) {
        const event = this.#parse(entry);
        if (event && matchesPurchaseEvent(event, { since: options.since })) out.push(event);
      }
      if (entries.length === 0) break;
      start = `(${entries[entries.length - 1]!.id}`;
    }
    return out;
  }

  subscribe(listener: (event: PurchaseEvent) => void): () => void {
    const entry = (event: PurchaseEvent) => listener(event);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  /** Stops telling subscribers; the connection belongs to the shared state, which closes it. */
  async close(): Promise<void> {
    this.#listeners.clear();
  }

  #parse(entry: StreamEntry): PurchaseEvent | undefined {
    try {
      return { ...(JSON.parse(entry.message.e ?? '') as NewPurchaseEvent), id: entry.id };
    } catch {
      return undefined;
    }
  }

  #published(events: PurchaseEvent[]): PurchaseEvent[] {
    if (events.length === 0) return events;
    for (const event of events) this.#deliver(event);
    this.#channel.publish(
      { events },
      'purchase events not published (Redis pub/sub unreachable): live subscribers on other replicas miss them; they are in the log',
    );
    return events;
  }

  #deliver(event: PurchaseEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // One subscriber's failure must not keep the event from the others.
      }
    }
  }
}
